import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@kiln/devtools/testing';
import { type KilnStack, startKilnStack } from '@kiln/storage/testing';
import { appToken } from '@kiln/storage';
import { pino } from 'pino';
import { WorkerRuntime } from './worker-runtime.js';

const WRANGLER = `{
  // Cloudflare's own config file: the app deploys there unchanged.
  "name": "notes",
  "main": "src/index.js",
  "compatibility_date": "2025-09-01",
  "kv_namespaces": [{ "binding": "NOTES", "id": "notes-kv" }],
  "r2_buckets": [{ "binding": "FILES", "bucket_name": "notes-files" }],
  "assets": { "directory": "public" },
  "vars": { "GREETING": "hello" },
}`;

const worker = (version: string) => `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === '/api/notes' && req.method === 'POST') {
      const { id, text } = await req.json();
      await env.NOTES.put(id, text);
      await env.FILES.put(id + '.txt', text.toUpperCase());
      return Response.json({ ok: true, version: '${version}' });
    }
    if (url.pathname === '/api/notes') {
      const { keys } = await env.NOTES.list();
      const notes = await Promise.all(keys.map(async (k) => ({ id: k.name, text: await env.NOTES.get(k.name), file: await (await env.FILES.get(k.name + '.txt'))?.text() })));
      return Response.json({ version: '${version}', greeting: env.GREETING, notes });
    }
    return new Response('not found', { status: 404 });
  },
};`;

describe('WorkerRuntime: an app in workerd with gateway-backed bindings', () => {
  let stack: KilnStack;
  let appDir: string;
  let runtime: WorkerRuntime;
  let base: string;

  before(async () => {
    stack = await startKilnStack();
    appDir = await mkdtemp(join(tmpdir(), 'kiln-app-'));
    await mkdir(join(appDir, 'src'));
    await mkdir(join(appDir, 'public'));
    await writeFile(join(appDir, 'wrangler.jsonc'), WRANGLER);
    await writeFile(join(appDir, 'src', 'index.js'), worker('v1'));
    await writeFile(join(appDir, 'public', 'index.html'), '<!doctype html><h1>Notes</h1>');
    const port = await freePort();
    runtime = new WorkerRuntime(
      {
        appId: 'notes-app',
        appDir,
        host: '127.0.0.1',
        port,
        gateway: { url: stack.gatewayUrl, token: appToken(stack.secret, 'notes-app') },
      },
      pino({ level: 'silent' }),
    );
    await runtime.start();
    runtime.watch(50);
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await runtime?.stop();
    await stack?.close();
    await rm(appDir, { recursive: true, force: true });
  });

  it('serves static assets on its port', async () => {
    const res = await fetch(`${base}/`);
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.match(body, /<h1>Notes<\/h1>/, JSON.stringify([...res.headers]));
    // Paths that are not assets go to the Worker.
    const api = await fetch(`${base}/some/page`);
    assert.equal(api.status, 404);
    assert.equal(await api.text(), 'not found');
  });

  it('runs the Worker with KV, R2 and vars from wrangler.jsonc', async () => {
    const post = await fetch(`${base}/api/notes`, {
      method: 'POST',
      body: JSON.stringify({ id: 'n1', text: 'buy milk' }),
    });
    assert.deepEqual(await post.json(), { ok: true, version: 'v1' });
    const list: unknown = await (await fetch(`${base}/api/notes`)).json();
    assert.deepEqual(list, {
      version: 'v1',
      greeting: 'hello',
      notes: [{ id: 'n1', text: 'buy milk', file: 'BUY MILK' }],
    });
  });

  it('the data is in Redis under the app, not in the runtime', async () => {
    const keys = await stack.redis.keys('*notes-app*');
    assert.ok(keys.length > 0, 'KV data for notes-app is in Redis');
  });

  it('reloads on a code change without losing data', async () => {
    const before = runtime.generation;
    await writeFile(join(appDir, 'src', 'index.js'), worker('v2'));
    await waitFor('reload', () => Promise.resolve(runtime.generation > before), { timeoutMs: 20_000 });
    const list = (await (await fetch(`${base}/api/notes`)).json()) as { version: string; notes: unknown[] };
    assert.equal(list.version, 'v2');
    assert.equal(list.notes.length, 1);
  });

  it('a broken change keeps the previous version serving', async () => {
    const before = runtime.generation;
    await writeFile(join(appDir, 'src', 'index.js'), 'export default { fetch( {');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(runtime.generation, before);
    const list = (await (await fetch(`${base}/api/notes`)).json()) as { version: string };
    assert.equal(list.version, 'v2');
    await writeFile(join(appDir, 'src', 'index.js'), worker('v3'));
    await waitFor('reload', () => Promise.resolve(runtime.generation > before), { timeoutMs: 20_000 });
  });

  it('serves a D1 binding from wrangler.jsonc: database_id names the gateway database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-app-'));
    await mkdir(join(dir, 'src'));
    const databaseId = '6f1c2d7e-0b1a-4c55-9a1e-3b2f0c9d8e71';
    await writeFile(
      join(dir, 'wrangler.jsonc'),
      JSON.stringify({
        name: 'x',
        main: 'src/index.js',
        compatibility_date: '2025-09-01',
        d1_databases: [{ binding: 'DB', database_name: 'x-db', database_id: databaseId }],
      }),
    );
    await writeFile(
      join(dir, 'src', 'index.js'),
      `export default {
        async fetch(req, env) {
          await env.DB.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT)');
          const run = await env.DB.prepare('INSERT INTO t (name) VALUES (?)').bind('a').run();
          const rows = await env.DB.prepare('SELECT id, name FROM t').all();
          return Response.json({ lastRowId: run.meta.last_row_id, rows: rows.results });
        },
      };`,
    );
    const port = await freePort();
    const rt = new WorkerRuntime(
      {
        appId: 'x',
        appDir: dir,
        host: '127.0.0.1',
        port,
        gateway: { url: stack.gatewayUrl, token: appToken(stack.secret, 'x') },
      },
      pino({ level: 'silent' }),
    );
    try {
      await rt.start();
      const body: unknown = await (await fetch(`http://127.0.0.1:${port}/`)).json();
      assert.deepEqual(body, { lastRowId: 1, rows: [{ id: 1, name: 'a' }] });
      // The rows live in the gateway's Postgres, under this app and database id.
      assert.deepEqual(await stack.d1.listTables({ appId: 'x', resourceId: databaseId }), [{ name: 't', rows: 1 }]);
    } finally {
      await rt.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bad wrangler.jsonc names the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-app-'));
    await writeFile(join(dir, 'wrangler.jsonc'), '{ "name": "Bad Name", "compatibility_date": "2025-09-01" }');
    const rt = new WorkerRuntime(
      {
        appId: 'x',
        appDir: dir,
        host: '127.0.0.1',
        port: await freePort(),
        gateway: { url: stack.gatewayUrl, token: 'x'.repeat(43) },
      },
      pino({ level: 'silent' }),
    );
    await assert.rejects(rt.start(), /wrangler\.jsonc: name: must be a Worker name/);
    await rm(dir, { recursive: true, force: true });
  });
});
