import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { requireEnv } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import { SessionEventLog, isAfter } from './session-events.js';
import { SessionLeases } from './session-lease.js';
import { SessionTickets, TICKET_TTL_SECONDS } from './session-tickets.js';

/** How API processes share agent sessions through Redis: leases, WebSocket tickets, event logs. */
describe('agent sessions in Redis', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  after(async () => {
    await redis.quit();
  });

  describe('agent session leases in Redis', () => {
    it('one holder at a time; renewed while held; free again once released', async () => {
      const [a, b] = [new SessionLeases(redis, 300), new SessionLeases(redis, 300)];
      const id = randomUUID();
      assert.equal(await a.acquire(id, () => assert.fail('not lost')), true);
      assert.equal(await b.acquire(id, () => undefined), false);
      // Three TTLs later a still holds it: renewal kept the key alive.
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(await a.holder(id), a.owner);
      assert.equal(await b.acquire(id, () => undefined), false);
      await a.release(id);
      assert.equal(await a.holder(id), null);
      assert.equal(await b.acquire(id, () => undefined), true);
      await b.releaseAll();
    });

    it('a holder that stops renewing loses the session to the next one, and is told when it notices', async () => {
      const id = randomUUID();
      const stale = new SessionLeases(redis, 200);
      let lost = 0;
      assert.equal(await stale.acquire(id, () => lost++), true);
      // Another process takes the key over (as after a pause longer than the TTL).
      await redis.set(`kiln:agent-session:${id}:owner`, 'someone-else', 'PX', 5000);
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(lost, 1, 'the renewal found another owner');
      assert.equal(await redis.get(`kiln:agent-session:${id}:owner`), 'someone-else', 'and left its key alone');
      await stale.release(id);
      assert.equal(await redis.get(`kiln:agent-session:${id}:owner`), 'someone-else', 'release only frees its own');
      await redis.del(`kiln:agent-session:${id}:owner`);
    });
  });

  describe('session WebSocket tickets in Redis', () => {
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

  describe("a session's event log in Redis", () => {
    it('keeps events in order with increasing ids, readable by another process, and expiring', async () => {
      const id = randomUUID();
      const log = new SessionEventLog(redis);
      const first = await log.append(id, { type: 'generation_started', message: 'Building', totalFiles: 2 });
      const second = await log.append(id, { type: 'generation_complete' });
      assert.ok(isAfter(second, first));
      assert.ok(!isAfter(first, second));
      assert.ok(isAfter('10-0', '9-5'), 'ids compare as numbers, not strings');
      assert.ok(isAfter('9-10', '9-9'));
      const elsewhere = new SessionEventLog(redis);
      assert.deepEqual(
        (await elsewhere.all(id)).map((e) => [e.id, e.event.type]),
        [
          [first, 'generation_started'],
          [second, 'generation_complete'],
        ],
      );
      const ttl = await redis.ttl(`kiln:agent-session:${id}:events`);
      assert.ok(ttl > 29 * 24 * 3600, `ttl ${ttl}`);
      assert.deepEqual(await log.all(randomUUID()), [], 'a session without events has an empty log');
      await redis.del(`kiln:agent-session:${id}:events`);
    });
  });
});
