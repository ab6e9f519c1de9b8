import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { R2Answer, R2TestClient } from './r2-test-client.js';
import { DRIVER_KINDS, startR2TestEnv, type R2TestEnv } from './r2-test-env.js';

const MiB = 1024 * 1024;
const bytes = (n: number, seed: number) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255));
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

function assertError(a: R2Answer, status: number, v4code: number): void {
  assert.equal(a.status, status, JSON.stringify(a.error));
  assert.equal(a.error?.v4code, v4code, JSON.stringify(a.error));
}

for (const kind of DRIVER_KINDS) {
  describe(`R2 multipart on Postgres + ${kind} blobs`, () => {
    let env: R2TestEnv;
    let c: R2TestClient;
    const part1 = bytes(5 * MiB, 1);
    const part2 = bytes(5 * MiB, 2);
    const part3 = bytes(1000, 3);

    const create = async (key: string, extra: Record<string, unknown> = {}) => {
      const a = await c.write({ method: 'createMultipartUpload', object: key, ...extra });
      assert.equal(a.status, 200, JSON.stringify(a.error));
      return (a.metadata as { uploadId: string }).uploadId;
    };
    const upload = async (key: string, uploadId: string, partNumber: number, value: Buffer) =>
      c.write({ method: 'uploadPart', object: key, uploadId, partNumber }, value);
    const etagOf = (a: R2Answer) => (a.metadata as { etag: string }).etag;
    const complete = (key: string, uploadId: string, parts: Array<{ etag: string; part: number }>) =>
      c.write({ method: 'completeMultipartUpload', object: key, uploadId, parts });

    before(async () => {
      env = await startR2TestEnv(kind);
      c = env.client();
    });
    after(() => env.close());

    it('assembles real 5 MiB parts into one object with an S3-style etag', async () => {
      const id = await create('mp/big', {
        httpFields: { contentType: 'application/x-big' },
        customFields: [{ k: 'm', v: '1' }],
        storageClass: 'InfrequentAccess',
      });
      assert.match(id, /^[A-Za-z0-9_-]{20,}$/);
      // Out of order, as a Worker uploading in parallel would.
      const e2 = etagOf(await upload('mp/big', id, 2, part2));
      const e3 = etagOf(await upload('mp/big', id, 3, part3));
      const e1 = etagOf(await upload('mp/big', id, 1, part1));
      const done = await complete('mp/big', id, [
        { etag: e2, part: 2 },
        { etag: e1, part: 1 },
        { etag: e3, part: 3 },
      ]);
      assert.equal(done.status, 200, JSON.stringify(done.error));
      const expectedEtag = `${createHash('md5')
        .update(Buffer.concat([md5(part1), md5(part2), md5(part3)]))
        .digest('hex')}-3`;
      const d = done.metadata as Record<string, unknown>;
      assert.equal(d['etag'], expectedEtag);
      assert.equal(d['size'], 10 * MiB + 1000);
      assert.deepEqual(d['checksums'], {});
      assert.deepEqual(d['httpFields'], { contentType: 'application/x-big' });
      assert.deepEqual(d['customFields'], [{ k: 'm', v: '1' }]);
      assert.equal(d['storageClass'], 'InfrequentAccess');
      assert.equal(d['range'], undefined);

      const whole = await c.read({ method: 'get', object: 'mp/big' });
      assert.equal(md5(whole.value).toString('hex'), md5(Buffer.concat([part1, part2, part3])).toString('hex'));
      const across = await c.read({
        method: 'get',
        object: 'mp/big',
        range: { offset: String(5 * MiB - 4), length: '8' },
      });
      assert.deepEqual(across.value, Buffer.concat([part1.subarray(-4), part2.subarray(0, 4)]));
      const tail = await c.read({ method: 'get', object: 'mp/big', range: { suffix: '1010' } });
      assert.deepEqual(tail.value, Buffer.concat([part2.subarray(-10), part3]));
      const head = await c.read({ method: 'head', object: 'mp/big' });
      assert.deepEqual((head.metadata as { range: unknown }).range, { offset: 0, length: 10 * MiB + 1000 });

      // The upload is finished: R2 answers 10024 to further parts or completes, and abort is a no-op.
      assertError(await complete('mp/big', id, [{ etag: e1, part: 1 }]), 400, 10024);
      assertError(await upload('mp/big', id, 4, Buffer.from('x')), 400, 10024);
      assert.equal((await c.write({ method: 'abortMultipartUpload', object: 'mp/big', uploadId: id })).status, 200);
      assert.equal((await c.read({ method: 'head', object: 'mp/big' })).status, 200);
    });

    it('applies R2 part-size rules with Miniflare codes', async () => {
      const small = await create('mp/s');
      const s1 = etagOf(await upload('mp/s', small, 1, bytes(100, 1)));
      const s2 = etagOf(await upload('mp/s', small, 2, bytes(100, 2)));
      const tooSmall = await complete('mp/s', small, [
        { etag: s1, part: 1 },
        { etag: s2, part: 2 },
      ]);
      assertError(tooSmall, 400, 10011);
      assert.equal(tooSmall.error?.message, 'Your proposed upload is smaller than the minimum allowed object size.');

      const uneven = await create('mp/u');
      const u = [
        etagOf(await upload('mp/u', uneven, 1, part1)),
        etagOf(await upload('mp/u', uneven, 2, bytes(5 * MiB + 1, 2))),
        etagOf(await upload('mp/u', uneven, 3, part3)),
      ];
      const unequal = await complete(
        'mp/u',
        uneven,
        u.map((etag, i) => ({ etag, part: i + 1 })),
      );
      assertError(unequal, 500, 10048);
      assert.equal(unequal.error?.message, 'There was a problem with the multipart upload.');
      const lastLarger = await complete('mp/u', uneven, [
        { etag: u[0]!, part: 1 },
        { etag: u[1]!, part: 2 },
      ]);
      assertError(lastLarger, 500, 10048);

      const wrong = await create('mp/e');
      const w1 = etagOf(await upload('mp/e', wrong, 1, bytes(10, 1)));
      assertError(await complete('mp/e', wrong, [{ etag: 'nope', part: 1 }]), 400, 10025);
      assertError(await complete('mp/e', wrong, [{ etag: w1, part: 2 }]), 400, 10025);
      assertError(
        await complete('mp/e', wrong, [
          { etag: w1, part: 1 },
          { etag: w1, part: 1 },
        ]),
        500,
        10001,
      );
      assertError(await complete('mp/e', wrong, []), 500, 10001);
      // Failed completes change nothing: the upload still completes.
      assert.equal((await complete('mp/e', wrong, [{ etag: w1, part: 1 }])).status, 200);
      assertError(await upload('mp/e', wrong, 0, Buffer.from('x')), 400, 10029);
    });

    it('answers unknown uploads and keys like Miniflare', async () => {
      assertError(await upload('mp/x', 'bogus', 1, Buffer.from('x')), 400, 10024);
      assertError(await complete('mp/x', 'bogus', [{ etag: 'x', part: 1 }]), 500, 10001);
      assertError(await c.write({ method: 'abortMultipartUpload', object: 'mp/x', uploadId: 'bogus' }), 500, 10001);
      const id = await create('mp/k1');
      assertError(await upload('mp/k2', id, 1, Buffer.from('x')), 400, 10024);
      assertError(await c.write({ method: 'createMultipartUpload', object: '' }), 400, 10020);
      const big = [{ k: 'k', v: 'v'.repeat(3000) }];
      assertError(await c.write({ method: 'createMultipartUpload', object: 'm', customFields: big }), 400, 10012);
    });

    it('a re-uploaded part replaces the old one, whose etag then goes stale', async () => {
      const id = await create('mp/r');
      const old = etagOf(await upload('mp/r', id, 1, bytes(10, 1)));
      const blobsBefore = await env.blobKeys();
      const fresh = etagOf(await upload('mp/r', id, 1, bytes(12, 5)));
      await env.service.settled();
      assert.equal((await env.blobKeys()).length, blobsBefore.length, 'the replaced part blob is deleted');
      assertError(await complete('mp/r', id, [{ etag: old, part: 1 }]), 400, 10025);
      assert.equal((await complete('mp/r', id, [{ etag: fresh, part: 1 }])).status, 200);
      assert.deepEqual((await c.read({ method: 'get', object: 'mp/r' })).value, bytes(12, 5));
    });

    it('abort, unused parts, overwrite and delete leave no part blob behind', async () => {
      await env.service.settled();
      const baseline = await env.blobKeys();
      const aborted = await create('mp/a');
      await upload('mp/a', aborted, 1, bytes(10, 1));
      assert.equal((await c.write({ method: 'abortMultipartUpload', object: 'mp/a', uploadId: aborted })).status, 200);
      assertError(await upload('mp/a', aborted, 2, Buffer.from('x')), 400, 10024);
      assertError(await complete('mp/a', aborted, []), 400, 10024);
      assert.equal((await c.read({ method: 'head', object: 'mp/a' })).status, 404);
      await env.service.settled();
      assert.deepEqual(await env.blobKeys(), baseline);

      const id = await create('mp/o');
      const kept = etagOf(await upload('mp/o', id, 1, bytes(10, 1)));
      await upload('mp/o', id, 2, bytes(10, 2)); // uploaded, never completed
      assert.equal((await complete('mp/o', id, [{ etag: kept, part: 1 }])).status, 200);
      await env.service.settled();
      assert.equal((await env.blobKeys()).length, baseline.length + 1);
      assert.equal((await c.write({ method: 'put', object: 'mp/o' }, 'single now')).status, 200);
      await env.service.settled();
      assert.equal((await env.blobKeys()).length, baseline.length + 1);
      assert.equal((await c.write({ method: 'delete', object: 'mp/o' })).status, 200);
      await env.service.settled();
      assert.deepEqual(await env.blobKeys(), baseline);
    });
  });
}
