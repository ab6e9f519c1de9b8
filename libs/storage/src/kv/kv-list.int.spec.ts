import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TenantRef } from '../gateway/wire.js';
import { assertError, del, freshRef, jsonOf, list, type ListBody, put, kvSuite } from './kv-testing.js';

describe('KvService list', () => {
  const suite = kvSuite();

  async function listing(ref: TenantRef, query = ''): Promise<ListBody> {
    const res = await suite.kv.handle(ref, list(query));
    assert.equal(res.status, 200, res.statusText);
    return (await jsonOf(res)) as ListBody;
  }

  async function names(ref: TenantRef, query = ''): Promise<string[]> {
    return (await listing(ref, query)).keys.map((k) => k.name);
  }

  async function seed(ref: TenantRef, keys: string[]): Promise<void> {
    for (const key of keys) await suite.kv.handle(ref, put(key, 'v'));
  }

  it('orders keys by UTF-8 bytes, exactly as Miniflare listed them', async () => {
    const ref = freshRef();
    // Insertion order scrambled; expected order captured from Miniflare's local KV.
    const miniflareOrder = [
      'Z',
      'a',
      'a\u0000',
      'ab',
      '\u0080',
      'é',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\ufffd',
      '\uffff',
      '😀',
    ];
    await seed(ref, [...miniflareOrder].reverse());
    assert.deepEqual(await names(ref), miniflareOrder);
  });

  it('returns the Miniflare JSON shape with metadata as JSON text', async () => {
    const ref = freshRef();
    const expiration = Math.floor(Date.now() / 1000) + 3600;
    await suite.kv.handle(ref, put('a', 'v', { metadata: { x: 'é' }, query: `&expiration=${expiration}` }));
    await suite.kv.handle(ref, put('b', 'v'));
    assert.deepEqual(await listing(ref), {
      keys: [{ name: 'a', expiration, metadata: '{"x":"é"}' }, { name: 'b' }],
      list_complete: true,
      cacheStatus: null,
    });
  });

  it('filters by prefix, including multi-byte prefixes', async () => {
    const ref = freshRef();
    await seed(ref, ['a', 'user:1', 'user:2', 'user;', 'users', 'é1', 'é2', 'ê']);
    assert.deepEqual(await names(ref, 'prefix=user%3A'), ['user:1', 'user:2']);
    assert.deepEqual(await names(ref, `prefix=${encodeURIComponent('é')}`), ['é1', 'é2']);
    assert.deepEqual(await names(ref, 'prefix=nothing'), []);
  });

  it('with exactly `limit` keys left, completes without a cursor (Miniflare behaviour)', async () => {
    const ref = freshRef();
    await seed(ref, ['a', 'b', 'c', 'd']);
    const whole = await listing(ref, 'key_count_limit=4');
    assert.equal(whole.list_complete, true);
    assert.equal('cursor' in whole, false);
    const first = await listing(ref, 'key_count_limit=2');
    assert.deepEqual(first, {
      keys: [{ name: 'a' }, { name: 'b' }],
      list_complete: false,
      cursor: 'Yg==',
      cacheStatus: null,
    });
    const second = await listing(ref, `key_count_limit=2&cursor=${encodeURIComponent(first.cursor ?? '')}`);
    assert.deepEqual(second, { keys: [{ name: 'c' }, { name: 'd' }], list_complete: true, cacheStatus: null });
  });

  it('paginates through many keys in order', async () => {
    const ref = freshRef();
    const keys = Array.from({ length: 45 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    await seed(ref, keys);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listing(ref, `key_count_limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.keys.map((k) => k.name));
      cursor = page.cursor;
      pages += 1;
      assert.equal(page.list_complete, cursor === undefined);
    } while (cursor);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 5);
  });

  it('stays correct when keys are deleted or added between pages', async () => {
    const ref = freshRef();
    await seed(ref, ['a', 'b', 'c', 'd', 'e', 'f']);
    const first = await listing(ref, 'key_count_limit=2');
    assert.deepEqual(
      first.keys.map((k) => k.name),
      ['a', 'b'],
    );
    // The cursor key itself and the next one vanish; one key appears before and one after the cursor.
    await suite.kv.handle(ref, del('b'));
    await suite.kv.handle(ref, del('c'));
    await seed(ref, ['a1', 'c1']);
    const cursor = encodeURIComponent(first.cursor ?? '');
    const second = await listing(ref, `key_count_limit=2&cursor=${cursor}`);
    assert.deepEqual(
      second.keys.map((k) => k.name),
      ['c1', 'd'],
    );
    const third = await listing(ref, `key_count_limit=2&cursor=${encodeURIComponent(second.cursor ?? '')}`);
    assert.deepEqual(third, { keys: [{ name: 'e' }, { name: 'f' }], list_complete: true, cacheStatus: null });
  });

  it('combines prefix and cursor, and accepts a cursor before the prefix', async () => {
    const ref = freshRef();
    await seed(ref, ['a', 'p1', 'p2', 'p3', 'q']);
    const first = await listing(ref, 'prefix=p&key_count_limit=1');
    assert.deepEqual(
      first.keys.map((k) => k.name),
      ['p1'],
    );
    assert.deepEqual(await names(ref, `prefix=p&cursor=${encodeURIComponent(first.cursor ?? '')}`), ['p2', 'p3']);
    assert.deepEqual(await names(ref, `prefix=p&cursor=${encodeURIComponent(Buffer.from('a').toString('base64'))}`), [
      'p1',
      'p2',
      'p3',
    ]);
  });

  it('uses a default page of 1000 keys', async () => {
    const ref = freshRef();
    const keys = Array.from({ length: 1001 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((key) => suite.kv.handle(ref, put(key, 'v'))));
    const page = await listing(ref);
    assert.equal(page.keys.length, 1000);
    assert.equal(page.list_complete, false);
    assert.deepEqual(await names(ref, `cursor=${encodeURIComponent(page.cursor ?? '')}`), ['k1000']);
  });

  it("answers list errors with Miniflare's reason phrases", async () => {
    const ref = freshRef();
    assertError(
      await suite.kv.handle(ref, list('key_count_limit=0')),
      400,
      'Invalid key_count_limit of 0. Please specify an integer greater than 0.',
    );
    assertError(
      await suite.kv.handle(ref, list('key_count_limit=1001')),
      400,
      'Invalid key_count_limit of 1001. Please specify an integer less than 1000.',
    );
    assertError(
      await suite.kv.handle(ref, list(`prefix=${'p'.repeat(513)}`)),
      414,
      'UTF-8 encoded length of 513 exceeds key length limit of 512.',
    );
  });
});
