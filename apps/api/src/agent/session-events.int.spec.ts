import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { requireEnv } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import { SessionEventLog, isAfter } from './session-events.js';

describe("a session's event log in Redis", () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  after(async () => {
    await redis.quit();
  });

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
