import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, freePort, repoRoot, requireEnv, startChild, waitFor } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import { openSocket, writeDoApp } from './durable-objects.fixture.js';

const RUNTIME = join(repoRoot, 'libs/runtime/dist/main.js');

/** `npm run runtime` with strict Durable Object sync, killed with SIGKILL like a lost container. */
describe('Durable Objects survive SIGKILL of the runtime (strict sync, lease)', () => {
  let dir: string;
  const children: Child[] = [];
  const appId = `do-kill-${randomBytes(4).toString('hex')}`;

  /** A runtime process on a new port with a new, empty local directory; `ready` resolves once it serves. */
  const spawnRuntime = async () => {
    const port = await freePort();
    const lines: string[] = [];
    const child = startChild('runtime', process.execPath, [RUNTIME], {
      env: {
        PATH: process.env['PATH'],
        KILN_APP_ID: appId,
        KILN_APP_DIR: join(dir, 'app'),
        KILN_GATEWAY_URL: 'http://127.0.0.1:9',
        KILN_GATEWAY_TOKEN: 'x'.repeat(43),
        RUNTIME_PORT: String(port),
        RUNTIME_WATCH: 'false',
        RUNTIME_DO_SYNC: 'strict',
        RUNTIME_DO_PERSIST_DIR: await mkdtemp(join(dir, 'persist-')),
        RUNTIME_DO_BLOB_FS_ROOT: join(dir, 'blobs'),
        REDIS_URL: requireEnv('REDIS_URL'),
        RUNTIME_DO_LEASE_TTL_MS: '1500',
      },
      onLine: (l) => lines.push(l),
    });
    children.push(child);
    const serving = () => lines.some((l) => l.includes('serving on'));
    const ready = waitFor('runtime', () => Promise.resolve(serving()), { timeoutMs: 60_000, child }).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${lines.join('\n')}`);
      },
    );
    return { child, ready, serving, base: `http://127.0.0.1:${port}` };
  };
  const startRuntime = async () => {
    const runtime = await spawnRuntime();
    await runtime.ready;
    return runtime;
  };

  /** SIGKILL to the whole process group: node and its workerd die at once, nothing is flushed. */
  const kill = async (child: Child) => {
    process.kill(-child.process.pid!, 'SIGKILL');
    await child.exited;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-do-kill-'));
    await writeDoApp(join(dir, 'app'));
  });

  after(async () => {
    for (const child of children) {
      try {
        process.kill(-child.process.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const redis = new Redis(requireEnv('REDIS_URL'));
    await redis.del(`kiln:do:${appId}`);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('a waiting runtime takes over after SIGKILL: counter at exactly N, chat history kept, the alarm fires', async () => {
    const first = await startRuntime();
    const N = 30;
    for (let i = 1; i <= N; i++) {
      assert.deepEqual(await (await fetch(`${first.base}/counter/survivor/inc`)).json(), { n: i });
    }
    await fetch(`${first.base}/counter/survivor/arm?ms=5000`);
    // Chat messages arrive over a WebSocket, outside any HTTP request: the sweep saves them.
    const chat = await openSocket(`${first.base.replace('http', 'ws')}/room/kill`);
    chat.ws.send('before');
    chat.ws.send('the kill');
    await waitFor('echo', () => Promise.resolve(chat.received.length === 2), { timeoutMs: 5_000 });
    // Both messages are stored once echoed; a sweep starting after this (every 250 ms) uploads them.
    const echoed = Date.now();
    const redis = new Redis(requireEnv('REDIS_URL'));
    await waitFor(
      'chat room uploaded by the sweep',
      async () =>
        Date.now() > echoed + 1000 &&
        Object.keys(await redis.hgetall(`kiln:do:${appId}`)).some((k) => k.startsWith('do-app-ChatRoom/')),
      { timeoutMs: 5_000 },
    ).finally(() => redis.disconnect());
    // A second runtime for the same app waits for the lease while the first one holds it.
    const second = await spawnRuntime();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(second.serving(), false, 'the second runtime does not run the objects while the first holds them');
    await kill(first.child);
    // After the killed holder's lease expires, the second takes over with a fresh disk.
    await second.ready;
    const state = (await (await fetch(`${second.base}/counter/survivor`)).json()) as { sql: number; kv: number };
    assert.equal(state.sql, N, 'the last acknowledged write is there');
    assert.equal(state.kv, N);
    assert.deepEqual(await (await fetch(`${second.base}/counter/survivor/inc`)).json(), { n: N + 1 });
    assert.deepEqual(await (await fetch(`${second.base}/room/kill`)).json(), ['before', 'the kill']);
    await waitFor(
      'alarm after the kill',
      async () => {
        const s = (await (await fetch(`${second.base}/counter/survivor`)).json()) as { alarms: Record<string, number> };
        return s.alarms['alarm:fired'] === 1;
      },
      { timeoutMs: 15_000 },
    );
    await kill(second.child);
  });
});
