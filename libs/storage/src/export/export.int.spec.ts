import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireEnv } from '@kiln/devtools/testing';
import { Miniflare } from 'miniflare';
import { R2Service } from '../r2/index.js';
import { FsBlobDriver } from '../r2/index.js';
import { type KilnStack, startKilnStack } from '../testing/kiln-stack.js';
import { exportR2Bucket, type R2ManifestEntry } from './export-r2.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
// workerd keeps KV expirations in 32 bits: the far future has to stay before 2038.
const FAR = 2000000000;

const WRITER = `export default { async fetch(req, env) {
  await env.KV.put('greeting', 'héllo', { metadata: { lang: 'fr' } });
  await env.KV.put('bytes', new Uint8Array([0, 255, 1]));
  await env.KV.put('expiring', 'soon', { expiration: ${FAR} });
  await env.BUCKET.put('docs/a.txt', 'alpha', { httpMetadata: { contentType: 'text/plain', cacheControl: 'max-age=60' }, customMetadata: { owner: 'ana' } });
  await env.BUCKET.put('../odd key', new Uint8Array([9, 8, 7]));
  return new Response('ok');
} };`;

describe('export for the move to Cloudflare', () => {
  let stack: KilnStack;
  let out: string;

  before(async () => {
    stack = await startKilnStack({ blobs: 'fs' });
    out = await mkdtemp(join(tmpdir(), 'kiln-export-'));
    const mf = new Miniflare({
      modules: true,
      script: WRITER,
      compatibilityDate: '2025-09-01',
      ...stack.bindingOptions('direct', 'shop', { kv: { KV: 'main' }, r2: { BUCKET: 'files' } }),
    });
    try {
      assert.equal(await (await mf.dispatchFetch('http://app/')).text(), 'ok');
    } finally {
      await mf.dispose();
    }
  });

  after(async () => {
    await stack?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('dumps a KV namespace as the JSON wrangler kv bulk put reads, and it loads back identically', async () => {
    const run = spawnSync(process.execPath, [CLI, 'kv', '--app', 'shop', '--namespace', 'main'], {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl, REDIS_URL: requireEnv('REDIS_URL') },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const entries = JSON.parse(run.stdout) as Array<{
      key: string;
      value: string;
      base64?: boolean;
      expiration?: number;
      metadata?: unknown;
    }>;
    assert.deepEqual(entries, [
      { key: 'bytes', value: Buffer.from([0, 255, 1]).toString('base64'), base64: true },
      { key: 'expiring', value: 'soon', expiration: FAR },
      { key: 'greeting', value: 'héllo', metadata: { lang: 'fr' } },
    ]);
    // What `wrangler kv bulk put` does with the file, into Miniflare's own KV.
    const mf = new Miniflare({
      modules: true,
      script: 'export default { fetch() { return new Response("") } }',
      kvNamespaces: ['KV'],
    });
    const kv = (await mf.getKVNamespace('KV')) as unknown as {
      put(k: string, v: string | ArrayBuffer, o: object): Promise<void>;
      get(k: string, t: 'arrayBuffer'): Promise<ArrayBuffer | null>;
      getWithMetadata(k: string): Promise<{ value: string | null; metadata: unknown }>;
    };
    try {
      for (const e of entries) {
        const value = e.base64 ? new Uint8Array(Buffer.from(e.value, 'base64')).buffer : e.value;
        await kv.put(e.key, value, {
          ...(e.expiration ? { expiration: e.expiration } : {}),
          ...(e.metadata ? { metadata: e.metadata } : {}),
        });
      }
      const greeting = await kv.getWithMetadata('greeting');
      assert.deepEqual([greeting.value, greeting.metadata], ['héllo', { lang: 'fr' }]);
      assert.deepEqual([...new Uint8Array((await kv.get('bytes', 'arrayBuffer')) ?? new ArrayBuffer(0))], [0, 255, 1]);
    } finally {
      await mf.dispose();
    }
  });

  it('copies an R2 bucket with its metadata, as files, a manifest and a wrangler upload script', async () => {
    const r2 = new R2Service({ db: stack.db, blobs: new FsBlobDriver(stack.blobDir) });
    const manifest = await exportR2Bucket(r2, { appId: 'shop', resourceId: 'files' }, out, 'shop-files');
    assert.deepEqual(
      manifest.map((m) => [m.key, m.size, m.httpMetadata, m.customMetadata]),
      [
        ['../odd key', 3, {}, {}],
        ['docs/a.txt', 5, { contentType: 'text/plain', cacheControl: 'max-age=60' }, { owner: 'ana' }],
      ],
    );
    const onDisk = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as R2ManifestEntry[];
    assert.deepEqual(onDisk, manifest);
    assert.equal(await readFile(join(out, manifest[1]!.file), 'utf8'), 'alpha');
    assert.deepEqual([...(await readFile(join(out, manifest[0]!.file)))], [9, 8, 7]);
    const script = await readFile(join(out, 'upload.sh'), 'utf8');
    assert.match(
      script,
      /npx wrangler r2 object put 'shop-files\/docs\/a\.txt' --remote --file 'objects\/1' --content-type 'text\/plain' --cache-control 'max-age=60'/,
    );
    assert.match(script, /'shop-files\/\.\.\/odd key'/);
  });

  it('refuses bad arguments with usage and exit code 2', () => {
    const run = spawnSync(process.execPath, [CLI, 'kv', '--app', 'Bad App'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage:/);
  });
});
