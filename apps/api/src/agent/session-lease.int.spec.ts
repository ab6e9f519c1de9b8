import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { requireEnv } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import { SessionLeases } from './session-lease.js';

describe('agent session leases in Redis', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  after(async () => {
    await redis.quit();
  });

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
