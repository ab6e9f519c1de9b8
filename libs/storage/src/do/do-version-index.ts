import { Redis } from 'ioredis';
import { DoLease, type DoLeaseOptions, fenceKey } from './do-lease.js';

/** What the store holds for one object: its newest snapshot and that snapshot's version. */
export interface DoStoredVersion {
  version: number;
  /** Blob key of the snapshot (a fresh key per upload, so a pointer never names a half-written blob). */
  blob: string;
  size: number;
  updatedAt: number;
}

export type DoCommitOutcome = DoCommitResult | { fenced: true; newestToken: number };

export interface DoCommitResult {
  fenced?: false;
  version: number;
  /** The version the store held before this commit (0 when the object was new). */
  previous: number;
  /** Blob the commit replaced, to delete once the new pointer is in place. */
  replacedBlob: string | undefined;
}

// Last writer wins, but the new version is always above both the writer's base and whatever the
// store held, so versions only grow and every runtime sees the newest upload as "newer".
// A commit carrying a fencing token older than the newest one issued (KEYS[2]) comes from a
// runtime that lost its lease: it is refused with {-1, newest}.
const COMMIT = `
local fence = tonumber(ARGV[6])
if fence > 0 then
  local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
  if newest > fence then return {-1, newest, false} end
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local prev = 0
local blob = false
if cur then
  local d = cjson.decode(cur)
  prev = tonumber(d.version)
  blob = d.blob
end
local base = tonumber(ARGV[2])
local nextv = math.max(prev, base) + 1
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({version = nextv, blob = ARGV[3], size = tonumber(ARGV[4]), updatedAt = tonumber(ARGV[5])}))
return {nextv, prev, blob}
`;

/**
 * The version index of an app's Durable Object snapshots, in Redis (one hash per app, field
 * `<uniqueKey>/<objectId>`). Why Redis rather than object metadata or a manifest blob: the blob
 * driver has neither metadata nor conditional puts nor listing, and the commit must compare the
 * stored version with the writer's base and bump it atomically across runtimes (a read-modify-write
 * of a manifest object would lose a concurrent runtime's entry). Redis also lists an app's objects
 * for restore and admin in one call.
 */
export class DoVersionIndex {
  constructor(private readonly redis: Redis) {}

  /**
   * An index on its own connection, for the runtime. A command fails after one reconnect attempt
   * instead of ioredis's default twenty: a strict request must get its 503, not hang.
   */
  static connect(
    url: string,
    onError: (err: Error) => void,
  ): {
    index: DoVersionIndex;
    lease: (options: DoLeaseOptions) => DoLease;
    close: () => void;
  } {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', onError);
    return {
      index: new DoVersionIndex(redis),
      lease: (options) => new DoLease(redis, options, onError),
      close: () => redis.disconnect(),
    };
  }

  private key(appId: string): string {
    return `kiln:do:${appId}`;
  }

  async list(appId: string): Promise<Map<string, DoStoredVersion>> {
    const raw = await this.redis.hgetall(this.key(appId));
    return new Map(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as DoStoredVersion]));
  }

  async get(appId: string, objectKey: string): Promise<DoStoredVersion | undefined> {
    const raw = await this.redis.hget(this.key(appId), objectKey);
    return raw === null ? undefined : (JSON.parse(raw) as DoStoredVersion);
  }

  /** Points the object at `blob` with the next version; `fence` 0 means no lease is in use. */
  async commit(
    appId: string,
    objectKey: string,
    base: number,
    blob: string,
    size: number,
    fence = 0,
  ): Promise<DoCommitOutcome> {
    const [version, previous, replaced] = (await this.redis.eval(
      COMMIT,
      2,
      this.key(appId),
      fenceKey(appId),
      objectKey,
      String(base),
      blob,
      String(size),
      String(Date.now()),
      String(fence),
    )) as [number, number, string | null];
    if (version === -1) return { fenced: true, newestToken: previous };
    return { version, previous, replacedBlob: typeof replaced === 'string' ? replaced : undefined };
  }

  async delete(appId: string, objectKey: string): Promise<void> {
    await this.redis.hdel(this.key(appId), objectKey);
  }
}
