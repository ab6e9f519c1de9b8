import type { TAgentServerMessage } from '@kiln/contracts';
import type { Redis } from 'ioredis';

/** Events kept per session (Redis trims the oldest beyond this, approximately). */
const MAX_EVENTS = 20_000;
/** A session's log outlives its last event by this long. */
const TTL_SECONDS = 30 * 24 * 3600;

export interface LoggedEvent {
  /** The Redis stream id: `<ms>-<seq>`, increasing. */
  id: string;
  event: TAgentServerMessage;
}

/**
 * A session's events in a Redis stream, so that any API process — the one that takes a session
 * over after a restart included — replays the session from its first event. File chunks are not
 * kept (each `file_generated` carries the whole file): they only reach followers live.
 */
export class SessionEventLog {
  constructor(private readonly redis: Redis) {}

  async append(sessionId: string, event: TAgentServerMessage): Promise<string> {
    const key = keyOf(sessionId);
    const results = await this.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', String(MAX_EVENTS), '*', 'e', JSON.stringify(event))
      .expire(key, TTL_SECONDS)
      .exec();
    const [error, id] = results?.[0] ?? [new Error('no reply from Redis'), null];
    if (error) throw error;
    return String(id);
  }

  /** Every kept event, oldest first. */
  async all(sessionId: string): Promise<LoggedEvent[]> {
    const entries = await this.redis.xrange(keyOf(sessionId), '-', '+');
    return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[1] ?? 'null') as TAgentServerMessage }));
  }
}

/** Whether stream id `a` comes after `b`. */
export function isAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am > bm : as > bs;
}

function keyOf(sessionId: string): string {
  return `kiln:agent-session:${sessionId}:events`;
}
