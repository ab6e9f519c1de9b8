import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { ManualClock } from '../clock.js';
import { KvService, KvTenantError } from './index.js';
import { assertError, bodyOf, del, freshRef, get, jsonOf, list, type ListBody, put, kvSuite } from './kv-testing.js';

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
  const suite = kvSuite();

  it('keeps the same key apart across apps and across namespaces of one app', async () => {
    const a = freshRef();
    const b = freshRef();
    const aCache = { appId: a.appId, resourceId: 'cache' };
    await suite.kv.handle(a, put('shared', 'from a'));
    await suite.kv.handle(b, put('shared', 'from b'));
    await suite.kv.handle(aCache, put('shared', 'from a/cache'));
    assert.equal((await bodyOf(await suite.kv.handle(a, get('shared')))).toString(), 'from a');
    assert.equal((await bodyOf(await suite.kv.handle(b, get('shared')))).toString(), 'from b');
    assert.equal((await bodyOf(await suite.kv.handle(aCache, get('shared')))).toString(), 'from a/cache');
    await suite.kv.handle(b, del('shared'));
    assert.equal((await bodyOf(await suite.kv.handle(a, get('shared')))).toString(), 'from a');
    assert.deepEqual(((await jsonOf(await suite.kv.handle(b, list()))) as ListBody).keys, []);
  });

  it("cannot reach another namespace's records with crafted keys", async () => {
    const victim = freshRef();
    const attacker = { appId: victim.appId, resourceId: 'other' };
    await suite.kv.handle(victim, put('secret', 'v'));
    const crafted = ['}:v:secret', `../main}:v:secret`, `kv:{${victim.appId}/main}:v:secret`, '\u0000secret', ':i'];
    for (const key of crafted) assertError(await suite.kv.handle(attacker, get(key)), 404, 'Not Found');
    for (const key of crafted) await suite.kv.handle(attacker, put(key, 'x'));
    assert.deepEqual(((await jsonOf(await suite.kv.handle(victim, list()))) as ListBody).keys, [{ name: 'secret' }]);
    assert.equal((await bodyOf(await suite.kv.handle(victim, get('secret')))).toString(), 'v');
  });

  it('throws KvTenantError for an invalid tenant reference', async () => {
    await assert.rejects(suite.kv.handle({ appId: 'Bad App', resourceId: 'main' }, get('k')), KvTenantError);
    await assert.rejects(suite.kv.handle({ appId: 'app', resourceId: 'a}b' }, get('k')), KvTenantError);
    await assert.rejects(suite.kv.exportNamespace({ appId: 'app', resourceId: '' }), KvTenantError);
  });

  it('exports live keys as wrangler kv bulk put JSON', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const timed = new KvService(suite.redis, { clock });
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
    await Promise.all(keys.map((key) => suite.kv.handle(ref, put(key, key))));
    const dump = await suite.kv.exportNamespace(ref);
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
    await Promise.all(keys.map((key) => suite.kv.handle(ref, put(key, 'v', { query: '&expiration_ttl=600' }))));
    await suite.kv.handle(sibling, put('k1', 'kept'));
    await suite.kv.deleteNamespace(ref);
    assert.deepEqual(await redisKeysMatching(suite.redis, `kv:{${ref.appId}/main}*`), []);
    assert.deepEqual(((await jsonOf(await suite.kv.handle(ref, list()))) as ListBody).keys, []);
    assert.equal((await bodyOf(await suite.kv.handle(sibling, get('k1')))).toString(), 'kept');
    // The sibling namespace keeps its index and its one record.
    assert.equal((await redisKeysMatching(suite.redis, `kv:{${ref.appId}/*`)).length, 2);
  });
});
