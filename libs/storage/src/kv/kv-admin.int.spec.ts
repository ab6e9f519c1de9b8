import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { ManualClock } from '../clock.js';
import { KvService, KvTenantError } from './index.js';
import { assertError, bodyOf, del, freshRef, get, jsonOf, list, type ListBody, put, testRedis } from './kv-testing.js';

async function redisKeysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

describe('KvService tenancy, export and wipe', () => {
  let redis: Redis;
  let kv: KvService;

  before(() => {
    redis = testRedis();
    kv = new KvService(redis);
  });
  after(async () => {
    await redis.quit();
  });

  it('keeps the same key apart across apps and across namespaces of one app', async () => {
    const a = freshRef();
    const b = freshRef();
    const aCache = { appId: a.appId, resourceId: 'cache' };
    await kv.handle(a, put('shared', 'from a'));
    await kv.handle(b, put('shared', 'from b'));
    await kv.handle(aCache, put('shared', 'from a/cache'));
    assert.equal((await bodyOf(await kv.handle(a, get('shared')))).toString(), 'from a');
    assert.equal((await bodyOf(await kv.handle(b, get('shared')))).toString(), 'from b');
    assert.equal((await bodyOf(await kv.handle(aCache, get('shared')))).toString(), 'from a/cache');
    await kv.handle(b, del('shared'));
    assert.equal((await bodyOf(await kv.handle(a, get('shared')))).toString(), 'from a');
    assert.deepEqual(((await jsonOf(await kv.handle(b, list()))) as ListBody).keys, []);
  });

  it("cannot reach another namespace's records with crafted keys", async () => {
    const victim = freshRef();
    const attacker = { appId: victim.appId, resourceId: 'other' };
    await kv.handle(victim, put('secret', 'v'));
    const crafted = ['}:v:secret', `../main}:v:secret`, `kv:{${victim.appId}/main}:v:secret`, '\u0000secret', ':i'];
    for (const key of crafted) assertError(await kv.handle(attacker, get(key)), 404, 'Not Found');
    for (const key of crafted) await kv.handle(attacker, put(key, 'x'));
    assert.deepEqual(((await jsonOf(await kv.handle(victim, list()))) as ListBody).keys, [{ name: 'secret' }]);
    assert.equal((await bodyOf(await kv.handle(victim, get('secret')))).toString(), 'v');
  });

  it('throws KvTenantError for an invalid tenant reference', async () => {
    await assert.rejects(kv.handle({ appId: 'Bad App', resourceId: 'main' }, get('k')), KvTenantError);
    await assert.rejects(kv.handle({ appId: 'app', resourceId: 'a}b' }, get('k')), KvTenantError);
    await assert.rejects(kv.exportNamespace({ appId: 'app', resourceId: '' }), KvTenantError);
  });

  it('exports live keys as wrangler kv bulk put JSON', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const timed = new KvService(redis, { clock });
    const ref = freshRef();
    await timed.handle(ref, put('text', 'héllo', { metadata: { tag: 'é' } }));
    await timed.handle(ref, put('binary', Buffer.from([0xff, 0x00, 0x01])));
    await timed.handle(ref, put('empty', ''));
    await timed.handle(ref, put('later', 'v', { query: '&expiration_ttl=3600' }));
    await timed.handle(ref, put('soon', 'v', { query: '&expiration_ttl=60' }));
    clock.advance(60_000);
    assert.deepEqual(await timed.exportNamespace(ref), [
      { key: 'binary', value: '/wAB', base64: true },
      { key: 'empty', value: '' },
      { key: 'later', value: 'v', expiration: 1_800_003_600 },
      { key: 'text', value: 'héllo', metadata: { tag: 'é' } },
    ]);
  });

  it('exports namespaces larger than one page', async () => {
    const ref = freshRef();
    const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((key) => kv.handle(ref, put(key, key))));
    const dump = await kv.exportNamespace(ref);
    assert.deepEqual(
      dump.map((entry) => entry.key),
      keys,
    );
    assert.ok(dump.every((entry) => entry.value === entry.key));
  });

  it('deleteNamespace removes every record and the index, and nothing else', async () => {
    const ref = freshRef();
    const sibling = { appId: ref.appId, resourceId: 'keep' };
    const keys = Array.from({ length: 1200 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((key) => kv.handle(ref, put(key, 'v', { query: '&expiration_ttl=600' }))));
    await kv.handle(sibling, put('k1', 'kept'));
    await kv.deleteNamespace(ref);
    assert.deepEqual(await redisKeysMatching(redis, `kv:{${ref.appId}/main}*`), []);
    assert.deepEqual(((await jsonOf(await kv.handle(ref, list()))) as ListBody).keys, []);
    assert.equal((await bodyOf(await kv.handle(sibling, get('k1')))).toString(), 'kept');
    // The sibling namespace keeps its index and its one record.
    assert.equal((await redisKeysMatching(redis, `kv:{${ref.appId}/*`)).length, 2);
  });
});
