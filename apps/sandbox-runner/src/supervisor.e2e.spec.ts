import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import type { TInstance } from '@kiln/contracts';
import { type Child, startRunnerProcess } from '@kiln/devtools/testing';
import {
  code,
  ensureImage,
  IMAGE,
  removeRunnerResources,
  skipWithoutDocker,
  socket,
  testRunner,
  WORKER,
} from './testing/docker-fixture.js';

const TOKEN = randomBytes(24).toString('hex');
const docker = new Docker({ socketPath: socket });
type Envelope<T> = { data: T; error: { code: string; message: string } | null };

describe('idle reaper', { skip: skipWithoutDocker }, () => {
  const RUNNER_NAME = `kr-${randomBytes(4).toString('hex')}`;
  const app = testRunner(RUNNER_NAME, TOKEN, {
    PREVIEW_IDLE_TTL_MS: '1500',
    // Passes run when the test asks (app.supervisor.sweep()), besides the one at start.
    REAPER_INTERVAL_MS: '3600000',
  });
  const create = async (body: object) => {
    const res = await app.inject({
      method: 'POST',
      url: '/instances',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: body,
    });
    const { data, error } = res.json<Envelope<TInstance>>();
    assert.ok(data, JSON.stringify(error));
    return data;
  };

  before(() => ensureImage());
  after(async () => {
    await app.close();
    await removeRunnerResources(RUNNER_NAME);
  });

  it('removes previews unused for the TTL, spares used ones and published instances', async () => {
    const idle = await create({ appId: 'idle', userId: 'u1' });
    const published = await create({ appId: 'pub', userId: 'u1', class: 'published', files: [WORKER, code('p')] });
    await new Promise((r) => setTimeout(r, 1000));
    const used = await create({ appId: 'used', userId: 'u2' });
    await new Promise((r) => setTimeout(r, 700));
    // `idle` was last used 1.7 s ago, `used` 0.7 s ago.
    const report = await app.supervisor.sweep();
    assert.deepEqual(report.removedIdle, [idle.id]);
    const left = (await app.inject({ method: 'GET', url: '/instances', headers: { authorization: `Bearer ${TOKEN}` } }))
      .json<Envelope<TInstance[]>>()
      .data.map((i) => i.id)
      .sort();
    assert.deepEqual(left, [published.id, used.id].sort());
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /kiln_reaper_actions_total\{action="removed_idle"[^}]*\} 1/);
    assert.match(metrics, /kiln_instances\{state="running",class="published"[^}]*\} 1/);
  });
});

describe('caps under concurrent creates', { skip: skipWithoutDocker }, () => {
  const RUNNER_NAME = `kc-${randomBytes(4).toString('hex')}`;
  const app = testRunner(RUNNER_NAME, TOKEN, {
    MAX_INSTANCES_PER_USER: '3',
    WARM_POOL_SIZE: '2',
  });
  before(async () => {
    ensureImage();
    await app.ready();
    await app.supervisor.sweep();
    await app.supervisor.poolSettled();
  });
  after(async () => {
    await app.close();
    await removeRunnerResources(RUNNER_NAME);
  });

  it('six creates at once for one user: exactly three succeed (warm and cold alike), three get 429', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        app
          .inject({
            method: 'POST',
            url: '/instances',
            headers: { authorization: `Bearer ${TOKEN}` },
            payload: { appId: `c${i}`, userId: 'carol', files: [WORKER, code(`c${i}`)] },
          })
          .then((r) => r.statusCode),
      ),
    );
    assert.deepEqual(
      statuses.sort(),
      [201, 201, 201, 429, 429, 429],
      'the cap holds under concurrency and counts each instance once',
    );
  });
});

describe('runner killed with instances running, then restarted', { skip: skipWithoutDocker }, () => {
  const RUNNER_NAME = `kk-${randomBytes(4).toString('hex')}`;
  let runner: Child | undefined;
  let base = '';

  async function startRunner(): Promise<void> {
    ({ url: base, child: runner } = await startRunnerProcess({
      DOCKER_SOCKET: socket,
      RUNNER_TOKEN: TOKEN,
      RUNNER_NAME,
    }));
  }

  async function api<T>(method: string, path: string, body?: object): Promise<Envelope<T> & { status: number }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, ...((await res.json()) as Envelope<T>) };
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  before(async () => {
    ensureImage();
    await startRunner();
  });
  after(async () => {
    runner?.process.kill('SIGKILL');
    await removeRunnerResources(RUNNER_NAME);
  });

  it('adopts every instance, restarts the stopped published app and removes the orphan', async () => {
    const preview = await api<TInstance>('POST', '/instances', {
      appId: 'prev',
      userId: 'alice',
      files: [WORKER, code('preview')],
    });
    assert.equal(preview.status, 201, JSON.stringify(preview.error));
    const published = await api<TInstance>('POST', '/instances', {
      appId: 'pub',
      userId: 'alice',
      class: 'published',
      files: [WORKER, code('published')],
    });
    assert.equal(published.data.state, 'ready', JSON.stringify(published.error));

    // What a runner killed in the middle of a create leaves behind.
    const orphanId = randomBytes(8).toString('hex');
    const orphan = await docker.createContainer({
      name: `${RUNNER_NAME}-${orphanId}-creating`,
      Image: IMAGE,
      Labels: { 'kiln.managed': 'true', 'kiln.runner': RUNNER_NAME, 'kiln.instance': orphanId },
    });
    await orphan.start();

    const poolNames = async () =>
      (await docker.listContainers({ filters: { label: [`kiln.runner=${RUNNER_NAME}`, 'kiln.pool=true'] } }))
        .map((c) => c.Names[0] ?? '')
        .filter((n) => n.includes('-pool-'))
        .sort();
    await until('the warm pool is full', async () => (await poolNames()).length === 2);
    const poolBefore = await poolNames();

    runner?.process.kill('SIGKILL');
    // While no runner runs, the published app's container is stopped (an engine restart would do the same).
    await docker.getContainer(`${RUNNER_NAME}-${published.data.id}`).stop({ t: 1 });
    await startRunner();

    await until('the published app is started again and ready', async () => {
      const p = await api<TInstance>('GET', `/instances/${published.data.id}`);
      return p.data?.state === 'ready';
    });
    const listed = (await api<TInstance[]>('GET', '/instances')).data.map((i) => i.id).sort();
    assert.deepEqual(listed, [preview.data.id, published.data.id].sort(), 'both adopted, the orphan not listed');
    await until('the orphan is removed', async () => {
      const left = await docker.listContainers({ all: true, filters: { label: [`kiln.instance=${orphanId}`] } });
      return left.length === 0;
    });
    assert.equal(await (await fetch(`${base}/preview/${preview.data.id}/x`)).text(), 'preview /x');
    assert.deepEqual(await poolNames(), poolBefore, 'the free pool containers are adopted, not replaced');
    assert.equal(await (await fetch(`${base}/preview/${published.data.id}/y`)).text(), 'published /y');
  });

  it('restart: a preview comes back with its files; a published app cannot be changed in place', async () => {
    const all = (await api<TInstance[]>('GET', '/instances')).data;
    const p = all.find((i) => i.class === 'preview');
    const pub = all.find((i) => i.class === 'published');
    assert.ok(p && pub);
    const restarted = await api<TInstance>('POST', `/instances/${p.id}/restart`);
    assert.equal(restarted.data?.state, 'ready', JSON.stringify(restarted.error));
    assert.equal(await (await fetch(`${base}/preview/${p.id}/again`)).text(), 'preview /again');
    const write = await api('PUT', `/instances/${pub.id}/files`, { files: [code('changed')] });
    assert.equal(write.status, 409);
    assert.match(write.error?.message ?? '', /published/);
  });
});
