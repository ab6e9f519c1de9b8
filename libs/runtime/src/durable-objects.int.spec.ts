import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@kiln/devtools/testing';
import { pino } from 'pino';
import { openSocket, writeDoApp } from './durable-objects.fixture.js';
import { WorkerRuntime } from './worker-runtime.js';

// Not used: the fixture app has no KV/R2/D1 bindings, so nothing calls the gateway.
const NO_GATEWAY = { url: 'http://127.0.0.1:9', token: 'x'.repeat(43) };

describe('Durable Objects in workerd (local persistence)', () => {
  let dir: string;
  let persistDir: string;
  let runtime: WorkerRuntime;
  let base: string;
  let port: number;

  const startRuntime = async () => {
    runtime = new WorkerRuntime(
      {
        appId: 'do-app',
        appDir: join(dir, 'app'),
        host: '127.0.0.1',
        port,
        gateway: NO_GATEWAY,
        durableObjects: { persistDir },
      },
      pino({ level: 'silent' }),
    );
    await runtime.start();
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-do-'));
    persistDir = join(dir, 'do');
    await writeDoApp(join(dir, 'app'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await startRuntime();
  });

  after(async () => {
    await runtime?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const json = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Record<string, unknown>;
  };

  it('a counter keeps SQL and KV state in one transaction; a failed transaction rolls back', async () => {
    for (let i = 1; i <= 3; i++) assert.deepEqual(await json('/counter/a/inc'), { n: i });
    assert.deepEqual(await json('/counter/b/inc'), { n: 1 }, 'another name is another object');
    const state = await json('/counter/a/fail');
    assert.equal(state['sql'], 3);
    assert.equal(state['kv'], 3);
    assert.equal(state['loaded'], true, 'blockConcurrencyWhile ran before the first call');
  });

  it('stores each object as <persist>/<worker>-<class>/<id>.sqlite', async () => {
    const files = await readdir(join(persistDir, 'do-app-Counter'));
    assert.ok(files.filter((f) => /^[0-9a-f]{64}\.sqlite$/.test(f)).length >= 2, files.join(', '));
  });

  it('alarms: set, read, delete, and fire', async () => {
    const armed = await json('/counter/c/arm?ms=60000');
    assert.equal(typeof armed['alarm'], 'number');
    assert.deepEqual(await json('/counter/c/disarm'), { alarm: null });
    await json('/counter/c/arm?ms=100');
    await waitFor('alarm', async () => Object.keys((await json('/counter/c'))['alarms'] as object).length > 0, {
      timeoutMs: 10_000,
    });
    assert.deepEqual((await json('/counter/c'))['alarms'], { 'alarm:fired': 1 });
  });

  it('a chat room broadcasts over hibernatable WebSockets and keeps its history', async () => {
    const wsUrl = `ws://127.0.0.1:${port}/room/lobby`;
    const alice = await openSocket(wsUrl);
    const bob = await openSocket(wsUrl);
    // Two senders on two connections have no defined order: bob answers once he has heard alice.
    alice.ws.send('hello');
    await waitFor('first broadcast', () => Promise.resolve(bob.received.length === 1), { timeoutMs: 5_000 });
    bob.ws.send('hi alice');
    await waitFor('broadcast', () => Promise.resolve(alice.received.length === 2 && bob.received.length === 2), {
      timeoutMs: 5_000,
    });
    assert.deepEqual(alice.received, ['hello', 'hi alice']);
    alice.ws.close();
    bob.ws.close();
    assert.deepEqual(await (await fetch(`${base}/room/lobby`)).json(), ['hello', 'hi alice']);
  });

  it('state survives a runtime restart on the same directory', async () => {
    await runtime.stop();
    await startRuntime();
    assert.equal((await json('/counter/a'))['sql'], 3);
    assert.deepEqual(await (await fetch(`${base}/room/lobby`)).json(), ['hello', 'hi alice']);
  });
});
