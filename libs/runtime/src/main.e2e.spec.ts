import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Child,
  createTestDatabase,
  freePort,
  repoRoot,
  requireEnv,
  startChild,
  type TestDatabase,
  waitFor,
} from '@kiln/devtools/testing';
import { appToken } from '@kiln/storage';

const GATEWAY = join(repoRoot, 'libs/storage/dist/gateway/main.js');
const RUNTIME = join(repoRoot, 'libs/runtime/dist/main.js');

const APP = `export default { async fetch(req, env) {
  const n = Number(await env.KV.get('visits') ?? 0) + 1;
  await env.KV.put('visits', String(n));
  await env.FILES.put('last.txt', 'visit ' + n);
  return Response.json({ visits: n, file: await (await env.FILES.get('last.txt')).text() });
} };`;

/** `npm run gateway` and `npm run runtime` as separate processes, as a container would run them. */
describe('gateway and runtime processes', () => {
  let db: TestDatabase;
  let dir: string;
  const children: Child[] = [];
  const secret = randomBytes(32).toString('hex');
  let gatewayPort: number;

  const start = (name: string, script: string, env: NodeJS.ProcessEnv, lines: string[]) => {
    const child = startChild(name, process.execPath, [script], {
      env: { PATH: process.env['PATH'], ...env },
      onLine: (l) => lines.push(l),
    });
    children.push(child);
    return child;
  };

  /** The runtime's environment for the test app on `port`. */
  // A fresh app id per run: KV data lives in the shared Redis and would carry the visit count over.
  const appId = `visits-${randomBytes(4).toString('hex')}`;
  const runtimeEnv = (port: number, token = appToken(secret, appId)): NodeJS.ProcessEnv => ({
    KILN_APP_ID: appId,
    KILN_APP_DIR: join(dir, 'app'),
    KILN_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
    KILN_GATEWAY_TOKEN: token,
    RUNTIME_PORT: String(port),
    RUNTIME_WATCH: 'false',
  });

  before(async () => {
    db = await createTestDatabase('kiln_rt');
    dir = await mkdtemp(join(tmpdir(), 'kiln-rt-'));
    await mkdir(join(dir, 'app', 'src'), { recursive: true });
    await writeFile(join(dir, 'app', 'src', 'index.js'), APP);
    await writeFile(
      join(dir, 'app', 'wrangler.jsonc'),
      JSON.stringify({
        name: 'visits',
        main: 'src/index.js',
        compatibility_date: '2025-09-01',
        kv_namespaces: [{ binding: 'KV', id: 'main' }],
        r2_buckets: [{ binding: 'FILES', bucket_name: 'files' }],
      }),
    );
    gatewayPort = await freePort();
    const lines: string[] = [];
    const gateway = start(
      'gateway',
      GATEWAY,
      {
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_SECRET: secret,
        DATABASE_URL: db.url,
        REDIS_URL: requireEnv('REDIS_URL'),
        BLOB_FS_ROOT: join(dir, 'blobs'),
        LOG_LEVEL: 'warn',
      },
      lines,
    );
    await waitFor('gateway', async () => (await fetch(`http://127.0.0.1:${gatewayPort}/healthz`)).ok, {
      timeoutMs: 30_000,
      child: gateway,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${lines.join('\n')}`);
    });
  });

  after(async () => {
    for (const child of children) await child.stop('SIGTERM', 10_000);
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves an app whose KV and R2 data live behind the gateway', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const runtime = start('runtime', RUNTIME, runtimeEnv(port), lines);
    await waitFor('runtime', () => Promise.resolve(lines.some((l) => l.includes('serving on'))), {
      timeoutMs: 60_000,
      child: runtime,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${lines.join('\n')}`);
    });
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/`)).json(), { visits: 1, file: 'visit 1' });
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/`)).json(), { visits: 2, file: 'visit 2' });
    // A new runtime process (a recreated container) finds the same data.
    await runtime.stop('SIGTERM', 10_000);
    const again = start('runtime2', RUNTIME, runtimeEnv(port), lines);
    await waitFor(
      'runtime again',
      async () => (await fetch(`http://127.0.0.1:${port}/`, { method: 'HEAD' }).catch(() => ({ ok: false }))).ok,
      {
        timeoutMs: 60_000,
        child: again,
      },
    ).catch(() => undefined);
    const third = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { visits: number };
    assert.ok(third.visits >= 3, `visits continued from the stored count (got ${third.visits})`);
  });

  it('a wrong token makes the app fail loudly, not silently empty', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const runtime = start('runtime-bad-token', RUNTIME, runtimeEnv(port, 'x'.repeat(43)), lines);
    await waitFor('runtime', () => Promise.resolve(lines.some((l) => l.includes('serving on'))), {
      timeoutMs: 60_000,
      child: runtime,
    });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 500);
  });

  it('bad configuration stops each process with the variable named', async () => {
    const gwLines: string[] = [];
    const gw = start('gateway-bad', GATEWAY, { GATEWAY_SECRET: 'short', REDIS_URL: 'redis://127.0.0.1:1/0' }, gwLines);
    assert.equal((await gw.exited).code, 1);
    assert.ok(
      gwLines.some((l) => /GATEWAY_SECRET: must be at least 32 characters/.test(l)),
      gwLines.join('\n'),
    );
    assert.ok(
      gwLines.some((l) => /DATABASE_URL: is required/.test(l)),
      gwLines.join('\n'),
    );
    const rtLines: string[] = [];
    const rt = start(
      'runtime-bad',
      RUNTIME,
      { KILN_APP_ID: 'Not Valid', KILN_GATEWAY_MODE: 'carrier-pigeon' },
      rtLines,
    );
    assert.equal((await rt.exited).code, 1);
    assert.ok(
      rtLines.some((l) => /KILN_APP_ID: must be an app id/.test(l)),
      rtLines.join('\n'),
    );
    assert.ok(
      rtLines.some((l) => /KILN_GATEWAY_MODE: must be direct or proxy/.test(l)),
      rtLines.join('\n'),
    );
  });
});
