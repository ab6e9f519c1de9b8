import { REFERENCE, comparisonTable } from './comparison-table.js';
import { Miniflare } from 'miniflare';
import { type BindingMode, startKilnStack } from '@kiln/storage/testing';
import type { Summary } from './stats.js';
import { type Op, runAll } from './time-requests.js';

const WORKER = `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const i = Number(url.searchParams.get('i') ?? 0);
    switch (url.pathname) {
      case '/setup':
        await env.DB.exec([
          'CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)',
          'CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, title TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)',
          'CREATE INDEX IF NOT EXISTS posts_user ON posts(user_id)',
          'CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT)',
        ].join('\\n'));
        await env.DB.batch(Array.from({ length: 100 }, (_, n) =>
          env.DB.prepare('INSERT INTO users (id, name, email) VALUES (?, ?, ?)').bind(n + 1, 'user' + n, 'u' + n + '@x')));
        await env.DB.batch(Array.from({ length: 500 }, (_, n) =>
          env.DB.prepare('INSERT INTO posts (user_id, title) VALUES (?, ?)').bind((n % 100) + 1, 'post ' + n)));
        return new Response('ok');
      case '/select':
        return Response.json(await env.DB.prepare('SELECT id, name, email FROM users WHERE id = ?').bind((i % 100) + 1).first());
      case '/insert':
        return Response.json((await env.DB.prepare('INSERT INTO events (kind, payload) VALUES (?, ?)').bind('click', '{"i":' + i + '}').run()).meta.changes);
      case '/batch':
        return Response.json((await env.DB.batch(Array.from({ length: 100 }, (_, n) =>
          env.DB.prepare('INSERT INTO events (kind, payload) VALUES (?, ?)').bind('bulk', String(n))))).length);
      case '/join':
        return Response.json((await env.DB.prepare(
          'SELECT u.id, u.name, count(p.id) AS posts, max(p.title) AS last FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id BETWEEN ? AND ? GROUP BY u.id ORDER BY posts DESC, u.id LIMIT 10'
        ).bind((i % 90) + 1, (i % 90) + 10).all()).results.length);
    }
    return new Response('no route', { status: 404 });
  },
};`;

const OPS: Op[] = [
  { name: 'point select (`first()` by primary key)', path: (i) => `/select?i=${i}`, iterations: 1000, target: 3 },
  { name: 'insert (`run()`)', path: (i) => `/insert?i=${i}`, iterations: 400 },
  { name: '100-row insert `batch()`', path: () => '/batch', iterations: 100 },
  { name: 'join + GROUP BY (10 of 100 users, 500 posts)', path: (i) => `/join?i=${i}`, iterations: 300 },
];

const VARIANTS: { label: string; mode: BindingMode }[] = [
  { label: 'Kiln direct', mode: 'direct' },
  { label: 'Kiln proxy', mode: 'proxy' },
];

async function measure(mf: Miniflare): Promise<Summary[]> {
  await mf.ready;
  const setup = await mf.dispatchFetch('http://bench/setup');
  if (!setup.ok) throw new Error(`d1 bench setup: ${setup.status} ${await setup.text()}`);
  return runAll(mf, OPS);
}

/** D1 point select, insert, 100-row batch and a join through workerd: Kiln's gateway vs Miniflare's local D1. */
export async function d1Bench(log: (line: string) => void): Promise<string> {
  const base = { modules: true, script: WORKER, compatibilityDate: '2025-09-01' } as const;
  const results = new Map<string, Summary[]>();
  const reference = new Miniflare({ ...base, d1Databases: { DB: 'bench-db' } });
  try {
    results.set(REFERENCE, await measure(reference));
  } finally {
    await reference.dispose();
  }
  const stack = await startKilnStack({ blobs: 'fs' });
  try {
    for (const variant of VARIANTS) {
      const kiln = new Miniflare({
        ...base,
        ...stack.bindingOptions(variant.mode, 'bench', { d1: { DB: `bench-${variant.mode}` } }),
      });
      try {
        results.set(variant.label, await measure(kiln));
      } finally {
        await kiln.dispose();
      }
    }
  } finally {
    await stack.close();
  }
  return comparisonTable({
    title: '## D1 through workerd (`bench/src/d1-bench.ts`)',
    intro: [
      'One request to the Worker per operation; p50 / p99 in ms and the p50 ratio to Miniflare. Kiln:',
      "the gateway's D1 service (SQLite SQL translated to Postgres, one Postgres transaction per call),",
      "reached *direct* (workerd's D1 shim → gateway as an external service, the runtime's default) or",
      "through Miniflare's *proxy*. Reference: Miniflare's local D1 (SQLite in a Durable Object, in",
      'process) in the same run. Data: 100 users, 500 posts; inserts go to a table with no index.',
    ],
    ops: OPS,
    variants: VARIANTS.map((v) => v.label),
    results,
    judged: { labels: ['Kiln direct'], name: 'direct' },
    log,
  });
}
