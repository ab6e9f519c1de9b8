import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { R2TestClient } from './r2-test-client.js';
import { DRIVER_KINDS, startR2TestEnv, type R2TestEnv } from './r2-test-env.js';

interface ListAnswer {
  objects: Array<{ name: string; httpFields: object; customFields: unknown[]; range?: unknown; size: number }>;
  truncated: boolean;
  cursor?: string;
  delimitedPrefixes: string[];
}

// Keys chosen so that UTF-16 order, code point order and byte order disagree somewhere:
// 'ａ' (U+FF41) sorts before '😀' (U+1F600) in UTF-8 but after it in UTF-16.
const KEYS = ['../x', '/lead', 'Z', 'a', 'a\u0000b', 'a%2Fb', 'a/', 'a//b', 'a/b/c', 'a/d', 'b', 'é', 'ａ', '😀', '~'];
const BYTE_ORDER = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

for (const kind of DRIVER_KINDS) {
  describe(`R2 list on Postgres + ${kind} blobs`, () => {
    let env: R2TestEnv;
    let c: R2TestClient;

    const list = async (opts: Record<string, unknown> = {}): Promise<ListAnswer> => {
      const a = await c.read({ method: 'list', include: [], newRuntime: true, ...opts });
      assert.equal(a.status, 200, JSON.stringify(a.error));
      return a.metadata as ListAnswer;
    };
    /** Follows cursors to the end; returns each page's names and prefixes. */
    const pages = async (opts: Record<string, unknown>) => {
      const out: Array<{ names: string[]; prefixes: string[] }> = [];
      let cursor: string | undefined;
      for (let i = 0; i < 50; i++) {
        const page = await list({ ...opts, ...(cursor ? { cursor } : {}) });
        out.push({ names: page.objects.map((o) => o.name), prefixes: page.delimitedPrefixes });
        assert.equal(page.truncated, page.cursor !== undefined);
        if (!page.truncated) return out;
        cursor = page.cursor;
      }
      throw new Error('list did not terminate');
    };

    before(async () => {
      env = await startR2TestEnv(kind);
      c = env.client();
      for (const key of KEYS)
        await c.write(
          {
            method: 'put',
            object: key,
            httpFields: { contentType: 'text/plain' },
            customFields: [{ k: 'key', v: key }],
          },
          key,
        );
    });
    after(() => env.close());

    it('lists every key in UTF-8 byte order, without metadata unless asked', async () => {
      const all = await list();
      assert.deepEqual(
        all.objects.map((o) => o.name),
        BYTE_ORDER,
      );
      assert.equal(all.truncated, false);
      assert.equal(all.cursor, undefined);
      assert.deepEqual(all.delimitedPrefixes, []);
      assert.deepEqual(all.objects[0]?.httpFields, {});
      assert.deepEqual(all.objects[0]?.customFields, []);
      assert.equal(all.objects[0]?.range, undefined);
      const both = await list({ include: [0, 1], prefix: 'b' });
      assert.deepEqual(both.objects[0]?.httpFields, { contentType: 'text/plain' });
      assert.deepEqual(both.objects[0]?.customFields, [{ k: 'key', v: 'b' }]);
      const customOnly = await list({ include: [1], prefix: 'b' });
      assert.deepEqual(customOnly.objects[0]?.httpFields, {});
      assert.deepEqual(customOnly.objects[0]?.customFields, [{ k: 'key', v: 'b' }]);
    });

    it('pages with limit and cursor, never repeating or skipping a key', async () => {
      const got = await pages({ limit: 4 });
      assert.deepEqual(
        got.map((p) => p.names.length),
        [4, 4, 4, 3],
      );
      assert.deepEqual(
        got.flatMap((p) => p.names),
        BYTE_ORDER,
      );
    });

    it('groups by delimiter, counting prefixes toward the limit', async () => {
      const whole = await list({ delimiter: '/' });
      assert.deepEqual(whole.delimitedPrefixes, ['../', '/', 'a/']);
      assert.deepEqual(
        whole.objects.map((o) => o.name),
        BYTE_ORDER.filter((k) => !k.includes('/')),
      );
      const paged = await pages({ delimiter: '/', limit: 2 });
      assert.deepEqual(paged[0], { names: [], prefixes: ['../', '/'] });
      assert.deepEqual(
        paged.flatMap((p) => p.prefixes),
        ['../', '/', 'a/'],
      );
      assert.deepEqual(
        paged.flatMap((p) => p.names),
        whole.objects.map((o) => o.name),
      );
      const inA = await list({ prefix: 'a/', delimiter: '/' });
      assert.deepEqual(inA.delimitedPrefixes, ['a//', 'a/b/']);
      assert.deepEqual(
        inA.objects.map((o) => o.name),
        ['a/', 'a/d'],
      );
      const multi = await list({ delimiter: '//' });
      assert.deepEqual(multi.delimitedPrefixes, ['a//']);
      assert.equal((await list({ delimiter: '' })).objects.length, KEYS.length);
    });

    it('filters by prefix and starts after startAfter (or the cursor, whichever is later)', async () => {
      assert.deepEqual(
        (await list({ prefix: 'a/' })).objects.map((o) => o.name),
        ['a/', 'a//b', 'a/b/c', 'a/d'],
      );
      assert.deepEqual(
        (await list({ prefix: 'é' })).objects.map((o) => o.name),
        ['é'],
      );
      const after = BYTE_ORDER.slice(BYTE_ORDER.indexOf('b') + 1);
      assert.deepEqual(
        (await pages({ startAfter: 'b', limit: 2 })).flatMap((p) => p.names),
        after,
      );
      assert.deepEqual((await list({ startAfter: 'a/', delimiter: '/' })).delimitedPrefixes, ['a/']);
    });

    it('caps the page at 100 when metadata is included and refuses limits outside 1..1000', async () => {
      const c2 = env.client('app-1', 'many');
      for (let i = 0; i < 120; i++) await c2.write({ method: 'put', object: `k${String(i).padStart(3, '0')}` }, 'x');
      const read = (opts: Record<string, unknown>) =>
        c2.read({ method: 'list', newRuntime: true, ...opts }).then((a) => a.metadata as ListAnswer);
      assert.equal((await read({ include: [] })).objects.length, 120);
      const capped = await read({ include: [0], limit: 500 });
      assert.equal(capped.objects.length, 100);
      assert.equal(capped.truncated, true);
      assert.equal((await read({ include: [1], limit: 500, cursor: capped.cursor })).objects.length, 20);
      assert.equal((await read({ limit: 1000 })).objects.length, 120);
      for (const limit of [0, 1001, 1.5, -1]) {
        const a = await c2.read({ method: 'list', limit });
        assert.equal(a.status, 400);
        assert.deepEqual(a.error, {
          message: 'MaxKeys params must be positive integer <= 1000.',
          version: 1,
          v4code: 10022,
        });
      }
    });
  });
}
