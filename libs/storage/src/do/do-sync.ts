import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { Logger } from 'pino';
import { BlobNotFoundError, type BlobDriver } from '../r2/blob-driver.js';
import { DoSyncError } from './do-errors.js';
import { assertValidSnapshot, compactSnapshot, fingerprint, snapshotDatabase } from './do-snapshot.js';
import type { DoLease } from './do-lease.js';
import type { DoStoredVersion, DoVersionIndex } from './do-version-index.js';

/** `strict`: a request is answered only after its writes are in the store. `relaxed`: writes are batched every `windowMs`. */
export type DoSyncMode = 'strict' | 'relaxed';

export interface DoSyncOptions {
  appId: string;
  /** Miniflare's `durableObjectsPersist` directory of this app: `<dir>/<uniqueKey>/<objectId>.sqlite`. */
  persistDir: string;
  blobs: BlobDriver;
  index: DoVersionIndex;
  logger: Logger;
  mode: DoSyncMode;
  /** Single-owner lease; without it nothing stops two runtimes from running the same objects. */
  lease?: DoLease;
  /** Relaxed batching window, and the sweep period for writes outside HTTP requests (alarms, WebSocket messages). */
  windowMs: number;
  /**
   * Hard limit on one object's snapshot. A larger one is not uploaded (DO_OBJECT_TOO_LARGE): the
   * store keeps the last version under the limit. Unset: no limit.
   */
  maxObjectBytes?: number;
}

/** Same thresholds as the persistence model we follow: info at 512 KB, warning at 1 MB per object. */
export const DO_SIZE_INFO_BYTES = 512 * 1024;
export const DO_SIZE_WARN_BYTES = 1024 * 1024;

interface LocalEntry {
  version: number;
  /** Fingerprint of the files when `version` was uploaded or restored; anything else is unsynced. */
  fingerprint: string;
}

const STATE_FILE = '.kiln-do-state.json';
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * Keeps every Durable Object database of one app in the object store. The tracker is the files
 * themselves: after a request (or each sweep), any object whose `.sqlite`/`-wal` size or mtime moved
 * since its last upload wrote, and gets one snapshot upload for all of those writes. Flushes run one
 * at a time; a request arriving during a flush waits for the next one, which covers its writes.
 */
export class DurableObjectSync {
  private local: Record<string, LocalEntry> = {};
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private sweep: NodeJS.Timeout | undefined;
  /** Fingerprint of each object refused as too large (see `upload`). */
  private readonly tooLarge = new Map<string, string>();
  /** Upload count and the duration of each flush that uploaded, for tests and benchmarks. */
  readonly stats = { uploads: 0, flushMs: [] as number[] };

  constructor(private readonly options: DoSyncOptions) {}

  get mode(): DoSyncMode {
    return this.options.mode;
  }

  /**
   * Brings the local directory up to the store before workerd opens it: every object whose stored
   * version is newer than the local one is downloaded and checked. Fails (and changes nothing for
   * that object) when the store is unreachable or a snapshot is corrupt: serving an empty or stale
   * object would silently reset it.
   */
  async restore(): Promise<{ restored: string[] }> {
    const { persistDir, index, appId, logger } = this.options;
    await mkdir(persistDir, { recursive: true });
    // Wait for the lease before reading anything: the previous holder may still be uploading.
    await this.options.lease?.acquire();
    this.local = await this.readState();
    let stored: Map<string, DoStoredVersion>;
    try {
      stored = await index.list(appId);
    } catch (err) {
      throw new DoSyncError('DO_STORE_UNREACHABLE', `version index of app ${appId}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const restored: string[] = [];
    for (const [key, entry] of stored) {
      const segments = key.split('/');
      if (segments.length !== 2 || !segments.every((s) => SEGMENT.test(s))) {
        logger.warn({ object: key }, 'durable object: ignoring an index entry with an unsafe key');
        continue;
      }
      const path = join(persistDir, segments[0]!, `${segments[1]!}.sqlite`);
      const local = this.local[key];
      const exists = await stat(path).then(
        () => true,
        () => false,
      );
      if (exists && local && local.version >= entry.version) continue;
      if (exists && local && (await fingerprint(path)) !== local.fingerprint) {
        logger.warn(
          { object: key, localVersion: local.version, storedVersion: entry.version },
          'durable object conflict: unsynced local writes replaced by the newer stored version (last writer wins)',
        );
      }
      const bytes = await this.download(key, entry);
      await assertValidSnapshot(bytes, `durable object ${key} version ${entry.version}`);
      await mkdir(join(persistDir, segments[0]!), { recursive: true });
      await writeFile(`${path}.restore`, bytes);
      await rm(`${path}-wal`, { force: true });
      await rm(`${path}-shm`, { force: true });
      await rename(`${path}.restore`, path);
      this.local[key] = { version: entry.version, fingerprint: await fingerprint(path) };
      restored.push(key);
    }
    await this.writeState();
    if (restored.length > 0) logger.info({ objects: restored }, 'durable objects restored from the store');
    return { restored };
  }

  /** Starts the sweep that saves writes made outside HTTP requests (alarms, WebSocket messages). */
  start(): void {
    this.sweep = setInterval(() => {
      this.flush().catch((err: unknown) => this.options.logger.error({ err }, 'durable object sync failed'));
    }, this.options.windowMs);
    this.sweep.unref();
  }

  /** Called once the app has answered a request: strict waits for the upload, relaxed leaves it to the sweep. */
  afterRequest(): Promise<void> {
    return this.options.mode === 'strict' ? this.flush() : Promise.resolve();
  }

  /** Uploads every object that wrote since its last upload. Resolves once writes made before the call are stored. */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) {
      this.running = this.runOnce().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.flush();
      });
    return this.queued;
  }

  /** Stops the sweep and saves what is left (call after workerd has stopped, so nothing writes any more). */
  async stop(): Promise<void> {
    clearInterval(this.sweep);
    try {
      await this.flush();
    } finally {
      await this.options.lease?.release();
    }
  }

  /** Local version of each object (`<uniqueKey>/<objectId>`), as last uploaded or restored. */
  versions(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.local).map(([k, v]) => [k, v.version]));
  }

  private async runOnce(): Promise<void> {
    const started = performance.now();
    const dirty: Array<{ key: string; path: string }> = [];
    for (const file of await this.scan()) {
      if (this.local[file.key]?.fingerprint !== (await fingerprint(file.path))) dirty.push(file);
    }
    if (dirty.length === 0) return;
    const results = await Promise.allSettled(dirty.map((f) => this.upload(f.key, f.path)));
    await this.writeState();
    this.stats.flushMs.push(performance.now() - started);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const reason: unknown = failed.reason;
      throw reason instanceof DoSyncError
        ? reason
        : new DoSyncError('DO_UPLOAD_FAILED', `durable object upload failed: ${(reason as Error).message}`, {
            cause: reason,
          });
    }
  }

  private async upload(key: string, path: string): Promise<void> {
    const { appId, blobs, index, logger, maxObjectBytes } = this.options;
    // Refused before and not written since: the flush that found it too large reported it (a strict
    // request got its 507); a later request did not touch it and must not fail for it.
    const refused = this.tooLarge.get(key);
    if (refused !== undefined && refused === (await fingerprint(path))) return;
    const snapshot = await snapshotDatabase(path);
    const fp = snapshot.fingerprint;
    let bytes = snapshot.bytes;
    if (maxObjectBytes !== undefined && bytes.length > maxObjectBytes) bytes = await compactSnapshot(bytes);
    if (maxObjectBytes !== undefined && bytes.length > maxObjectBytes) {
      this.tooLarge.set(key, fp);
      const kept = this.local[key]?.version ?? 0;
      logger.error(
        { object: key, bytes: bytes.length, maxObjectBytes, keptVersion: kept },
        'durable object over the size limit; not saved',
      );
      throw new DoSyncError(
        'DO_OBJECT_TOO_LARGE',
        `durable object ${key} is ${bytes.length} bytes, over the limit of ${maxObjectBytes} bytes; not saved, the store keeps version ${kept}`,
      );
    }
    this.tooLarge.delete(key);
    if (bytes.length >= DO_SIZE_WARN_BYTES)
      logger.warn({ object: key, bytes: bytes.length }, 'durable object state is over 1 MB');
    else if (bytes.length >= DO_SIZE_INFO_BYTES)
      logger.info({ object: key, bytes: bytes.length }, 'durable object state is over 512 KB');
    const base = this.local[key]?.version ?? 0;
    const blob = `do/${appId}/${key}/${randomBytes(8).toString('hex')}`;
    await blobs.put(blob, Readable.from([bytes]), bytes.length);
    const result = await index.commit(appId, key, base, blob, bytes.length, this.options.lease?.token ?? 0);
    if (result.fenced) {
      await blobs.delete([blob]).catch(() => undefined);
      throw new DoSyncError(
        'DO_FENCED',
        `durable object ${key}: upload refused, fencing token ${this.options.lease?.token ?? 0} is older than ${result.newestToken}`,
      );
    }
    if (result.previous !== base) {
      logger.warn(
        { object: key, baseVersion: base, storedVersion: result.previous, newVersion: result.version },
        'durable object conflict: two uploads from the same base version; last writer wins',
      );
    }
    this.local[key] = { version: result.version, fingerprint: fp };
    this.stats.uploads++;
    if (result.replacedBlob) {
      await blobs.delete([result.replacedBlob]).catch((err: unknown) => {
        logger.warn({ err, blob: result.replacedBlob }, 'could not delete a replaced durable object snapshot');
      });
    }
  }

  private async download(key: string, entry: DoStoredVersion): Promise<Buffer> {
    try {
      return await buffer(await this.options.blobs.get(entry.blob));
    } catch (err) {
      if (err instanceof BlobNotFoundError) {
        // A concurrent upload replaced (and deleted) this snapshot since we listed: read the pointer again.
        const again = await this.options.index.get(this.options.appId, key);
        if (again && again.blob !== entry.blob) return this.download(key, again);
        throw new DoSyncError('DO_SNAPSHOT_CORRUPT', `durable object ${key}: snapshot ${entry.blob} is missing`, {
          cause: err,
        });
      }
      throw new DoSyncError('DO_STORE_UNREACHABLE', `durable object ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async scan(): Promise<Array<{ key: string; path: string }>> {
    const { persistDir } = this.options;
    const out: Array<{ key: string; path: string }> = [];
    const dirs = await readdir(persistDir, { withFileTypes: true }).catch(() => []);
    for (const dir of dirs) {
      if (!dir.isDirectory() || !SEGMENT.test(dir.name)) continue;
      for (const file of await readdir(join(persistDir, dir.name))) {
        const match = /^([A-Za-z0-9_-]+)\.sqlite$/.exec(file);
        if (match) out.push({ key: `${dir.name}/${match[1]!}`, path: join(persistDir, dir.name, file) });
      }
    }
    return out;
  }

  private async readState(): Promise<Record<string, LocalEntry>> {
    try {
      return JSON.parse(await readFile(join(this.options.persistDir, STATE_FILE), 'utf8')) as Record<
        string,
        LocalEntry
      >;
    } catch {
      return {};
    }
  }

  private async writeState(): Promise<void> {
    const path = join(this.options.persistDir, STATE_FILE);
    await writeFile(`${path}.tmp`, JSON.stringify(this.local));
    await rename(`${path}.tmp`, path);
  }
}
