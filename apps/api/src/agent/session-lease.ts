import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Deletes or extends the key only while it still holds this owner's token. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Which API process owns an agent session: a Redis key per session holding the owner's token,
 * set only when absent and kept alive by renewal. A process that dies stops renewing, so its
 * sessions can be taken over once the lease expires; one that loses its lease (Redis lost the
 * key, a pause longer than the TTL) is told, and must stop running the session. The checkpoint
 * store's compare-and-set is the second line: a stale owner's save fails.
 */
export class SessionLeases {
  /** This process's token: distinct per process (and per service instance in tests). */
  readonly owner = randomBytes(12).toString('hex');
  private readonly held = new Map<string, { timer: NodeJS.Timeout; lost: () => void }>();

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {}

  /** Takes the session's lease; false when another process holds it. `lost` runs if it is lost. */
  async acquire(sessionId: string, lost: () => void): Promise<boolean> {
    if (this.held.has(sessionId)) return true;
    const set = await this.redis.set(key(sessionId), this.owner, 'PX', this.ttlMs, 'NX');
    if (set !== 'OK') return false;
    const timer = setInterval(() => void this.renew(sessionId), Math.max(100, Math.floor(this.ttlMs / 3)));
    timer.unref();
    this.held.set(sessionId, { timer, lost });
    return true;
  }

  /** Who holds the session's lease, if anyone (for error messages). */
  async holder(sessionId: string): Promise<string | null> {
    return this.redis.get(key(sessionId));
  }

  async release(sessionId: string): Promise<void> {
    const lease = this.held.get(sessionId);
    if (!lease) return;
    clearInterval(lease.timer);
    this.held.delete(sessionId);
    await this.redis.eval(RELEASE, 1, key(sessionId), this.owner);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((id) => this.release(id).catch(() => undefined)));
  }

  private async renew(sessionId: string): Promise<void> {
    const lease = this.held.get(sessionId);
    if (!lease) return;
    let renewed: unknown;
    try {
      renewed = await this.redis.eval(RENEW, 1, key(sessionId), this.owner, String(this.ttlMs));
    } catch {
      // Redis unreachable: keep trying while the TTL lasts; the store's compare-and-set guards.
      return;
    }
    if (renewed === 1 || !this.held.has(sessionId)) return;
    clearInterval(lease.timer);
    this.held.delete(sessionId);
    lease.lost();
  }
}

function key(sessionId: string): string {
  return `kiln:agent-session:${sessionId}:owner`;
}
