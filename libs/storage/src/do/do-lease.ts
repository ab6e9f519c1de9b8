import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { DoSyncError } from './do-errors.js';

/** Key of an app's fencing counter; the version index refuses commits carrying a lower token. */
export function fenceKey(appId: string): string {
  return `kiln:do:${appId}:fence`;
}

// Take the lease only if nobody holds it, and hand out the next fencing token with it, atomically:
// a token is never issued while another holder's lease is alive.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
  return token
end
return 0
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

export interface DoLeaseOptions {
  appId: string;
  /** Who holds it (e.g. host:pid:random), for operators reading Redis. */
  holder: string;
  /** How long a dead holder blocks the next one. Renewed every third of it. */
  ttlMs: number;
  /** How long `acquire` waits for the current holder to release or expire. */
  waitMs: number;
}

/**
 * The single-owner lease of an app's Durable Objects: exactly one runtime runs them at a time
 * (the unit is the app, because one workerd runs all of an app's objects and Kiln cannot see
 * when it activates one). A second runtime waits in `acquire` until the lease is released or its
 * holder stops renewing it; it then gets a higher fencing token, and the version index refuses
 * uploads that carry an older one, so a paused or partitioned former holder cannot overwrite.
 */
export class DoLease {
  private renewTimer: NodeJS.Timeout | undefined;
  private value: string | undefined;
  /** The fencing token of the lease we hold (0 before `acquire`). */
  token = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: DoLeaseOptions,
    private readonly onLost: (err: Error) => void = () => undefined,
  ) {}

  private get key(): string {
    return `kiln:do:${this.options.appId}:lease`;
  }

  async acquire(): Promise<number> {
    const { holder, ttlMs, waitMs, appId } = this.options;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const token = Number(await this.redis.eval(ACQUIRE, 2, this.key, fenceKey(appId), holder, String(ttlMs)));
      if (token > 0) {
        this.token = token;
        this.value = `${holder}:${token}`;
        this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(ttlMs / 3)));
        this.renewTimer.unref();
        return token;
      }
      if (Date.now() >= deadline) {
        const current = await this.redis.get(this.key);
        throw new DoSyncError(
          'DO_FENCED',
          `app ${appId}: durable objects are held by ${current ?? '?'}; waited ${waitMs} ms`,
        );
      }
      await sleep(Math.min(200, ttlMs / 4));
    }
  }

  private async renew(): Promise<void> {
    try {
      const ok = Number(await this.redis.eval(RENEW, 1, this.key, this.value ?? '', String(this.options.ttlMs)));
      if (ok !== 1) {
        clearInterval(this.renewTimer);
        this.onLost(new DoSyncError('DO_FENCED', `app ${this.options.appId}: lease ${this.value ?? ''} was lost`));
      }
    } catch (err) {
      // Redis unreachable: keep trying; if it stays away past the TTL another runtime may take
      // over, and the fencing token then refuses our uploads.
      this.onLost(err as Error);
    }
  }

  /** Stops renewing and frees the lease at once (a clean stop should not make the next runtime wait). */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    if (this.value) await this.redis.eval(RELEASE, 1, this.key, this.value);
    this.value = undefined;
  }

  /** Stops renewing without releasing: for tests that play a holder that froze. */
  abandon(): void {
    clearInterval(this.renewTimer);
  }
}
