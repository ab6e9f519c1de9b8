import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requireEnv } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import { SessionTickets, TICKET_TTL_SECONDS } from './session-tickets.js';

describe('session WebSocket tickets in Redis', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  after(async () => {
    await redis.quit();
  });

  it('a ticket names its session once, expires within a minute, and cannot be guessed into shape', async () => {
    const tickets = new SessionTickets(redis);
    const ticket = await tickets.issue('session-a');
    assert.match(ticket, /^[A-Za-z0-9_-]{32}$/);
    const ttl = await redis.ttl(`kiln:agent-ticket:${ticket}`);
    assert.ok(ttl > 0 && ttl <= TICKET_TTL_SECONDS, `ttl ${ttl}`);
    // Another process (another SessionTickets on the same Redis) redeems it: once.
    const elsewhere = new SessionTickets(redis);
    assert.equal(await elsewhere.redeem(ticket), 'session-a');
    assert.equal(await tickets.redeem(ticket), null);
    assert.equal(await tickets.redeem('not-a-ticket'), null);
    assert.equal(await tickets.redeem('*'.repeat(32)), null, 'no key pattern reaches Redis');
  });
});
