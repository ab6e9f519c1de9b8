import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { ManualClock } from '../clock.js';
import { KvService } from './index.js';
import { namespaceKeys } from './kv-keys.js';
import {
  assertError,
  assertOk,
  bodyOf,
  bulk,
  freshRef,
  get,
  jsonOf,
  list,
  type ListBody,
  put,
  testRedis,
} from './kv-testing.js';

// Half a second into a second: puts floor the clock to whole seconds, expiry compares in ms.
const START_MS = 1_800_000_000_500;
const START_S = 1_800_000_000;

describe('KvService expiration', () => {
  let redis: Redis;

  before(() => {
    redis = testRedis();
  });
  after(async () => {
    await redis.quit();
  });

  it('keeps a key through its last millisecond and drops it at the expiration second', async () => {
    const clock = new ManualClock(START_MS);
    const kv = new KvService(redis, { clock });
    const ref = freshRef();
    assertOk(await kv.handle(ref, put('k', 'v', { query: '&expiration_ttl=60' })));
    const expiration = START_S + 60;
    assert.equal((await kv.handle(ref, get('k'))).headers?.['CF-Expiration'], String(expiration));

    clock.set(expiration * 1000 - 1);
    assertOk(await kv.handle(ref, get('k')));
    assert.deepEqual(await jsonOf(await kv.handle(ref, bulk({ keys: ['k'] }))), { k: 'v' });
    assert.deepEqual(((await jsonOf(await kv.handle(ref, list()))) as ListBody).keys, [{ name: 'k', expiration }]);

    clock.set(expiration * 1000);
    assert.deepEqual(await jsonOf(await kv.handle(ref, list())), { keys: [], list_complete: true, cacheStatus: null });
    assert.deepEqual(await jsonOf(await kv.handle(ref, bulk({ keys: ['k'] }))), { k: null });
    assertError(await kv.handle(ref, get('k')), 404, 'Not Found');
  });

  it('treats an expired key as gone for get even before Redis or a list removed it', async () => {
    const clock = new ManualClock(START_MS);
    const kv = new KvService(redis, { clock });
    const ref = freshRef();
    await kv.handle(ref, put('k', 'v', { query: `&expiration=${START_S + 120}` }));
    const ns = namespaceKeys(ref);
    // No Redis TTL under a test clock: correctness comes from the stored expiration alone.
    assert.equal(await redis.pttl(ns.record('k')), -1);
    clock.set((START_S + 120) * 1000);
    assertError(await kv.handle(ref, get('k')), 404, 'Not Found');
    // ...and the read removed the record and its index entry.
    assert.equal(await redis.exists(ns.record('k')), 0);
    assert.equal(await redis.zcard(ns.index), 0);
    // Moving the clock back does not resurrect it.
    clock.set(START_MS);
    assertError(await kv.handle(ref, get('k')), 404, 'Not Found');
  });

  it('validates absolute expirations against the injected clock', async () => {
    const kv = new KvService(redis, { clock: new ManualClock(START_MS) });
    const ref = freshRef();
    assertOk(await kv.handle(ref, put('k', 'v', { query: `&expiration=${START_S + 60}` })));
    assertError(
      await kv.handle(ref, put('k', 'v', { query: `&expiration=${START_S + 59}` })),
      400,
      `Invalid expiration of ${START_S + 59}. Expiration times must be at least 60 seconds in the future.`,
    );
  });

  it('skips expired keys without shortening pages', async () => {
    const clock = new ManualClock(START_MS);
    const kv = new KvService(redis, { clock });
    const ref = freshRef();
    const live = ['k01', 'k04', 'k07', 'k10'];
    for (let i = 1; i <= 10; i++) {
      const key = `k${String(i).padStart(2, '0')}`;
      await kv.handle(ref, put(key, 'v', live.includes(key) ? {} : { query: '&expiration_ttl=60' }));
    }
    clock.advance(61_000);
    const first = (await jsonOf(await kv.handle(ref, list('key_count_limit=3')))) as ListBody;
    assert.deepEqual(
      first.keys.map((k) => k.name),
      ['k01', 'k04', 'k07'],
    );
    assert.equal(first.list_complete, false);
    const next = `key_count_limit=3&cursor=${encodeURIComponent(first.cursor ?? '')}`;
    const second = (await jsonOf(await kv.handle(ref, list(next)))) as ListBody;
    assert.deepEqual(second, { keys: [{ name: 'k10' }], list_complete: true, cacheStatus: null });
    // The walk dropped the expired entries from the index.
    assert.equal(await redis.zcard(namespaceKeys(ref).index), 4);
  });

  it('completes a page whose only followers are expired keys', async () => {
    const clock = new ManualClock(START_MS);
    const kv = new KvService(redis, { clock });
    const ref = freshRef();
    await kv.handle(ref, put('a', 'v'));
    await kv.handle(ref, put('b', 'v'));
    await kv.handle(ref, put('c', 'v', { query: '&expiration_ttl=60' }));
    clock.advance(60_000);
    assert.deepEqual(await jsonOf(await kv.handle(ref, list('key_count_limit=2'))), {
      keys: [{ name: 'a' }, { name: 'b' }],
      list_complete: true,
      cacheStatus: null,
    });
  });

  it('purges expired keys on later writes, so a namespace nobody lists does not grow', async () => {
    const clock = new ManualClock(START_MS);
    const kv = new KvService(redis, { clock });
    const ref = freshRef();
    for (let i = 0; i < 15; i++) await kv.handle(ref, put(`session${i}`, 'v', { query: '&expiration_ttl=60' }));
    await kv.handle(ref, put('kept', 'v', { query: '&expiration_ttl=3600' }));
    const ns = namespaceKeys(ref);
    assert.equal(await redis.zcard(ns.index), 16);
    clock.advance(60_000);
    // Each write purges up to 10 expired keys: two writes clear all 15.
    await kv.handle(ref, put('new1', 'v'));
    await kv.handle(ref, put('new2', 'v'));
    assert.deepEqual((await redis.zrangeBuffer(ns.index, 0, -1)).map(String), ['kept', 'new1', 'new2']);
    assert.deepEqual(await redis.zrange(ns.expiries, 0, -1), ['kept']);
    assert.equal(await redis.exists(ns.record('session0'), ns.record('session14')), 0);
  });

  it('forgets the expiry of a key overwritten without one', async () => {
    const clock = new ManualClock(START_MS);
    const kv = new KvService(redis, { clock });
    const ref = freshRef();
    await kv.handle(ref, put('k', 'old', { query: '&expiration_ttl=60' }));
    await kv.handle(ref, put('k', 'new'));
    clock.advance(3600_000);
    await kv.handle(ref, put('other', 'v'));
    assert.equal((await bodyOf(await kv.handle(ref, get('k')))).toString(), 'new');
    assert.equal(await redis.zcard(namespaceKeys(ref).expiries), 0);
  });

  it('lets Redis collect expired records when running on the system clock', async () => {
    const kv = new KvService(redis);
    const ref = freshRef();
    await kv.handle(ref, put('k', 'v', { query: '&expiration_ttl=120' }));
    await kv.handle(ref, put('forever', 'v'));
    const ns = namespaceKeys(ref);
    const ttl = await redis.pttl(ns.record('k'));
    assert.ok(ttl > 115_000 && ttl <= 120_000, `pttl ${ttl}`);
    assert.equal(await redis.pttl(ns.record('forever')), -1);
    // A stale index entry left behind by Redis' expiry is ignored and cleaned by the next list.
    await redis.del(ns.record('k'));
    assert.deepEqual(((await jsonOf(await kv.handle(ref, list()))) as ListBody).keys, [{ name: 'forever' }]);
    assert.equal(await redis.zcard(ns.index), 1);
  });
});
