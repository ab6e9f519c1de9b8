import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireEnv, waitFor } from '@kiln/devtools/testing';
import { type BlobDriver, DoVersionIndex, type DoSyncMode, DurableObjectSync, FsBlobDriver } from '@kiln/storage';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { openSocket, writeDoApp } from './durable-objects.fixture.js';
import { WorkerRuntime } from './worker-runtime.js';

const NO_GATEWAY = { url: 'http://127.0.0.1:9', token: 'x'.repeat(43) };

describe('Durable Objects synced to the object store (real workerd, Redis, fs blobs)', () => {
  let dir: string;
  let redis: Redis;
  let index: DoVersionIndex;
  let blobs: FsBlobDriver;
  const appId = `do-sync-${randomBytes(4).toString('hex')}`;
  const running: WorkerRuntime[] = [];
  /** Set to make every blob upload fail, as an unreachable store would. */
  let storeDown = false;
  const flakyBlobs = (): BlobDriver => ({
    put: (key, body, size) =>
      storeDown ? Promise.reject(new Error('store unreachable (test)')) : blobs.put(key, body, size),
    get: (key, range) => blobs.get(key, range),
    delete: (keys) => blobs.delete(keys),
    exists: (key) => blobs.exists(key),
  });

  /** A runtime on a fresh port with a fresh local directory, as a new container would have. */
  const startRuntime = async (mode: DoSyncMode | 'off', maxObjectBytes?: number) => {
    const port = await freePort();
    const persistDir = await mkdtemp(join(dir, 'persist-'));
    const sync = new DurableObjectSync({
      appId,
      persistDir,
      blobs: flakyBlobs(),
      index,
      logger: pino({ level: 'silent' }),
      mode: mode === 'off' ? 'strict' : mode,
      windowMs: 100,
      ...(maxObjectBytes === undefined ? {} : { maxObjectBytes }),
    });
    const runtime = new WorkerRuntime(
      { appId, appDir: join(dir, 'app'), host: '127.0.0.1', port, gateway: NO_GATEWAY, durableObjects: { persistDir } },
      pino({ level: 'silent' }),
      mode === 'off' ? undefined : sync,
    );
    await runtime.start();
    running.push(runtime);
    return { runtime, sync, base: `http://127.0.0.1:${port}`, port };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-do-sync-'));
    await writeDoApp(join(dir, 'app'));
    redis = new Redis(requireEnv('REDIS_URL'));
    index = new DoVersionIndex(redis);
    blobs = new FsBlobDriver(join(dir, 'blobs'));
  });

  after(async () => {
    for (const runtime of running) await runtime.stop().catch(() => undefined);
    await redis.del(`kiln:do:${appId}`);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  /** Median and p90 round trip of N increments of counter `name`. */
  const timeIncrements = async (base: string, name: string, N: number) => {
    const latencies: number[] = [];
    for (let i = 1; i <= N; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/counter/${name}/inc`);
      latencies.push(performance.now() - t0);
      assert.deepEqual(await res.json(), { n: i });
    }
    latencies.sort((x, y) => x - y);
    return `median ${latencies[N >> 1]!.toFixed(1)} ms, p90 ${latencies[Math.floor(N * 0.9)]!.toFixed(1)} ms`;
  };

  it('strict: every acknowledged increment is in the store; a fresh disk restores it exactly', async () => {
    const N = 25;
    const off = await startRuntime('off');
    const offFigures = await timeIncrements(off.base, 'baseline', N);
    await off.runtime.stop();
    const a = await startRuntime('strict');
    const strictFigures = await timeIncrements(a.base, 'k', N);
    const stored = await index.list(appId);
    const counter = [...stored.entries()].find(([k]) => k.startsWith('do-app-Counter/') && !k.endsWith('/metadata'));
    assert.ok(counter, [...stored.keys()].join(', '));
    assert.ok(counter[1].version >= N, `version ${counter[1].version} grew with each write`);
    const flushes = [...a.sync.stats.flushMs].sort((x, y) => x - y);
    console.log(
      `increment round trip, ${N} requests: sync off ${offFigures}; strict ${strictFigures}; upload (flush) median ${flushes[flushes.length >> 1]!.toFixed(1)} ms`,
    );
    // Another process would be SIGKILLed here (see the e2e test); dropping the runtime's disk is the same for the store.
    const b = await startRuntime('strict');
    assert.equal(((await (await fetch(`${b.base}/counter/k`)).json()) as { sql: number }).sql, N);
    assert.deepEqual(await (await fetch(`${b.base}/counter/k/inc`)).json(), { n: N + 1 });
    // Without a lease (production has one) two live runtimes would both upload the class's
    // shared alarm database; each test leaves none running.
    await a.runtime.stop();
    await b.runtime.stop();
  });

  it('strict: when the upload fails the client gets a 503, never a success; the next request saves both writes', async () => {
    const a = await startRuntime('strict');
    assert.deepEqual(await (await fetch(`${a.base}/counter/flaky/inc`)).json(), { n: 1 });
    storeDown = true;
    const failed = await fetch(`${a.base}/counter/flaky/inc`);
    storeDown = false;
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get('x-kiln-do-sync'), 'failed');
    assert.match(await failed.text(), /store unreachable/);
    // The write is in the local object (only its acknowledgement failed) and goes out with the next upload.
    assert.deepEqual(await (await fetch(`${a.base}/counter/flaky/inc`)).json(), { n: 3 });
    await a.runtime.stop();
    const b = await startRuntime('strict');
    assert.equal(((await (await fetch(`${b.base}/counter/flaky`)).json()) as { sql: number }).sql, 3);
    await b.runtime.stop();
  });

  it('strict: a write that takes an object over the size limit is answered 507 with the reason; the store keeps the last good version', async () => {
    // The limit is the exact size of a counter after one increment, measured on another counter.
    const before = await index.list(appId);
    const probe = await startRuntime('strict');
    await (await fetch(`${probe.base}/counter/probe/inc`)).arrayBuffer();
    await probe.runtime.stop();
    const [probed] = [...(await index.list(appId))].filter(
      ([k]) => k.startsWith('do-app-Counter/') && !k.endsWith('/metadata') && !before.has(k),
    );
    assert.ok(probed, 'the probe counter was uploaded');
    const limit = probed[1].size;
    const a = await startRuntime('strict', limit);
    assert.deepEqual(await (await fetch(`${a.base}/counter/capped/inc`)).json(), { n: 1 });
    // A new table and a structured value: more pages than one increment needs.
    const refused = await fetch(`${a.base}/counter/capped/remember`);
    assert.equal(refused.status, 507);
    assert.equal(refused.headers.get('x-kiln-do-sync'), 'failed');
    assert.match(await refused.text(), /over the limit of \d+ bytes; not saved, the store keeps version \d+/);
    // A request that does not write the oversized object is not failed for it.
    assert.deepEqual(await (await fetch(`${a.base}/counter/other/inc`)).json(), { n: 1 });
    await a.runtime.stop();
    const b = await startRuntime('strict');
    const state = (await (await fetch(`${b.base}/counter/capped`)).json()) as { sql: number };
    assert.equal(state.sql, 1);
    const recall = await fetch(`${b.base}/counter/capped/recall`);
    assert.equal(recall.status, 500, 'the refused write (table notes) is not in the restored object');
    await recall.arrayBuffer();
    await b.runtime.stop();
  });

  it('chat room history written over WebSockets is saved by the sweep and restored', async () => {
    const a = await startRuntime('relaxed');
    const { ws, received } = await openSocket(`ws://127.0.0.1:${a.port}/room/main`);
    ws.send('one');
    ws.send('two');
    await waitFor('echo', () => Promise.resolve(received.length === 2), { timeoutMs: 5_000 });
    ws.close();
    await a.sync.flush();
    const b = await startRuntime('relaxed');
    assert.deepEqual(await (await fetch(`${b.base}/room/main`)).json(), ['one', 'two']);
    await a.runtime.stop();
    await b.runtime.stop();
  });

  it('an alarm set before the runtime goes away fires in the next runtime', async () => {
    const a = await startRuntime('strict');
    await fetch(`${a.base}/counter/alarmed/arm?ms=1500`);
    await a.runtime.stop();
    const b = await startRuntime('strict');
    await waitFor(
      'alarm after restart',
      async () => {
        const state = (await (await fetch(`${b.base}/counter/alarmed`)).json()) as { alarms: Record<string, number> };
        return state.alarms['alarm:fired'] === 1;
      },
      { timeoutMs: 10_000 },
    );
    await b.runtime.stop();
  });
});
