import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { TExecResult, TInstance } from '@kiln/contracts';
import { runnerEnv } from './config.js';
import { createRunner } from './create-runner.js';

const socket = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
// .ci/run starts dockerd; on a developer machine without an engine this test is skipped, in CI it fails.
const skip = !existsSync(socket) && !process.env['CI'] ? `no Docker engine at ${socket}` : undefined;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE = 'kiln/runtime:dev';
const TOKEN = randomBytes(24).toString('hex');
// Every container, volume and network this file creates carries this runner name as a label.
const RUNNER_NAME = `kt-${randomBytes(4).toString('hex')}`;

function ensureImage(): void {
  const present = spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status === 0;
  if (present) return;
  const build = spawnSync('bash', ['infra/build-runtime-image.sh'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0)
    throw new Error(`building ${IMAGE} with infra/build-runtime-image.sh failed:\n${build.stderr}${build.stdout}`);
}

const WORKER = {
  path: 'wrangler.jsonc',
  content: '{ "name": "hello", "main": "src/index.js", "compatibility_date": "2025-01-01" }',
};
// Answers "<greeting> <path>", and echoes WebSocket messages with the greeting.
const code = (greeting: string) => ({
  path: 'src/index.js',
  content: `export default {
  fetch(req) {
    if (req.headers.get('upgrade') === 'websocket') {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener('message', (e) => server.send('${greeting} ' + e.data));
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response('${greeting} ' + new URL(req.url).pathname);
  },
};`,
});

describe('instances on a real Docker engine', { skip }, () => {
  let app: FastifyInstance;
  let base: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  async function api<T>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; data: T; error: { code: string; message: string } | null }> {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: auth,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const json = res.json<{ data: T; error: { code: string; message: string } | null }>();
    return { status: res.statusCode, data: json.data, error: json.error };
  }

  before(async () => {
    ensureImage();
    app = createRunner(
      runnerEnv.parse({
        LOG_LEVEL: 'silent',
        DOCKER_SOCKET: socket,
        RUNNER_TOKEN: TOKEN,
        RUNNER_NAME,
        MAX_INSTANCES_PER_USER: '2',
        MAX_INSTANCES: '3',
        INSTANCE_PIDS: '64',
        INSTANCE_MEMORY_MB: '256',
        INSTANCE_MAX_FILE_BYTES: '65536',
      }),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    const docker = new Docker({ socketPath: socket });
    const label = [`kiln.runner=${RUNNER_NAME}`];
    for (const c of await docker.listContainers({ all: true, filters: { label } }))
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters: { label } })) await docker.getNetwork(n.Id).remove();
    const { Volumes } = await docker.listVolumes({ filters: { label } });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove();
  });

  it('refuses requests without the service token', async () => {
    const res = await app.inject({ method: 'GET', url: '/instances' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'UNAUTHORIZED');
  });

  let id = '';
  it('create with files → ready → served through the proxy → reload → exec → logs → delete', async () => {
    const created = await api<TInstance>('POST', '/instances', {
      appId: 'hello',
      userId: 'alice',
      files: [WORKER, code('hello')],
    });
    assert.equal(created.status, 201, JSON.stringify(created.error));
    assert.equal(created.data.state, 'ready');
    id = created.data.id;

    const page = await fetch(`${base}/preview/${id}/some/path?x=1`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), 'hello /some/path');

    const ws = new WebSocket(`${base.replace('http', 'ws')}/preview/${id}/socket`);
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.addEventListener('open', () => ws.send('ping'));
      ws.addEventListener('message', (e) => resolve(String(e.data)));
      ws.addEventListener('error', () => reject(new Error('WebSocket through the proxy failed')));
    });
    ws.close();
    assert.equal(echoed, 'hello ping');

    const written = await api('PUT', `/instances/${id}/files`, { files: [code('bonjour')] });
    assert.equal(written.status, 200, JSON.stringify(written.error));
    const deadline = Date.now() + 15_000;
    let text = '';
    while (Date.now() < deadline && !text.startsWith('bonjour')) {
      text = await (await fetch(`${base}/preview/${id}/`)).text();
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(text, 'bonjour /', 'the runtime reloads after a file write');

    const read = await api<{ content: string }>('GET', `/instances/${id}/files?path=src/index.js`);
    assert.match(Buffer.from(read.data.content, 'base64').toString(), /bonjour/);

    const exec = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: ['node', '-e', 'console.log(process.getuid(), require("fs").readdirSync("/app").sort().join(","))'],
    });
    assert.equal(exec.data.exitCode, 0, exec.data.stderr);
    assert.equal(exec.data.stdout.trim(), '10001 src,wrangler.jsonc');

    const slow = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: ['node', '-e', 'setTimeout(() => {}, 60000)'],
      timeoutMs: 500,
    });
    assert.equal(slow.data.timedOut, true);
    assert.equal(slow.data.exitCode, 124);

    const logs = await api<{ stdout: string }>('GET', `/instances/${id}/logs`);
    assert.match(logs.data.stdout, /app hello serving/);

    const deleted = await api('DELETE', `/instances/${id}/files?path=src/index.js`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.error));
    assert.equal((await api('GET', `/instances/${id}/files?path=src/index.js`)).status, 400);
  });

  it('refuses path traversal, absolute paths, links and oversized files with 400/413', async () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../x', 'a//b', 'a\\b']) {
      const res = await api('PUT', `/instances/${id}/files`, { files: [{ path, content: 'x' }] });
      assert.equal(res.status, 400, `${path}: ${res.status}`);
      assert.equal(res.error?.code, 'VALIDATION_FAILED');
    }
    assert.equal((await api('GET', `/instances/${id}/files?path=../../etc/passwd`)).status, 400);
    const link = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: ['node', '-e', 'require("fs").symlinkSync("/etc/passwd", "/app/leak")'],
    });
    assert.equal(link.data.exitCode, 0, link.data.stderr);
    const viaLink = await api('GET', `/instances/${id}/files?path=leak`);
    assert.equal(viaLink.status, 400);
    assert.match(viaLink.error?.message ?? '', /link/);
    const huge = await api('PUT', `/instances/${id}/files`, {
      files: [{ path: 'big.bin', content: 'x'.repeat(70_000) }],
    });
    assert.equal(huge.status, 413);
    assert.equal((await api('GET', '/instances/nothex')).status, 400);
    assert.equal((await api('GET', '/instances/0123456789abcdef')).status, 404);
    assert.equal((await api('POST', '/instances', { appId: 'x', userId: 'bob', template: 'nope' })).status, 400);
  });

  it('a fork bomb stays under the pid limit and the preview keeps serving', async () => {
    const bomb = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: [
        'node',
        '-e',
        `const { spawn } = require('child_process'); let failed = 0;
         for (let i = 0; i < 200; i++) { try { spawn('/usr/local/bin/node', ['-e', 'setTimeout(() => {}, 1000)'], { stdio: 'ignore' }).on('error', () => failed++); } catch { failed++; } }
         setTimeout(() => { console.log(require('fs').readFileSync('/sys/fs/cgroup/pids/pids.max', 'utf8').trim(), failed); process.exit(0); }, 2500);`,
      ],
      timeoutMs: 20_000,
    });
    const [max, failed] = bomb.data.stdout.trim().split(' ');
    assert.equal(max, '64', bomb.data.stdout + bomb.data.stderr);
    assert.ok(Number(failed) > 100, `spawns refused by the pid limit: ${failed}`);
    const page = await fetch(`${base}/preview/${id}/`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), 'bonjour /');
    // The bomb's children die on their own; until they have, the pid limit refuses new processes
    // (exec included). The instance must come back to normal, not stay wedged.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const probe = await api<TExecResult>('POST', `/instances/${id}/exec`, {
        command: ['node', '-e', '0'],
        timeoutMs: 10_000,
      });
      if (probe.data?.exitCode === 0) break;
      assert.ok(
        Date.now() < deadline,
        `exec still failing a minute after the fork bomb: ${JSON.stringify(probe.error ?? probe.data)}`,
      );
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  it('a memory hog is OOM-killed and reported', async () => {
    const hog = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: ['node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1));'],
      timeoutMs: 30_000,
    });
    assert.ok(hog.data, `exec failed: ${JSON.stringify(hog.error)}`);
    assert.equal(hog.data.exitCode, 137, hog.data.stderr);
    assert.equal(hog.data.oomKilled, true);
    // The kernel killed the hog, not the runtime: the preview still serves.
    const page = await fetch(`${base}/preview/${id}/`);
    assert.equal(page.status, 200);
  });

  it('caps: the third instance of a user and the fourth of the runner get 429', async () => {
    const second = await api<TInstance>('POST', '/instances', { appId: 'two', userId: 'alice' });
    assert.equal(second.status, 201, JSON.stringify(second.error));
    assert.equal(second.data.state, 'starting', 'no files yet: not ready');
    const third = await api('POST', '/instances', { appId: 'three', userId: 'alice' });
    assert.equal(third.status, 429);
    assert.equal(third.error?.code, 'RATE_LIMITED');
    assert.match(third.error?.message ?? '', /user already runs 2 of 2/);
    assert.equal((await api('POST', '/instances', { appId: 'b1', userId: 'bob' })).status, 201);
    const global = await api('POST', '/instances', { appId: 'b2', userId: 'bob' });
    assert.equal(global.status, 429);
    assert.match(global.error?.message ?? '', /runner already runs 3 of 3/);
    const list = await api<TInstance[]>('GET', '/instances?userId=alice');
    assert.equal(list.data.length, 2);
  });

  it('delete removes the container and its volume; the preview is gone', async () => {
    assert.equal((await api('DELETE', `/instances/${id}`)).status, 200);
    assert.equal((await api('GET', `/instances/${id}`)).status, 404);
    assert.equal((await fetch(`${base}/preview/${id}/`)).status, 404);
    const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=kiln.instance=${id}`], {
      encoding: 'utf8',
    });
    assert.equal(containers.trim(), '');
    const volumes = execFileSync('docker', ['volume', 'ls', '-q', '--filter', `label=kiln.instance=${id}`], {
      encoding: 'utf8',
    });
    assert.equal(volumes.trim(), '');
  });
});
