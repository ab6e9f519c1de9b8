import type { Redis } from 'ioredis';
import { KvStoreError } from './kv-errors.js';
import { keyBytes, type KvNamespaceKeys } from './kv-keys.js';
import type { KvListEntry, LexRange } from './kv-list.js';
import { deleteIfExpiredScript, deleteScript, listPageScript, putScript } from './kv-scripts.js';

/** A live value with what a get returns alongside it. */
export interface KvStoredValue {
  value: Buffer;
  expiration: number | undefined;
  metadata: string | undefined;
}

export interface KvPutRecord {
  value: Buffer;
  expiration: number | undefined;
  metadata: string | undefined;
}

const NO_EXPIRATION = '0';
const WIPE_BATCH = 500;

function isExpired(expiration: number | undefined, nowMs: number): boolean {
  return expiration !== undefined && expiration * 1000 <= nowMs;
}

/** The scripts compare whole seconds: expiration * 1000 <= nowMs is expiration <= floor(nowMs / 1000). */
function nowSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

/** KEYS of a script touching `key`: index, expiries, record. */
function scriptKeys(ns: KvNamespaceKeys, key: Buffer): Buffer[] {
  return [ns.index, ns.expiries, ns.record(key)];
}

function parseExpiration(raw: Buffer | string | null | undefined): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  const seconds = Number(raw.toString());
  return seconds === 0 || Number.isNaN(seconds) ? undefined : seconds;
}

/** Redis access for KV namespaces: the only file that knows the record fields. */
export class KvStore {
  constructor(
    private readonly redis: Redis,
    /** Whether Redis may expire records itself; only safe when expiry is judged on the real clock. */
    private readonly redisExpiry: boolean,
  ) {}

  /** One HMGET; an extra round trip only in the rare case the record has just expired. */
  async get(ns: KvNamespaceKeys, key: string, nowMs: number): Promise<KvStoredValue | null> {
    const [value, e, m] = await this.redis.hmgetBuffer(ns.record(key), 'v', 'e', 'm');
    return this.live(ns, key, value, e, m, nowMs);
  }

  /** Bulk get: one pipelined round trip for all keys. */
  async getMany(ns: KvNamespaceKeys, keys: string[], nowMs: number): Promise<(KvStoredValue | null)[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hmgetBuffer(ns.record(key), 'v', 'e', 'm');
    const replies = (await pipeline.exec()) ?? [];
    return Promise.all(
      keys.map((key, i) => {
        const [error, reply] = replies[i] ?? [new KvStoreError('a pipeline reply is missing'), null];
        if (error) throw error;
        const [value, e, m] = reply as (Buffer | null)[];
        return this.live(ns, key, value, e, m, nowMs);
      }),
    );
  }

  private async live(
    ns: KvNamespaceKeys,
    key: string,
    value: Buffer | null | undefined,
    e: Buffer | null | undefined,
    m: Buffer | null | undefined,
    nowMs: number,
  ): Promise<KvStoredValue | null> {
    if (value === null || value === undefined) return null;
    const expiration = parseExpiration(e);
    if (isExpired(expiration, nowMs)) {
      // Redis may not have expired it yet (or is not asked to, under a test clock): drop it now,
      // as Miniflare does on read, so it also leaves the list index.
      const bytes = keyBytes(key);
      await deleteIfExpiredScript.run(this.redis, scriptKeys(ns, bytes), [ns.recordPrefix, bytes, nowSeconds(nowMs)]);
      return null;
    }
    return { value, expiration, metadata: m ? m.toString('utf8') : undefined };
  }

  /** Value, expiration, metadata and index entry change together or not at all (one Lua call). */
  async put(ns: KvNamespaceKeys, key: string, record: KvPutRecord, nowMs: number): Promise<void> {
    const bytes = keyBytes(key);
    const { expiration, metadata } = record;
    const redisExpiryAt = this.redisExpiry && expiration !== undefined ? expiration * 1000 : 0;
    await putScript.run(this.redis, scriptKeys(ns, bytes), [
      ns.recordPrefix,
      bytes,
      record.value,
      String(expiration ?? NO_EXPIRATION),
      metadata === undefined ? '0' : '1',
      metadata ?? '',
      redisExpiryAt,
      nowSeconds(nowMs),
    ]);
  }

  async delete(ns: KvNamespaceKeys, key: string): Promise<void> {
    const bytes = keyBytes(key);
    await deleteScript.run(this.redis, scriptKeys(ns, bytes), [ns.recordPrefix, bytes]);
  }

  /** Up to `wanted` live keys in `range`, in byte order, in one round trip. */
  async listPage(ns: KvNamespaceKeys, range: LexRange, wanted: number, nowMs: number): Promise<KvListEntry[]> {
    const reply = await listPageScript.run(
      this.redis,
      [ns.index, ns.expiries],
      [ns.recordPrefix, range.min, range.max, wanted, nowSeconds(nowMs)],
    );
    if (!Array.isArray(reply)) throw new KvStoreError('the list script returned a non-array reply');
    const entries: KvListEntry[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const [key, e, m] = reply.slice(i, i + 3) as (Buffer | null)[];
      if (!key) break;
      entries.push({ key, expiration: parseExpiration(e), metadata: m ? m.toString('utf8') : undefined });
    }
    return entries;
  }

  /** Values of already-listed keys (export); a key deleted in between comes back null. */
  async values(ns: KvNamespaceKeys, keys: Buffer[]): Promise<(Buffer | null)[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetBuffer(ns.record(key), 'v');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      return Buffer.isBuffer(value) ? value : null;
    });
  }

  /** Deletes every record the index knows, then the index. Every record has an index entry. */
  async wipe(ns: KvNamespaceKeys): Promise<void> {
    for (;;) {
      const members = await this.redis.zrangeBuffer(ns.index, 0, WIPE_BATCH - 1);
      if (members.length === 0) break;
      await execOrThrow(
        this.redis
          .multi()
          .unlink(...members.map((member) => ns.record(member)))
          .zrem(ns.index, ...members)
          .exec(),
      );
    }
    await this.redis.unlink(ns.index, ns.expiries);
  }
}

async function execOrThrow(result: Promise<[error: Error | null, result: unknown][] | null>): Promise<void> {
  const replies = await result;
  if (replies === null) throw new KvStoreError('a Redis transaction was aborted');
  for (const [error] of replies) if (error) throw error;
}
