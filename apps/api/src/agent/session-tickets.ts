import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** How long a ticket may wait to be used. */
export const TICKET_TTL_SECONDS = 60;

/**
 * Single-use tickets for a session's WebSocket: the socket's URL cannot carry an Authorization
 * header, so a client asks for a ticket over HTTP and presents it once, within a minute. Kept in
 * Redis, so any API process can redeem a ticket another one issued.
 */
export class SessionTickets {
  constructor(private readonly redis: Redis) {}

  async issue(sessionId: string): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    await this.redis.set(key(ticket), sessionId, 'EX', TICKET_TTL_SECONDS);
    return ticket;
  }

  /** The session the ticket was issued for, or null (unknown, expired or used); either way it is spent. */
  async redeem(ticket: string): Promise<string | null> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(ticket)) return null;
    return this.redis.getdel(key(ticket));
  }
}

function key(ticket: string): string {
  return `kiln:agent-ticket:${ticket}`;
}
