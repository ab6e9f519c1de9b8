import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { deserialize } from 'node:v8';
import { freePort, repoRoot, requireEnv, waitFor } from '@kiln/devtools/testing';
import { DoVersionIndex, DurableObjectSync, FsBlobDriver } from '@kiln/storage';
import { Miniflare } from 'miniflare';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { openSocket, writeDoApp } from './durable-objects.fixture.js';
import { WorkerRuntime } from './worker-runtime.js';

const CLI = join(repoRoot, 'libs', 'storage', 'dist', 'export', 'main.js');
const NO_GATEWAY = { url: 'http://127.0.0.1:9', token: 'x'.repeat(43) };
const TOKEN = randomBytes(24).toString('hex');

interface ManifestEntry {
  namespace: string;
  className: string;
  objectId: string;
  name: string | null;
  file: string;
  dump: string;
  rows: Record<string, number>;
  kvKeys: number;
  alarm: string | null;
}

/** The app's Worker as its owner would change it for the move: the replay method on each class, the route in fetch. */
function withReplay(source: string): string {
  const patched = source
    .replace(
      /(export class \w+ extends DurableObject \{)/g,
      '$1\n  kilnReplay(dump) { return replayState(this.ctx, dump); }',
    )
    .replace(
      'async fetch(request, env) {\n    const url',
      "async fetch(request, env) {\n    if (new URL(request.url).pathname.startsWith('/__kiln/replay/')) return handleReplay(request, env);\n    const url",
    );
  assert.equal(patched.match(/kilnReplay\(dump\)/g)?.length, 2, 'both classes patched');
  assert.match(patched, /handleReplay\(request, env\)/);
  return `import { handleReplay, replayState } from './kiln-replay.js';\n${patched}`;
}

describe('Durable Object export for Cloudflare (state from workerd, replayed into Miniflare)', () => {
  let dir: string;
  let out: string;
  let redis: Redis;
  let manifest: ManifestEntry[];
  let armedAt: number;
  const appId = `do-export-${randomBytes(4).toString('hex')}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-do-export-'));
    out = join(dir, 'out');
    await writeDoApp(join(dir, 'app'));
    redis = new Redis(requireEnv('REDIS_URL'));
    const port = await freePort();
    const sync = new DurableObjectSync({
      appId,
      persistDir: join(dir, 'persist'),
      blobs: new FsBlobDriver(join(dir, 'blobs')),
      index: new DoVersionIndex(redis),
      logger: pino({ level: 'silent' }),
      mode: 'strict',
      windowMs: 100,
    });
    const runtime = new WorkerRuntime(
      {
        appId,
        appDir: join(dir, 'app'),
        host: '127.0.0.1',
        port,
        gateway: NO_GATEWAY,
        durableObjects: { persistDir: join(dir, 'persist') },
      },
      pino({ level: 'silent' }),
      sync,
    );
    await runtime.start();
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 1; i <= 3; i++) assert.deepEqual(await (await fetch(`${base}/counter/a/inc`)).json(), { n: i });
      armedAt = ((await (await fetch(`${base}/counter/a/arm?ms=3600000`)).json()) as { alarm: number }).alarm;
      assert.deepEqual(await (await fetch(`${base}/counter/a/remember`)).json(), { ok: true });
      assert.deepEqual(await (await fetch(`${base}/counter/b/inc`)).json(), { n: 1 });
      const { ws, received } = await openSocket(`ws://127.0.0.1:${port}/room/main`);
      ws.send('one');
      ws.send('two');
      await waitFor('echo', () => Promise.resolve(received.length === 2), { timeoutMs: 5_000 });
      ws.close();
    } finally {
      // The stop uploads the final state (the chat messages included).
      await runtime.stop();
    }
    await writeFile(join(dir, 'names.txt'), 'a\nmain\nnever-used\n');
    const run = spawnSync(
      process.execPath,
      [
        CLI,
        'do',
        '--app',
        appId,
        '--out',
        out,
        '--names',
        join(dir, 'names.txt'),
        '--binding',
        'Counter=COUNTER',
        '--binding',
        'ChatRoom=ROOM',
      ],
      {
        env: { ...process.env, RUNTIME_DO_BLOB_DRIVER: 'fs', RUNTIME_DO_BLOB_FS_ROOT: join(dir, 'blobs') },
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /exported 3 durable objects .*\(1 without a known name/);
    manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as ManifestEntry[];
  });

  after(async () => {
    await redis?.del(`kiln:do:${appId}`);
    redis?.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one SQLite file per object (latest version), named where a given name matches its id', async () => {
    const byName = (name: string | null, cls: string) =>
      manifest.find((m) => m.name === name && m.className === cls) ?? assert.fail(`no ${cls} ${name}`);
    assert.equal(manifest.length, 3, JSON.stringify(manifest));
    const a = byName('a', 'Counter');
    const b = byName(null, 'Counter');
    const room = byName('main', 'ChatRoom');
    assert.equal(a.namespace, 'do-app-Counter');
    assert.deepEqual(a.rows, { hits: 3, notes: 1 });
    assert.equal(a.alarm, new Date(armedAt).toISOString());
    assert.deepEqual(b.rows, { hits: 1 });

    const counter = new DatabaseSync(join(out, a.file), { readOnly: true, readBigInts: true });
    try {
      assert.equal(counter.prepare('SELECT count(*) AS c FROM hits').get()?.['c'], 3n);
      const kv = counter.prepare("SELECT value FROM _cf_KV WHERE key = 'count'").get() as { value: Uint8Array };
      assert.equal(deserialize(kv.value), 3);
      assert.deepEqual(
        { ...counter.prepare('SELECT id, hex(body) AS body, big FROM notes').get() },
        { id: 7n, body: '090807', big: 9223372036854775807n },
      );
    } finally {
      counter.close();
    }
    const chat = new DatabaseSync(join(out, room.file), { readOnly: true });
    try {
      assert.deepEqual(
        chat
          .prepare('SELECT text FROM messages ORDER BY id')
          .all()
          .map((r) => r['text']),
        ['one', 'two'],
      );
    } finally {
      chat.close();
    }
    const script = await readFile(join(out, 'replay.sh'), 'utf8');
    assert.match(script, /^post 'Counter\?name=a' 'objects\/do-app-Counter\/[0-9a-f]{64}\.json'$/m);
    assert.match(script, new RegExp(`^# post 'Counter' 'objects/do-app-Counter/${b.objectId}\\.json'$`, 'm'));
  });

  it('the replay snippet puts the state into a plain Miniflare DO: rows, KV values, alarm', async () => {
    const app = join(dir, 'replay-app');
    await mkdir(app);
    await writeFile(join(app, 'index.js'), withReplay(await readFile(join(dir, 'app', 'src', 'index.js'), 'utf8')));
    await writeFile(join(app, 'kiln-replay.js'), await readFile(join(out, 'kiln-replay.js'), 'utf8'));
    const mf = new Miniflare({
      // The same Worker name as on Kiln, so Miniflare's idFromName ids match the exported ones.
      name: 'do-app',
      modules: true,
      scriptPath: join(app, 'index.js'),
      modulesRoot: app,
      // As wrangler does: .js modules are ES modules (Miniflare's default treats imported .js as CommonJS).
      modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }],
      compatibilityDate: '2025-09-01',
      bindings: { KILN_REPLAY_TOKEN: TOKEN },
      durableObjects: {
        COUNTER: { className: 'Counter', useSQLite: true },
        ROOM: { className: 'ChatRoom', useSQLite: true },
      },
    });
    const replay = async (entry: ManifestEntry, token = TOKEN) =>
      mf.dispatchFetch(
        `http://app/__kiln/replay/${entry.className}${entry.name === null ? '' : `?name=${encodeURIComponent(entry.name)}`}`,
        { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: await readFile(join(out, entry.dump)) },
      );
    try {
      const denied = await replay(manifest[0]!, 'wrong-token-of-some-length');
      assert.equal(denied.status, 403);
      await denied.arrayBuffer();
      for (const entry of manifest) {
        const res = await replay(entry);
        const text = await res.text();
        assert.equal(res.status, 200, text);
        const reply = JSON.parse(text) as { id: string; name: string | null; result: { rows: number } };
        assert.equal(reply.name, entry.name);
        assert.equal(
          reply.result.rows,
          Object.values(entry.rows).reduce((x, y) => x + y, 0),
        );
        // Named objects land at idFromName(name), here Miniflare's id for it: the same as Kiln's.
        if (entry.name !== null) assert.equal(reply.id, entry.objectId);
        else assert.notEqual(reply.id, entry.objectId, 'a nameless object gets a new unique id');
      }
      // Twice is the same as once.
      const again = await replay(manifest.find((m) => m.name === 'a')!);
      assert.equal(again.status, 200, await again.text());

      const state = (await (await mf.dispatchFetch('http://app/counter/a')).json()) as Record<string, unknown>;
      assert.deepEqual(
        { sql: state['sql'], kv: state['kv'], alarm: state['alarm'] },
        { sql: 3, kv: 3, alarm: armedAt },
      );
      assert.deepEqual(await (await mf.dispatchFetch('http://app/counter/a/recall')).json(), {
        at: '2026-01-02T00:00:00.000Z',
        tags: ['x', 'y'],
        bytes: [0, 1, 255],
        big: (2n ** 70n).toString(),
        scores: [['ana', 1.5]],
        note: [{ id: 7, body: '090807', big: '9223372036854775807' }],
      });
      assert.deepEqual(await (await mf.dispatchFetch('http://app/room/main')).json(), ['one', 'two']);
      // The object the app would reach as "a" keeps counting from the replayed state.
      assert.deepEqual(await (await mf.dispatchFetch('http://app/counter/a/inc')).json(), { n: 4 });
    } finally {
      await mf.dispose();
    }
  });
});
