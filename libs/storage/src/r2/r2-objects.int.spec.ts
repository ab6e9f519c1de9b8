import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { R2Answer, R2TestClient } from './r2-test-client.js';
import { DRIVER_KINDS, startR2TestEnv, type R2TestEnv } from './r2-test-env.js';

const md5 = (s: string) => createHash('md5').update(s).digest();
const hex = (alg: string, s: string) => createHash(alg).update(s).digest('hex');
const T0 = 1_700_000_000_000;

function assertError(a: R2Answer, status: number, v4code: number, message?: string): void {
  assert.equal(a.status, status, JSON.stringify(a.error));
  assert.equal(a.error?.v4code, v4code);
  assert.equal(a.error?.version, 1);
  if (message !== undefined) assert.equal(a.error?.message, message);
}

for (const kind of DRIVER_KINDS) {
  describe(`R2 objects on Postgres + ${kind} blobs`, () => {
    let env: R2TestEnv;
    let c: R2TestClient;
    const put = (key: string, value: string | Buffer, extra: Record<string, unknown> = {}) =>
      c.write({ method: 'put', object: key, ...extra }, value);

    before(async () => {
      env = await startR2TestEnv(kind);
      c = env.client();
    });
    after(() => env.close());

    it('put answers the object descriptor exactly as workerd expects it', async () => {
      const a = await put('dir/obj1', 'hello world', {
        customFields: [
          { k: 'a', v: '1' },
          { k: 'b', v: 'two' },
        ],
        httpFields: {
          contentType: 'text/plain',
          contentLanguage: 'en',
          contentDisposition: 'inline',
          contentEncoding: 'identity',
          cacheControl: 'max-age=60',
          cacheExpiry: '1700000000000',
        },
        storageClass: 'InfrequentAccess',
      });
      assert.equal(a.status, 200);
      const d = a.metadata as { version: string };
      assert.match(d.version, /^[0-9a-f]{32}$/);
      assert.equal(a.headers['cf-r2-metadata-size'], String(Buffer.byteLength(JSON.stringify(a.metadata))));
      assert.deepEqual(a.metadata, {
        name: 'dir/obj1',
        version: d.version,
        size: 11,
        etag: '5eb63bbbe01eeed093cb22bb8f5acdc3',
        uploaded: T0,
        httpFields: {
          contentType: 'text/plain',
          contentLanguage: 'en',
          contentDisposition: 'inline',
          contentEncoding: 'identity',
          cacheControl: 'max-age=60',
          cacheExpiry: 1700000000000,
        },
        customFields: [
          { k: 'a', v: '1' },
          { k: 'b', v: 'two' },
        ],
        checksums: { '0': '5eb63bbbe01eeed093cb22bb8f5acdc3' },
        storageClass: 'InfrequentAccess',
      });
    });

    it('head and get add the served range; get streams the bytes after the descriptor', async () => {
      env.clock.advance(1000);
      const written = await put('k1', 'hello world');
      const head = await c.read({ method: 'head', object: 'k1' });
      assert.equal(head.status, 200);
      const described = head.metadata as { uploaded: number; storageClass: string };
      assert.equal(described.uploaded, T0 + 1000);
      assert.equal(described.storageClass, 'Standard');
      assert.deepEqual(head.metadata, { ...(written.metadata as object), range: { offset: 0, length: 11 } });
      const get = await c.read({ method: 'get', object: 'k1' });
      assert.equal(get.value.toString(), 'hello world');
      assert.equal(get.headers['content-length'], String(Number(get.headers['cf-r2-metadata-size']) + 11));
      const again = await put('k1', 'hello world');
      assert.notEqual(
        (again.metadata as { version: string }).version,
        (written.metadata as { version: string }).version,
      );
    });

    it('head and get of a missing key are 404 + 10007 (workerd returns null)', async () => {
      for (const method of ['head', 'get']) {
        const a = await c.read({ method, object: 'nope' });
        assertError(a, 404, 10007, 'The specified key does not exist.');
        assert.equal(a.metadata, undefined);
      }
    });

    it('serves ranges in both forms and 416s unsatisfiable object ranges', async () => {
      await put('r', 'hello world');
      const range = async (d: Record<string, unknown>) => {
        const a = await c.read({ method: 'get', object: 'r', ...d });
        return {
          status: a.status,
          range: (a.metadata as { range?: unknown } | undefined)?.range,
          text: a.value.toString(),
        };
      };
      assert.deepEqual(await range({ range: { offset: '2', length: '3' } }), {
        status: 200,
        range: { offset: 2, length: 3 },
        text: 'llo',
      });
      assert.deepEqual(await range({ range: { suffix: '4' } }), {
        status: 200,
        range: { offset: 7, length: 4 },
        text: 'orld',
      });
      assert.deepEqual((await range({ range: { suffix: '20' } })).range, { offset: 0, length: 11 });
      assert.deepEqual(await range({ rangeHeader: 'bytes=-3' }), {
        status: 200,
        range: { offset: 8, length: 3 },
        text: 'rld',
      });
      assert.deepEqual((await range({ rangeHeader: 'bytes=0-1,3-4' })).range, { offset: 0, length: 11 });
      for (const r of [{ offset: '11' }, { offset: '12' }, { offset: '1', length: '0' }, { suffix: '0' }])
        assertError(
          await c.read({ method: 'get', object: 'r', range: r }),
          416,
          10039,
          'The requested range is not satisfiable',
        );
    });

    it('get onlyIf: a failed condition is 412 + 10031 with the descriptor and no bytes', async () => {
      const etag = ((await put('c', 'hello world')).metadata as { etag: string }).etag;
      const get = (onlyIf: unknown) => c.read({ method: 'get', object: 'c', onlyIf, range: { offset: '50' } });
      const failed = await get({ etagDoesNotMatch: [{ value: etag, type: 'strong' }] });
      assertError(failed, 412, 10031, 'At least one of the pre-conditions you specified did not hold.');
      assert.deepEqual((failed.metadata as { range: unknown }).range, { offset: 0, length: 11 });
      assert.equal((failed.metadata as { etag: string }).etag, etag);
      assert.equal(failed.value.length, 0);
      // Passing conditions, object form and Headers form (weak etag, wildcard, seconds).
      const ok = (onlyIf: unknown) => c.read({ method: 'get', object: 'c', onlyIf });
      assert.equal((await ok({ etagMatches: [{ value: etag, type: 'strong' }] })).value.toString(), 'hello world');
      assert.equal((await ok({ etagMatches: [{ type: 'wildcard' }] })).status, 200);
      assert.equal((await ok({ etagDoesNotMatch: [{ value: 'x', type: 'strong' }] })).status, 200);
      assert.equal((await ok({ uploadedAfter: String(T0 - 1000), secondsGranularity: true })).status, 200);
      assert.equal((await ok({ etagDoesNotMatch: [{ value: etag, type: 'weak' }] })).status, 412);
      assert.equal((await ok({ etagMatches: [{ value: etag, type: 'weak' }] })).status, 412);
      assert.equal((await ok({ uploadedBefore: String(env.clock.now()), secondsGranularity: true })).status, 412);
      // A 412 wins over a 416.
      assert.equal((await get({ etagMatches: [{ value: 'x', type: 'strong' }] })).status, 412);
    });

    it('put onlyIf: a failed condition is 412 + 10031 without a body and changes nothing', async () => {
      const first = await put('p', 'one');
      const failed = await put('p', 'two', { onlyIf: { etagMatches: [{ value: 'x', type: 'strong' }] } });
      assertError(failed, 412, 10031);
      assert.equal(failed.metadata, undefined);
      assert.equal(failed.value.length, 0);
      assert.equal((await c.read({ method: 'get', object: 'p' })).value.toString(), 'one');
      const onlyIfAbsent = { onlyIf: { etagDoesNotMatch: [{ type: 'wildcard' }] } };
      assert.equal((await put('p', 'three', onlyIfAbsent)).status, 412);
      assert.equal((await put('p-new', 'three', onlyIfAbsent)).status, 200);
      assert.equal((await put('p-new2', 'x', { onlyIf: { etagMatches: [{ type: 'wildcard' }] } })).status, 412);
      const etag = (first.metadata as { etag: string }).etag;
      assert.equal(
        (await put('p', 'four', { onlyIf: { etagMatches: [{ value: etag, type: 'strong' }] } })).status,
        200,
      );
    });

    it('verifies md5 (base64) and sha* (hex) checksums and keeps the ones given', async () => {
      const v = 'hello world';
      const a = await put('h', v, {
        md5: md5(v).toString('base64'),
        sha1: hex('sha1', v),
        sha256: hex('sha256', v),
        sha384: hex('sha384', v),
        sha512: hex('sha512', v),
      });
      assert.equal(a.status, 200);
      assert.deepEqual((a.metadata as { checksums: unknown }).checksums, {
        '0': md5(v).toString('hex'),
        '1': hex('sha1', v),
        '2': hex('sha256', v),
        '3': hex('sha384', v),
        '4': hex('sha512', v),
      });
      const before = await env.blobKeys();
      const bad = await put('h-bad', v, { sha256: '00'.repeat(32) });
      assertError(
        bad,
        400,
        10037,
        'The SHA-256 checksum you specified did not match what we received.\n' +
          `You provided a SHA-256 checksum with value: ${'00'.repeat(32)}\n` +
          `Actual SHA-256 was: ${hex('sha256', v)}`,
      );
      const badMd5 = await put('h-bad', v, { md5: Buffer.alloc(16).toString('base64') });
      assert.match(
        badMd5.error?.message ?? '',
        /^The MD5 checksum .*\nActual MD5 was: 5eb63bbbe01eeed093cb22bb8f5acdc3$/s,
      );
      assert.equal((await c.read({ method: 'head', object: 'h-bad' })).status, 404);
      await env.service.settled();
      assert.deepEqual(await env.blobKeys(), before, 'a refused put leaves no blob behind');
    });

    it('enforces R2 key, metadata and size limits', async () => {
      assert.equal((await put('k'.repeat(1024), 'x')).status, 200);
      assertError(await put('k'.repeat(1025), 'x'), 400, 10020, 'The specified object name is not valid.');
      assertError(await put('é'.repeat(513), 'x'), 400, 10020);
      assertError(await put('', 'x'), 400, 10020);
      assertError(await c.read({ method: 'get', object: '' }), 400, 10020);
      assertError(await c.read({ method: 'head', object: 'k'.repeat(1025) }), 400, 10020);
      const meta = (v: string) => ({ customFields: [{ k: 'k', v }] });
      assert.equal((await put('m', 'x', meta('v'.repeat(2047)))).status, 200);
      assertError(await put('m', 'x', meta('v'.repeat(2048))), 400, 10012);
      // Counted in UTF-8 bytes, as R2 does: 1024 × "é" is 2048 bytes, plus the key.
      assertError(await put('m', 'x', meta('é'.repeat(1024))), 400, 10012);
      // Over 5 GiB - 5 MiB: refused from Content-Length alone, before any value byte is read.
      const huge = { stream: new Readable({ read() {} }), size: 5 * 1024 ** 3 };
      assertError(await c.write({ method: 'put', object: 'huge' }, huge), 400, 100100);
    });

    it('refuses malformed requests with 10029', async () => {
      const res = await env.service.handle(c.ref, {
        method: 'GET',
        url: new URL('https://fake-host'),
        headers: {},
        body: Readable.from([]),
        contentLength: undefined,
      });
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.headers?.['cf-r2-error'] ?? '{}') as { v4code: number }).v4code, 10029);
      const noSize = await env.service.handle(c.ref, {
        method: 'PUT',
        url: new URL('https://fake-host'),
        headers: { 'cf-r2-metadata-size': 'x' },
        body: Readable.from([Buffer.from('{}')]),
        contentLength: 2,
      });
      assert.equal(noSize.status, 400);
      assertError(await c.read({ method: 'get', object: 'k', range: { offset: 'abc' } }), 400, 10029);
    });

    it('stores empty values, NUL and non-ASCII keys', async () => {
      const empty = await put('empty', '');
      assert.equal((empty.metadata as { etag: string }).etag, 'd41d8cd98f00b204e9800998ecf8427e');
      const get = await c.read({ method: 'get', object: 'empty' });
      assert.deepEqual((get.metadata as { range: unknown }).range, { offset: 0, length: 0 });
      assert.equal(get.value.length, 0);
      for (const key of ['a\u0000b', 'ключ/é ü', '😀', '../../etc/passwd', 'a%2Fb']) {
        assert.equal((await put(key, `v:${key}`)).status, 200, key);
        const a = await c.read({ method: 'get', object: key });
        assert.equal((a.metadata as { name: string }).name, key);
        assert.equal(a.value.toString(), `v:${key}`);
      }
      assertError(await put('\ud800', 'x'), 400, 10020);
    });

    it('deletes one key or many, and refuses more than 1000 in one call', async () => {
      await put('d1', '1');
      await put('d2', '2');
      await put('d3', '3');
      assert.equal((await c.write({ method: 'delete', object: 'd1' })).status, 200);
      assert.equal((await c.write({ method: 'delete', objects: ['d2', 'd3', 'missing'] })).status, 200);
      for (const key of ['d1', 'd2', 'd3']) assert.equal((await c.read({ method: 'head', object: key })).status, 404);
      assert.equal((await c.write({ method: 'delete', objects: [] })).status, 200);
      const many = Array.from({ length: 1001 }, (_, i) => `k${i}`);
      const refused = await c.write({ method: 'delete', objects: many });
      assertError(refused, 400, 10029);
      assert.match(refused.error?.message ?? '', /at most 1000/);
      assert.equal((await c.write({ method: 'delete', objects: many.slice(0, 1000) })).status, 200);
    });
  });
}
