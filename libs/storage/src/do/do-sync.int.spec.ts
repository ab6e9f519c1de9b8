import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DatabaseSync } from 'node:sqlite';
import { requireEnv } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { FsBlobDriver } from '../r2/fs-blob-driver.js';
import { DoAdmin } from './do-admin.js';
import { DoSyncError } from './do-errors.js';
import { DoLease } from './do-lease.js';
import { DurableObjectSync, type DoSyncMode } from './do-sync.js';
import { DoVersionIndex } from './do-version-index.js';

const OBJECT = 'app-Counter/' + 'ab'.repeat(32);

/** Log lines of one sync, to check its warnings. */
function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** Writes to an object database the way workerd leaves it: WAL mode, data in the WAL. */
function write(persistDir: string, value: string, bytes = 0): void {
  const db = new DatabaseSync(join(persistDir, `${OBJECT}.sqlite`));
  db.exec('PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t (v TEXT, pad BLOB)');
  db.prepare('INSERT INTO t (v, pad) VALUES (?, ?)').run(value, Buffer.alloc(bytes));
  db.close();
}

function read(persistDir: string): string[] {
  const db = new DatabaseSync(join(persistDir, `${OBJECT}.sqlite`), { readOnly: true });
  try {
    return db
      .prepare('SELECT v FROM t')
      .all()
      .map((r) => String(r['v']));
  } finally {
    db.close();
  }
}

describe('DurableObjectSync against real Redis and fs blobs', () => {
  let dir: string;
  let redis: Redis;
  let index: DoVersionIndex;
  let blobs: FsBlobDriver;
  const appId = `do-unit-${randomBytes(4).toString('hex')}`;

  const newSync = async (mode: DoSyncMode = 'strict', logger = pino({ level: 'silent' }), idx = index) => {
    const persistDir = await mkdtemp(join(dir, 'p-'));
    await mkdir(join(persistDir, 'app-Counter'));
    return {
      persistDir,
      sync: new DurableObjectSync({ appId, persistDir, blobs, index: idx, logger, mode, windowMs: 50 }),
    };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-do-unit-'));
    redis = new Redis(requireEnv('REDIS_URL'));
    index = new DoVersionIndex(redis);
    blobs = new FsBlobDriver(join(dir, 'blobs'));
  });

  after(async () => {
    await redis.del(`kiln:do:${appId}`);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes before one flush become one upload and one version; a fresh directory restores them', async () => {
    const a = await newSync();
    await a.sync.restore();
    write(a.persistDir, 'one');
    write(a.persistDir, 'two');
    await a.sync.flush();
    await a.sync.flush();
    assert.equal(a.sync.stats.uploads, 1, 'two writes before one flush are one upload; no change, no upload');
    const stored = await index.get(appId, OBJECT);
    assert.equal(stored?.version, 1);
    const b = await newSync();
    assert.deepEqual((await b.sync.restore()).restored, [OBJECT]);
    assert.deepEqual(read(b.persistDir), ['one', 'two']);
  });

  it('two uploads from the same base version: last writer wins, logged with both versions', async () => {
    const { logger, lines } = capture();
    const a = await newSync('strict');
    const b = await newSync('strict', logger);
    await a.sync.restore();
    await b.sync.restore();
    write(a.persistDir, 'from a');
    write(b.persistDir, 'from b');
    await a.sync.flush();
    await b.sync.flush();
    const conflict = lines.find((l) => String(l['msg']).includes('conflict'));
    assert.ok(conflict, JSON.stringify(lines));
    assert.equal(conflict['baseVersion'], 1);
    assert.equal(conflict['storedVersion'], 2);
    assert.equal(conflict['newVersion'], 3);
    const c = await newSync();
    await c.sync.restore();
    assert.deepEqual(read(c.persistDir), ['one', 'two', 'from b']);
  });

  it('a corrupt snapshot in the store is refused; the local copy is kept', async () => {
    const a = await newSync();
    await a.sync.restore();
    const before = await readFile(join(a.persistDir, `${OBJECT}.sqlite`));
    const blob = `do/${appId}/corrupt`;
    const junk = Buffer.from('SQLite format 3\0' + 'x'.repeat(4000));
    await blobs.put(blob, Readable.from([junk]), junk.length);
    const committed = await index.commit(appId, OBJECT, 0, blob, junk.length);
    assert.ok(!committed.fenced);
    const { version } = committed;
    // The same directory activated again (a restarted runtime) finds a newer but corrupt version.
    const again = new DurableObjectSync({
      appId,
      persistDir: a.persistDir,
      blobs,
      index,
      logger: pino({ level: 'silent' }),
      mode: 'strict',
      windowMs: 50,
    });
    await assert.rejects(
      again.restore(),
      (err: unknown) => err instanceof DoSyncError && err.code === 'DO_SNAPSHOT_CORRUPT',
    );
    assert.deepEqual(await readFile(join(a.persistDir, `${OBJECT}.sqlite`)), before, 'the local copy is untouched');
    // Back to a good snapshot so later tests are not poisoned.
    write(a.persistDir, 'after corrupt');
    await assert.doesNotReject(a.sync.flush());
    assert.ok(((await index.get(appId, OBJECT))?.version ?? 0) > version);
  });

  it('an unreachable store at activation is an error, not an empty object', async () => {
    const dead = new Redis('redis://127.0.0.1:1/0', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const a = await newSync('strict', pino({ level: 'silent' }), new DoVersionIndex(dead));
    await assert.rejects(
      a.sync.restore(),
      (err: unknown) => err instanceof DoSyncError && err.code === 'DO_STORE_UNREACHABLE',
    );
    dead.disconnect();
  });

  it('logs info over 512 KB and a warning over 1 MB', async () => {
    const { logger, lines } = capture();
    const a = await newSync('strict', logger);
    await a.sync.restore();
    write(a.persistDir, 'big', 600 * 1024);
    await a.sync.flush();
    assert.ok(
      lines.some((l) => l['level'] === 30 && String(l['msg']).includes('over 512 KB')),
      JSON.stringify(lines),
    );
    write(a.persistDir, 'bigger', 600 * 1024);
    await a.sync.flush();
    assert.ok(lines.some((l) => l['level'] === 40 && String(l['msg']).includes('over 1 MB')));
  });

  it('hard size limit: a snapshot over it is refused, the store keeps the last good version', async () => {
    const limited = async () => {
      const persistDir = await mkdtemp(join(dir, 'p-'));
      await mkdir(join(persistDir, 'app-Counter'));
      const sync = new DurableObjectSync({
        appId: `${appId}-limit`,
        persistDir,
        blobs,
        index,
        logger: pino({ level: 'silent' }),
        mode: 'strict',
        windowMs: 50,
        maxObjectBytes: 64 * 1024,
      });
      await sync.restore();
      return { persistDir, sync };
    };
    const a = await limited();
    write(a.persistDir, 'small');
    await a.sync.flush();
    const good = await index.get(`${appId}-limit`, OBJECT);
    assert.equal(good?.version, 1);
    write(a.persistDir, 'huge', 200 * 1024);
    await assert.rejects(
      a.sync.flush(),
      (err: unknown) =>
        err instanceof DoSyncError &&
        err.code === 'DO_OBJECT_TOO_LARGE' &&
        /over the limit of 65536 bytes; not saved, the store keeps version 1/.test(err.message),
    );
    assert.deepEqual(await index.get(`${appId}-limit`, OBJECT), good, 'the index still points at the good version');
    assert.equal(await blobs.exists(good?.blob ?? ''), true);
    // Not written since it was refused: a later flush (another request's) does not fail for it.
    await a.sync.flush();
    const b = await limited();
    assert.deepEqual(read(b.persistDir), ['small']);
    // Deleting the data brings it back under the limit (the file itself does not shrink; the snapshot is compacted).
    const db = new DatabaseSync(join(a.persistDir, `${OBJECT}.sqlite`));
    db.exec("DELETE FROM t WHERE v = 'huge'");
    db.close();
    await a.sync.flush();
    assert.equal((await index.get(`${appId}-limit`, OBJECT))?.version, 2);
    await redis.del(`kiln:do:${appId}-limit`);
  });

  it('lease: a second runtime waits; a frozen holder is taken over with a higher token and its upload is refused', async () => {
    const leaseApp = `${appId}-lease`;
    const lease = (holder: string, waitMs: number) =>
      new DoLease(redis, { appId: leaseApp, holder, ttlMs: 400, waitMs });
    const a = lease('a', 1000);
    const tokenA = await a.acquire();
    // While a renews, b gives up after waiting.
    await assert.rejects(
      lease('b', 700).acquire(),
      (err: unknown) => err instanceof DoSyncError && err.code === 'DO_FENCED',
    );
    // a freezes (no renewals, as a SIGKILLed or paused process): b gets the lease after expiry.
    a.abandon();
    const b = lease('b', 5000);
    const tokenB = await b.acquire();
    assert.ok(tokenB > tokenA, `token ${tokenB} > ${tokenA}`);
    // a wakes up and tries to upload with its old token.
    const persistDir = await mkdtemp(join(dir, 'p-'));
    await mkdir(join(persistDir, 'app-Counter'));
    write(persistDir, 'stale');
    // a's sync still carries a's lease (token tokenA).
    const staleSync = new DurableObjectSync({
      appId: leaseApp,
      persistDir,
      blobs,
      index,
      logger: pino({ level: 'silent' }),
      mode: 'strict',
      windowMs: 50,
      lease: a,
    });
    await assert.rejects(staleSync.flush(), (err: unknown) => err instanceof DoSyncError && err.code === 'DO_FENCED');
    assert.equal(await index.get(leaseApp, OBJECT), undefined, 'nothing was committed');
    await b.release();
    await redis.del(`kiln:do:${leaseApp}:fence`, `kiln:do:${leaseApp}`);
  });

  it('admin lists objects with size and version, and deletes one', async () => {
    const admin = new DoAdmin(index, blobs);
    const [object] = (await admin.list(appId)).filter((o) => `${o.namespace}/${o.objectId}` === OBJECT);
    assert.ok(object);
    assert.equal(object.namespace, 'app-Counter');
    assert.ok(object.version > 0 && object.size > 0);
    const blob = (await index.get(appId, OBJECT))?.blob ?? '';
    assert.equal(await admin.delete(appId, object.namespace, object.objectId), true);
    assert.equal(await index.get(appId, OBJECT), undefined);
    assert.equal(await blobs.exists(blob), false);
    assert.equal(await admin.delete(appId, object.namespace, object.objectId), false);
  });
});
