import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobDriver, BlobRange } from './blob-driver.js';
import { migrateR2Schema } from './r2-migrations.js';
import { bodyBytes, R2TestClient, split } from './r2-test-client.js';
import { DRIVER_KINDS, startR2TestEnv, type R2TestEnv } from './r2-test-env.js';

const MiB = 1024 * 1024;

/** Counts the bytes the service actually pulls out of the blob store. */
class CountingDriver implements BlobDriver {
  pulled = 0;
  constructor(private readonly inner: BlobDriver) {}
  put(key: string, body: Readable, size: number) {
    return this.inner.put(key, body, size);
  }
  delete(keys: readonly string[]) {
    return this.inner.delete(keys);
  }
  exists(key: string) {
    return this.inner.exists(key);
  }
  async get(key: string, range?: BlobRange): Promise<Readable> {
    const source = await this.inner.get(key, range);
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.pulled += chunk.length;
        done(null, chunk);
      },
    });
    source.once('error', (err) => counter.destroy(err));
    counter.once('close', () => source.destroy());
    return source.pipe(counter);
  }
}

/** `size` deterministic bytes, generated chunk by chunk: the test never holds the object either. */
function generated(size: number, seed: number): { stream: Readable; size: number; md5: () => string } {
  const hash = createHash('md5');
  let digest: string | undefined;
  function* chunks(): Generator<Buffer> {
    for (let offset = 0; offset < size; offset += MiB) {
      const chunk = Buffer.alloc(Math.min(MiB, size - offset), (offset / MiB + seed) & 255);
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), size, md5: () => (digest ??= hash.digest('hex')) };
}

for (const kind of DRIVER_KINDS) {
  describe(`R2 integrity on Postgres + ${kind} blobs`, () => {
    let env: R2TestEnv;
    let counting: CountingDriver;
    let c: R2TestClient;

    before(async () => {
      env = await startR2TestEnv(kind, (blobs) => (counting = new CountingDriver(blobs)));
      c = env.client();
    });
    after(() => env.close());

    it('streams a 30 MiB object in and out without holding it in memory', async () => {
      const value = generated(30 * MiB, 7);
      const put = await c.write({ method: 'put', object: 'big' }, value);
      assert.equal(put.status, 200, JSON.stringify(put.error));
      assert.equal((put.metadata as { etag: string }).etag, value.md5());

      const res = await c.readRaw({ method: 'get', object: 'big' });
      assert.ok(res.body instanceof Readable, 'get answers a stream, not a buffer');
      assert.equal(res.headers?.['content-length'], String(Number(res.headers?.['cf-r2-metadata-size']) + 30 * MiB));
      const pulledBefore = counting.pulled;
      const it = res.body[Symbol.asyncIterator]();
      const first = (await it.next()).value as Buffer;
      await sleep(100);
      assert.ok(counting.pulled - pulledBefore < 4 * MiB, `read ahead ${counting.pulled - pulledBefore} bytes`);

      const metaSize = Number(res.headers?.['cf-r2-metadata-size']);
      const hash = createHash('md5');
      let total = first.length - metaSize;
      let largest = 0;
      hash.update(first.subarray(metaSize));
      for (let next = await it.next(); !next.done; next = await it.next()) {
        const chunk = next.value as Buffer;
        hash.update(chunk);
        total += chunk.length;
        largest = Math.max(largest, chunk.length);
      }
      assert.equal(total, 30 * MiB);
      assert.equal(hash.digest('hex'), value.md5());
      assert.ok(largest <= 2 * MiB, `largest chunk ${largest}`);
    });

    it('a reader keeps its version while the key is overwritten and deleted', async () => {
      await env.service.settled();
      const before = await env.blobKeys();
      const v1 = await c.write({ method: 'put', object: 'snap' }, Buffer.alloc(2 * MiB, 1));
      const v1Blob = `app-1/files/${(v1.metadata as { version: string }).version}`;
      const res = await c.readRaw({ method: 'get', object: 'snap' });
      const it = (res.body as Readable)[Symbol.asyncIterator]();
      const first = (await it.next()).value as Buffer;
      await c.write({ method: 'put', object: 'snap' }, Buffer.alloc(2 * MiB, 2));
      await c.write({ method: 'delete', object: 'snap' });
      await sleep(50);
      assert.ok((await env.blobKeys()).includes(v1Blob), 'a leased blob outlives its row');
      const chunks = [first];
      for (let next = await it.next(); !next.done; next = await it.next()) chunks.push(next.value as Buffer);
      const body = Buffer.concat(chunks).subarray(Number(res.headers?.['cf-r2-metadata-size']));
      assert.deepEqual(body, Buffer.alloc(2 * MiB, 1));
      await env.service.settled();
      assert.deepEqual(await env.blobKeys(), before);
      assert.equal((await c.read({ method: 'head', object: 'snap' })).status, 404);
    });

    it('a download abandoned mid-way releases its blob', async () => {
      const v1 = await c.write({ method: 'put', object: 'abandoned' }, Buffer.alloc(2 * MiB, 1));
      const v1Blob = `app-1/files/${(v1.metadata as { version: string }).version}`;
      const res = await c.readRaw({ method: 'get', object: 'abandoned' });
      const body = res.body as Readable;
      await body[Symbol.asyncIterator]().next();
      body.destroy(); // the Worker's client went away
      await c.write({ method: 'put', object: 'abandoned' }, 'v2');
      await env.service.settled();
      assert.equal((await env.blobKeys()).includes(v1Blob), false);
    });

    it('a failed or short upload never becomes visible and leaves no blob', async () => {
      const u = env.client('app-1', 'failing');
      // Fails after some value bytes went through, as a client dropping mid-upload does.
      let sent = false;
      const broken = new Readable({
        read() {
          if (sent) return;
          sent = true;
          this.push(Buffer.from('abc'));
          setTimeout(() => this.destroy(new Error('connection reset')), 30);
        },
      });
      const failed = await u.write({ method: 'put', object: 'x' }, { stream: broken, size: 10 });
      assert.equal(failed.status, 500);
      assert.equal(failed.error?.v4code, 10001);
      // Fails right after the descriptor, while the service is still busy with the database.
      const immediate = new Readable({
        read() {
          this.destroy(new Error('connection reset'));
        },
      });
      const early = await u.write(
        { method: 'put', object: 'x', onlyIf: { uploadedBefore: '9' } },
        { stream: immediate, size: 10 },
      );
      assert.ok(early.status >= 400 && early.error !== undefined, JSON.stringify(early));
      const short = await u.write(
        { method: 'put', object: 'x' },
        { stream: Readable.from([Buffer.from('abc')]), size: 10 },
      );
      assert.equal(short.status, 400);
      assert.equal(short.error?.v4code, 10029);
      assert.equal((await u.read({ method: 'head', object: 'x' })).status, 404);
      await env.service.settled();
      assert.deepEqual(
        (await env.blobKeys()).filter((k) => k.startsWith('app-1/failing/')),
        [],
      );
    });

    it('of concurrent "only if absent" puts exactly one wins, and overwrites leak no blob', async () => {
      const r = env.client('app-1', 'race');
      const onlyIfAbsent = { onlyIf: { etagDoesNotMatch: [{ type: 'wildcard' }] } };
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => r.write({ method: 'put', object: 'once', ...onlyIfAbsent }, `writer ${i}`)),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 412, 412, 412, 412, 412, 412, 412]);
      await Promise.all(Array.from({ length: 8 }, (_, i) => r.write({ method: 'put', object: 'many' }, `writer ${i}`)));
      await env.service.settled();
      assert.equal((await env.blobKeys()).filter((k) => k.startsWith('app-1/race/')).length, 2);
    });

    it('keeps tenants apart whatever the key, upload id or tenant ref says', async () => {
      const mine = env.client('app-1', 'shared');
      const otherApp = env.client('app-2', 'shared');
      const otherBucket = env.client('app-1', 'other');
      await mine.write({ method: 'put', object: 'secret' }, 'mine');
      for (const other of [otherApp, otherBucket]) {
        assert.equal((await other.read({ method: 'get', object: 'secret' })).status, 404);
        assert.deepEqual((await other.read({ method: 'list' })).metadata, {
          objects: [],
          truncated: false,
          delimitedPrefixes: [],
        });
        await other.write({ method: 'delete', object: 'secret' });
      }
      assert.equal((await mine.read({ method: 'get', object: 'secret' })).value.toString(), 'mine');
      const upload = await mine.write({ method: 'createMultipartUpload', object: 'mp' });
      const uploadId = (upload.metadata as { uploadId: string }).uploadId;
      const stolen = await otherApp.write({ method: 'uploadPart', object: 'mp', uploadId, partNumber: 1 }, 'x');
      assert.equal(stolen.error?.v4code, 10024);
      const bad = await split(
        await env.service.handle({ appId: '../app-1', resourceId: 'shared' }, readRequestFor('secret')),
      );
      assert.equal(bad.status, 500);
    });

    it('derives blob keys from generated ids only, whatever the object name', async () => {
      const k = env.client('app-1', 'crafted');
      for (const key of ['../../escape', '/abs', 'a\u0000b', '%2F..%2F', '..', 'C:\\x', '.tmp/x'])
        assert.equal((await k.write({ method: 'put', object: key }, 'x')).status, 200, key);
      const id = (await k.write({ method: 'createMultipartUpload', object: '../mp' })).metadata as { uploadId: string };
      await k.write({ method: 'uploadPart', object: '../mp', uploadId: id.uploadId, partNumber: 1 }, 'part');
      const keys = (await env.blobKeys()).filter((key) => key.startsWith('app-1/crafted/'));
      assert.equal(keys.length, 8);
      for (const key of keys) assert.match(key, /^app-1\/crafted\/(parts\/)?[0-9a-f]{32}$/);
      for (const key of await env.blobKeys()) assert.match(key, /^app-\d\/[a-z]+\/(parts\/)?[0-9a-f]{32}$/);
    });

    it('exports a bucket with descriptors and bytes, then deletes it completely', async () => {
      const e = env.client('app-1', 'export');
      await e.write({ method: 'put', object: 'b', customFields: [{ k: 'x', v: '1' }] }, 'bee');
      await e.write({ method: 'put', object: 'a' }, '');
      const mp = (await e.write({ method: 'createMultipartUpload', object: 'c' })).metadata as { uploadId: string };
      const part = await e.write({ method: 'uploadPart', object: 'c', uploadId: mp.uploadId, partNumber: 1 }, 'sea');
      const etag = (part.metadata as { etag: string }).etag;
      await e.write({
        method: 'completeMultipartUpload',
        object: 'c',
        uploadId: mp.uploadId,
        parts: [{ etag, part: 1 }],
      });
      const pending = (await e.write({ method: 'createMultipartUpload', object: 'd' })).metadata as {
        uploadId: string;
      };
      await e.write({ method: 'uploadPart', object: 'd', uploadId: pending.uploadId, partNumber: 1 }, 'dee');

      const exported: Array<[string, string, unknown]> = [];
      for await (const obj of env.service.exportBucket(e.ref))
        exported.push([obj.key, (await bodyBytes(await obj.body())).toString(), obj.descriptor.customFields]);
      assert.deepEqual(exported, [
        ['a', '', []],
        ['b', 'bee', [{ k: 'x', v: '1' }]],
        ['c', 'sea', []],
      ]);

      await env.service.deleteBucket(e.ref);
      assert.deepEqual(((await e.read({ method: 'list' })).metadata as { objects: unknown[] }).objects, []);
      assert.deepEqual(
        (await env.blobKeys()).filter((k) => k.startsWith('app-1/export/')),
        [],
      );
      assert.equal((await c.read({ method: 'get', object: 'big', range: { offset: '0', length: '1' } })).status, 200);
    });

    it('migrates idempotently, also when gateways start together', async () => {
      await Promise.all([migrateR2Schema(env.pool), migrateR2Schema(env.pool), migrateR2Schema(env.pool)]);
      const { rows } = await env.pool.query<{ id: number }>('SELECT id FROM kiln_r2.migrations ORDER BY id');
      assert.deepEqual(
        rows.map((r) => r.id),
        [1],
      );
    });
  });
}

function readRequestFor(key: string) {
  return {
    method: 'GET',
    url: new URL('https://fake-host'),
    headers: { 'cf-r2-request': JSON.stringify({ version: 1, method: 'head', object: key }) },
    body: Readable.from([]),
    contentLength: undefined,
  };
}
