import { REFERENCE, comparisonTable } from './comparison-table.js';
import { Miniflare } from 'miniflare';
import { type BindingMode, startKilnStack } from '@kiln/storage/testing';
import type { Summary } from './stats.js';
import { runAll, type Op } from './time-requests.js';

const WORKER = `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const k = url.searchParams.get('k');
    switch (url.pathname) {
      case '/kv/get': return new Response(await env.KV.get(k));
      case '/kv/put': await env.KV.put(k, await req.text()); return new Response('ok');
      case '/kv/list': return Response.json((await env.KV.list({ prefix: 'list/', limit: 100 })).keys.length);
      case '/r2/put': await env.BUCKET.put(k, await req.arrayBuffer()); return new Response('ok');
      case '/r2/get': { const o = await env.BUCKET.get(k); return new Response(String((await o.arrayBuffer()).byteLength)); }
      case '/r2/list': return Response.json((await env.BUCKET.list({ prefix: 'list/', limit: 100 })).objects.length);
    }
    return new Response('no route', { status: 404 });
  },
};`;

interface Variant {
  label: string;
  mode: BindingMode;
  blobs: 'fs' | 's3';
}

const VARIANTS: Variant[] = [
  { label: 'Kiln direct, fs blobs', mode: 'direct', blobs: 'fs' },
  { label: 'Kiln direct, S3 (s3rver)', mode: 'direct', blobs: 's3' },
  { label: 'Kiln proxy, S3 (s3rver)', mode: 'proxy', blobs: 's3' },
];

async function seed(mf: Miniflare): Promise<void> {
  await mf.ready;
  for (let i = 0; i < 100; i++) {
    await mf.dispatchFetch(`http://bench/kv/put?k=list/${i}`, { method: 'POST', body: 'x' });
    await mf.dispatchFetch(`http://bench/r2/put?k=list/${i}`, { method: 'POST', body: 'x' });
  }
}

/** KV get/put/list and R2 1 MiB put/get and list through workerd: Kiln's gateway vs Miniflare's local bindings. */
export async function storageBench(log: (line: string) => void): Promise<string> {
  const mib = new Uint8Array(1024 * 1024).fill(7);
  const ops: Op[] = [
    { name: 'KV put (100 B)', path: (i) => `/kv/put?k=k${i % 100}`, body: 'v'.repeat(100), iterations: 400 },
    { name: 'KV get (100 B)', path: (i) => `/kv/get?k=k${i % 100}`, iterations: 1000, target: 1.5 },
    { name: 'KV list (100 keys)', path: () => '/kv/list', iterations: 200 },
    { name: 'R2 put 1 MiB', path: (i) => `/r2/put?k=obj${i % 20}`, body: mib, iterations: 100 },
    { name: 'R2 get 1 MiB', path: (i) => `/r2/get?k=obj${i % 20}`, iterations: 200, target: 2 },
    { name: 'R2 list (100 objects)', path: () => '/r2/list', iterations: 200 },
  ];
  const results = new Map<string, Summary[]>();
  const reference = new Miniflare({
    modules: true,
    script: WORKER,
    compatibilityDate: '2025-09-01',
    kvNamespaces: { KV: 'kv' },
    r2Buckets: { BUCKET: 'r2' },
  });
  try {
    await seed(reference);
    results.set(REFERENCE, await runAll(reference, ops));
  } finally {
    await reference.dispose();
  }
  for (const variant of VARIANTS) {
    const stack = await startKilnStack({ blobs: variant.blobs });
    const kiln = new Miniflare({
      modules: true,
      script: WORKER,
      compatibilityDate: '2025-09-01',
      ...stack.bindingOptions(variant.mode, 'bench', { kv: { KV: 'kv' }, r2: { BUCKET: 'r2' } }),
    });
    try {
      await seed(kiln);
      results.set(variant.label, await runAll(kiln, ops));
    } finally {
      await kiln.dispose();
      await stack.close();
    }
  }
  return comparisonTable({
    title: '## KV and R2 through workerd (`bench/src/storage-bench.ts`)',
    intro: [
      'One request to the Worker per operation; p50 / p99 in ms and the p50 ratio to Miniflare. Kiln:',
      'the binding gateway on Redis (KV) and Postgres + blobs (R2), reached either *direct* (workerd',
      "binding → gateway as an external service, the runtime's default) or through Miniflare's",
      '*proxy* (`remoteProxyConnectionString`). Blobs in a directory (embedded mode) or in an S3 server',
      "process (s3rver standing in for MinIO). Reference: Miniflare's local KV/R2 in the same run.",
    ],
    ops,
    variants: VARIANTS.map((v) => v.label),
    results,
    judged: { labels: VARIANTS.slice(0, 2).map((v) => v.label), name: 'direct, best driver' },
    log,
  });
}
