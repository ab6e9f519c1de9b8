import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { freePort } from '@kiln/devtools/testing';
import { WorkerRuntime } from '@kiln/runtime';
import {
  type BlobDriver,
  DoVersionIndex,
  type DoSyncMode,
  DurableObjectSync,
  FsBlobDriver,
  S3BlobDriver,
} from '@kiln/storage';
import { startS3Server } from '@kiln/storage/testing';
import { pino } from 'pino';
import { REFERENCE, comparisonTable } from './comparison-table.js';
import { ms, type Summary, summarise } from './stats.js';
import { type Op, runAll, type Target } from './time-requests.js';

// One object (`idFromName('bench')`) serves every operation, so a strict flush scans the same
// files a small app would have: that object and its class's alarm database.
const WORKER = `import { DurableObject } from 'cloudflare:workers';

export class Bench extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hits (n INTEGER NOT NULL)');
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)');
  }
  ping() { return 'pong'; }
  seed() {
    for (let id = 1; id <= 100; id++) this.ctx.storage.sql.exec('INSERT OR REPLACE INTO rows (id, body) VALUES (?, ?)', id, 'row ' + id);
  }
  increment() {
    return this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec('INSERT INTO hits (n) VALUES (1)');
      const n = this.ctx.storage.sql.exec('SELECT count(*) AS c FROM hits').one().c;
      this.ctx.storage.kv.put('count', n);
      return n;
    });
  }
  async put(key, value) { await this.ctx.storage.put(key, value); }
  async get(key) { return (await this.ctx.storage.get(key)) ?? null; }
  insert(body) { this.ctx.storage.sql.exec('INSERT INTO events (body) VALUES (?)', body); }
  select(id) { return this.ctx.storage.sql.exec('SELECT body FROM rows WHERE id = ?', id).toArray()[0]?.body ?? null; }
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const i = Number(url.searchParams.get('i') ?? 0);
    const stub = env.BENCH.get(env.BENCH.idFromName('bench'));
    const found = (v) => (v === null ? new Response('missing', { status: 500 }) : new Response(String(v)));
    switch (url.pathname) {
      case '/seed': await stub.seed(); return new Response('ok');
      case '/ping': return new Response(await stub.ping());
      case '/inc': return Response.json(await stub.increment());
      // A new value each time (still 100 B): rewriting an identical value changes no file, so nothing would be uploaded.
      case '/put': await stub.put('k' + (i % 100), (await req.text()).slice(String(i).length) + i); return new Response('ok');
      case '/get': return found(await stub.get('k' + (i % 100)));
      case '/insert': await stub.insert('{"i":' + i + '}'); return new Response('ok');
      case '/select': return found(await stub.select((i % 100) + 1));
    }
    return new Response('no route', { status: 404 });
  },
};`;

const WRANGLER = {
  name: 'do-bench',
  main: 'src/index.js',
  compatibility_date: '2025-09-01',
  durable_objects: { bindings: [{ name: 'BENCH', class_name: 'Bench' }] },
  migrations: [{ tag: 'v1', new_sqlite_classes: ['Bench'] }],
};

// `/put` runs before `/get`, so every key read has been written.
const OPS: Op[] = [
  { name: 'round trip (DO method, no storage)', path: (i) => `/ping?i=${i}`, iterations: 300 },
  { name: 'counter increment (SQL + KV in one transaction)', path: () => '/inc', iterations: 200 },
  { name: '`storage.put` (100 B)', path: (i) => `/put?i=${i}`, body: 'v'.repeat(100), iterations: 200 },
  { name: '`storage.get` (100 B)', path: (i) => `/get?i=${i}`, iterations: 300 },
  { name: 'SQL insert (one row)', path: (i) => `/insert?i=${i}`, iterations: 200 },
  { name: 'SQL select by primary key (100 rows)', path: (i) => `/select?i=${i}`, iterations: 300 },
];

interface Variant {
  label: string;
  mode: DoSyncMode | 'off';
  blobs: 'fs' | 's3';
}

const VARIANTS: Variant[] = [
  { label: 'Kiln, sync off', mode: 'off', blobs: 'fs' },
  { label: 'Kiln, strict, fs blobs', mode: 'strict', blobs: 'fs' },
  { label: 'Kiln, strict, S3 (s3rver)', mode: 'strict', blobs: 's3' },
  { label: 'Kiln, relaxed, fs blobs', mode: 'relaxed', blobs: 'fs' },
];

// The runtime never reaches the gateway here: the bench app has no KV/R2/D1 bindings.
const NO_GATEWAY = { url: 'http://127.0.0.1:9', token: 'x'.repeat(43) };

async function measure(target: Target): Promise<Summary[]> {
  const seed = await target.dispatchFetch('http://bench/seed');
  if (!seed.ok) throw new Error(`do bench seed: ${seed.status} ${await seed.text()}`);
  return runAll(target, OPS);
}

/**
 * Kiln's runtime (WorkerRuntime, as `npm run runtime` builds it) with sync off, strict or
 * relaxed: versions in Redis, snapshots in `blobs`, the app lease held.
 */
async function measureKiln(
  dir: string,
  { mode }: Variant,
  blobs: BlobDriver,
): Promise<{ results: Summary[]; flushMs: number[] }> {
  const appId = `bench-do-${mode}-${randomBytes(3).toString('hex')}`;
  const persistDir = await mkdtemp(join(dir, `persist-${mode}-`));
  let connection: ReturnType<typeof DoVersionIndex.connect> | undefined;
  let sync: DurableObjectSync | undefined;
  if (mode !== 'off') {
    const redisUrl = process.env['REDIS_URL'];
    if (!redisUrl) throw new Error('do bench: REDIS_URL is not set');
    connection = DoVersionIndex.connect(redisUrl, (err) => process.stderr.write(`do bench redis: ${err.message}\n`));
    sync = new DurableObjectSync({
      appId,
      persistDir,
      blobs,
      index: connection.index,
      lease: connection.lease({ appId, holder: `bench:${process.pid}`, ttlMs: 10_000, waitMs: 10_000 }),
      logger: pino({ level: 'warn' }),
      mode,
      windowMs: 250,
    });
  }
  const runtime = new WorkerRuntime(
    {
      appId,
      appDir: join(dir, 'app'),
      host: '127.0.0.1',
      port: await freePort(),
      gateway: NO_GATEWAY,
      durableObjects: { persistDir },
    },
    pino({ level: 'warn' }),
    sync,
  );
  try {
    await runtime.start();
    return { results: await measure(runtime), flushMs: [...(sync?.stats.flushMs ?? [])] };
  } finally {
    await runtime.stop();
    connection?.close();
  }
}

/** Durable Object round trip, KV-API and SQL storage through workerd: Kiln's runtime (sync off, strict, relaxed) vs Miniflare's local DO. */
export async function doBench(log: (line: string) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-do-bench-'));
  const results = new Map<string, Summary[]>();
  const flushes = new Map<string, Summary>();
  try {
    await mkdir(join(dir, 'app', 'src'), { recursive: true });
    await writeFile(join(dir, 'app', 'src', 'index.js'), WORKER);
    await writeFile(join(dir, 'app', 'wrangler.jsonc'), JSON.stringify(WRANGLER, null, 2));
    const reference = new Miniflare({
      modules: true,
      script: WORKER,
      compatibilityDate: WRANGLER.compatibility_date,
      durableObjects: { BENCH: { className: 'Bench', useSQLite: true } },
      durableObjectsPersist: await mkdtemp(join(dir, 'persist-reference-')),
    });
    try {
      await reference.ready;
      results.set(REFERENCE, await measure(reference));
    } finally {
      await reference.dispose();
    }
    const s3 = await startS3Server(join(dir, 's3'), 'kiln-do-bench');
    try {
      for (const variant of VARIANTS) {
        const blobs =
          variant.blobs === 'fs'
            ? new FsBlobDriver(join(dir, 'blobs'))
            : new S3BlobDriver({
                endPoint: '127.0.0.1',
                port: s3.port,
                useSSL: false,
                accessKey: 'S3RVER',
                secretKey: 'S3RVER',
                bucket: 'kiln-do-bench',
              });
        const { results: summaries, flushMs } = await measureKiln(dir, variant, blobs);
        results.set(variant.label, summaries);
        if (variant.mode === 'strict') flushes.set(variant.label, summarise(flushMs));
      }
    } finally {
      await s3.child.stop('SIGTERM', 5000);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const uploads = [...flushes].map(([label, f]) => `${label}: ${f.n}, p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms`);
  for (const line of uploads) log(`strict uploads, ${line}`);
  const table = comparisonTable({
    title: '## Durable Objects through workerd (`bench/src/do-bench.ts`)',
    intro: [
      'One request to the Worker per operation, which calls one object (`idFromName`) by RPC; p50 / p99 in',
      'ms and the p50 ratio to Miniflare. Kiln: the runtime (`WorkerRuntime`) with `RUNTIME_DO_SYNC` off,',
      '`strict` (the response waits for the upload of the objects that wrote; a request that wrote nothing',
      'still pays the front Worker and a scan of the files) or `relaxed` (uploads every 250 ms in the',
      'background). Store: versions in Redis, snapshots in a blob directory or an S3 server process (s3rver',
      "standing in for MinIO). Reference: Miniflare's local SQLite-backed DO with a persist directory, no",
      'sync, in the same run.',
    ],
    ops: OPS,
    variants: VARIANTS.map((v) => v.label),
    results,
    judged: { labels: ['Kiln, sync off'], name: 'sync off' },
    log,
  });
  return `${table}\n\nStrict uploads (snapshot + blob put + Redis commit, one per writing request): ${uploads.join('; ')}.`;
}
