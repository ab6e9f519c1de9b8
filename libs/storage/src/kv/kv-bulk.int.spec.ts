import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertOk, bulk, freshRef, jsonOf, put, kvSuite } from './kv-testing.js';

describe('KvService bulk get', () => {
  const suite = kvSuite();

  async function seeded(): Promise<ReturnType<typeof freshRef>> {
    const ref = freshRef();
    await suite.kv.handle(ref, put('text', 'héllo', { metadata: { m: 'é' } }));
    await suite.kv.handle(ref, put('json', '{"n":[1,2]}'));
    await suite.kv.handle(ref, put('empty', ''));
    return ref;
  }

  it('returns text values keyed by every requested key, null when missing', async () => {
    const ref = await seeded();
    const res = await suite.kv.handle(ref, bulk({ keys: ['text', 'missing', 'empty'] }));
    assertOk(res);
    assert.deepEqual(await jsonOf(res), { text: 'héllo', missing: null, empty: '' });
  });

  it('parses values for type json and accepts a string cacheTtl of at least 30', async () => {
    const ref = await seeded();
    const res = await suite.kv.handle(ref, bulk({ keys: ['json', 'missing'], type: 'json', cacheTtl: '60' }));
    assert.deepEqual(await jsonOf(res), { json: { n: [1, 2] }, missing: null });
  });

  it('returns {value, metadata} with withMetadata, plain null for a missing key', async () => {
    const ref = await seeded();
    const res = await suite.kv.handle(ref, bulk({ keys: ['text', 'json', 'missing'], withMetadata: true }));
    assert.deepEqual(await jsonOf(res), {
      text: { value: 'héllo', metadata: { m: 'é' } },
      json: { value: '{"n":[1,2]}', metadata: null },
      missing: null,
    });
  });

  it('reads keys with any characters, as JSON strings', async () => {
    const ref = freshRef();
    const keys = ['a\u0000', '😀', 'a&b=c', '__proto__', '10', '2'];
    for (const key of keys) await suite.kv.handle(ref, put(key, `v:${key}`));
    const body = (await jsonOf(await suite.kv.handle(ref, bulk({ keys })))) as Record<string, string>;
    for (const key of keys) assert.equal(body[key], `v:${key}`);
  });

  it("answers every bulk error row with Miniflare's reason phrase", async () => {
    const ref = await seeded();
    const many = Array.from({ length: 101 }, (_, i) => `k${i}`);
    const cases: [unknown, number, string][] = [
      [{ keys: many }, 400, 'You can request a maximum of 100 keys'],
      [{ keys: [] }, 400, 'You must request a minimum of 1 key'],
      [{ keys: ['text'], type: 'stream' }, 400, '"stream" is not a valid type. Use "json" or "text"'],
      [{ keys: ['text'], type: 'json' }, 400, 'At least one of the requested keys corresponds to a non-json value'],
      [{ keys: ['text'], cacheTtl: '10' }, 400, 'Invalid cache_ttl of 10. Cache TTL must be at least 30.'],
      [{ keys: ['text', ''] }, 400, 'Key names must not be empty'],
      [{ keys: ['text', '..'] }, 400, 'Illegal key name "..". Please use a different name.'],
      [{ keys: ['text', 'é'.repeat(300)] }, 414, 'UTF-8 encoded length of 600 exceeds key length limit of 512.'],
    ];
    for (const [body, status, reason] of cases) assertError(await suite.kv.handle(ref, bulk(body)), status, reason);
  });

  it('limits the total size of the values to 25 MiB', async () => {
    const ref = freshRef();
    const half = Buffer.alloc(13 * 1024 * 1024, 0x61);
    await suite.kv.handle(ref, put('a', half));
    await suite.kv.handle(ref, put('b', half));
    assertOk(await suite.kv.handle(ref, bulk({ keys: ['a'] })));
    assertError(
      await suite.kv.handle(ref, bulk({ keys: ['a', 'b'] })),
      413,
      'Total size of request exceeds the limit of 25MB',
    );
  });

  it('refuses a body that is not a bulk request', async () => {
    const ref = freshRef();
    const res = await suite.kv.handle(ref, bulk({ nokeys: true }));
    assertError(res, 400, 'Invalid bulk get request: "keys" must be an array of key names.');
  });
});
