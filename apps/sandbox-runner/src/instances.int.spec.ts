import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { TExecResult, TInstance, TInstanceError } from '@kiln/contracts';
import {
  code,
  ensureImage,
  removeRunnerResources,
  skipWithoutDocker,
  socket,
  testRunner,
  WORKER,
} from './testing/docker-fixture.js';

const TOKEN = randomBytes(24).toString('hex');
// Every container, volume and network this file creates carries this runner name as a label.
const RUNNER_NAME = `kt-${randomBytes(4).toString('hex')}`;

describe('instances on a real Docker engine', { skip: skipWithoutDocker }, () => {
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

  // Stand-ins on the host, listening on every interface like real services do: the binding
  // gateway (the one port instances may reach) and another host service (Postgres, say).
  let gateway: Server;
  let hostService: Server;
  const listenAll = async (name: string) => {
    const server = createServer((_req, res) => res.end(name));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    return server;
  };
  const portOf = (server: Server) => (server.address() as AddressInfo).port;
  const getWithHost = (host: string, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(base);
      const req = request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  // Another address of the host (not the instance bridge's own): the host's first external IPv4.
  const otherHostAddress = () =>
    Object.entries(networkInterfaces())
      .filter(([name]) => !name.startsWith('br-') && !name.startsWith('veth'))
      .flatMap(([, addrs]) => addrs ?? [])
      .find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';

  before(async () => {
    ensureImage();
    gateway = await listenAll('gateway');
    hostService = await listenAll('host service');
    app = testRunner(RUNNER_NAME, TOKEN, {
      GATEWAY_URL: `http://kiln-gateway:${portOf(gateway)}`,
      PREVIEW_DOMAIN: 'preview.test',
      INSTANCE_DISK_MB: '24',
      INSTANCE_TMP_MB: '16',
      MAX_INSTANCES_PER_USER: '2',
      MAX_INSTANCES: '3',
      INSTANCE_PIDS: '64',
      INSTANCE_MEMORY_MB: '256',
      INSTANCE_MAX_FILE_BYTES: '65536',
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // The first create below starts from the warm pool.
    await app.supervisor.sweep();
    await app.supervisor.poolSettled();
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    gateway?.close();
    hostService?.close();
    await removeRunnerResources(RUNNER_NAME);
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

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /kiln_instance_create_seconds_count\{[^}]*class="preview",start="warm"[^}]*\} 1/);

    const page = await fetch(`${base}/preview/${id}/some/path?x=1`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), 'hello /some/path');

    // The same app on its own host: every path is the app's, the runner's /healthz included.
    assert.equal(created.data.previewHost, `${id}.preview.test`);
    assert.deepEqual(await getWithHost(`${id}.preview.test`, '/healthz?x=1'), { status: 200, body: 'hello /healthz' });
    const unknown = await getWithHost('0123456789abcdef.preview.test', '/');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /no instance 0123456789abcdef/);

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
    // The write already asked the runtime to reload; /reload answers once it has, so the very
    // next request sees the new code.
    const reloaded = await api<{ reloaded: boolean; error: string | null }>('POST', `/instances/${id}/reload`);
    assert.deepEqual(reloaded.data, { reloaded: true, error: null });
    assert.equal(await (await fetch(`${base}/preview/${id}/`)).text(), 'bonjour /', 'the runtime reloaded');

    const read = await api<{ content: string }>('GET', `/instances/${id}/files?path=src/index.js`);
    assert.match(Buffer.from(read.data.content, 'base64').toString(), /bonjour/);

    const exec = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: ['node', '-e', 'console.log(process.getuid(), require("fs").readdirSync("/app").sort().join(","))'],
    });
    assert.equal(exec.data.exitCode, 0, exec.data.stderr);
    assert.equal(exec.data.stdout.trim(), '10001 .kiln,src,wrangler.jsonc');

    const slow = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: ['node', '-e', 'setTimeout(() => {}, 60000)'],
      timeoutMs: 500,
    });
    assert.equal(slow.data.timedOut, true);
    assert.equal(slow.data.exitCode, 124);

    const logs = await api<{ stdout: string }>('GET', `/instances/${id}/logs`);
    assert.match(logs.data.stdout, /app hello serving/);

    // Followed logs: a file write makes the runtime reload, and its log line arrives on the stream.
    const following = new AbortController();
    const stream = await fetch(`${base}/instances/${id}/logs?follow=true&tail=1`, {
      headers: auth,
      signal: following.signal,
    });
    assert.equal(stream.headers.get('content-type'), 'application/x-ndjson');
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    await api('PUT', `/instances/${id}/files`, { files: [code('bonjour')] });
    let seen = '';
    while (!/worker reloaded/.test(seen)) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before the reload was logged: ${seen}`);
      seen += value;
    }
    following.abort();
    const line = seen.split('\n').find((l) => l.includes('worker reloaded')) ?? '';
    assert.equal((JSON.parse(line) as { stream: string }).stream, 'stdout');

    const deleted = await api('DELETE', `/instances/${id}/files?path=src/index.js`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.error));
    assert.equal((await api('GET', `/instances/${id}/files?path=src/index.js`)).status, 400);
  });

  it('a warm-started app cannot change the identity and environment the runner wrote', async () => {
    const tamper = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: [
        'node',
        '-e',
        `const fs = require('fs'); const out = {};
         const attempt = (name, f) => { try { f(); out[name] = 'done'; } catch (e) { out[name] = e.code; } };
         attempt('write', () => fs.writeFileSync('/app/.kiln/instance.json', '{"user":"mallory"}'));
         attempt('unlink', () => fs.unlinkSync('/app/.kiln/instance.json'));
         attempt('renameDir', () => fs.renameSync('/app/.kiln', '/app/elsewhere'));
         attempt('rmDir', () => fs.rmSync('/app/.kiln', { recursive: true }));
         console.log(JSON.stringify(out));`,
      ],
    });
    // The files are root's; /app is sticky, so the app user cannot move the folder away either.
    assert.deepEqual(JSON.parse(tamper.data.stdout), {
      write: 'EACCES',
      unlink: 'EACCES',
      renameDir: 'EPERM',
      rmDir: 'EACCES',
    });
    const listed = await api<TInstance>('GET', `/instances/${id}`);
    assert.equal(listed.data.userId, 'alice');
    assert.equal(listed.data.appId, 'hello');
    assert.equal(
      (await api('PUT', `/instances/${id}/files`, { files: [{ path: '.kiln/env.json', content: '{}' }] })).status,
      400,
    );
  });

  it('collects the app’s errors: console errors, uncaught exceptions, failed reloads', async () => {
    const since = new Date().toISOString();
    const failing = {
      path: 'src/index.js',
      content: `export default {
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === '/boom') throw new Error('kaboom in handler');
    console.error('could not load todos', 42);
    console.warn('slow query');
    return new Response('logged');
  },
};`,
    };
    const get = (path: string) => fetch(`${base}/preview/${id}${path}`, { signal: AbortSignal.timeout(10_000) });
    await api('PUT', `/instances/${id}/files`, { files: [failing] });
    assert.deepEqual((await api('POST', `/instances/${id}/reload`)).data, { reloaded: true, error: null });
    assert.equal(await (await get('/x')).text(), 'logged');
    assert.equal((await get('/boom')).status, 500);
    // A syntax error: the reload fails and the previous version keeps serving.
    await api('PUT', `/instances/${id}/files`, { files: [{ path: 'src/index.js', content: 'export default {' }] });
    const failed = await api<{ reloaded: boolean; error: string | null }>('POST', `/instances/${id}/reload`);
    assert.equal(failed.data.reloaded, false);
    assert.match(failed.data.error ?? '', /reload failed/);
    // Everything above is in the log by now: the reload's answer came from it.
    const errors = (await api<TInstanceError[]>('GET', `/instances/${id}/errors?since=${since}`)).data;
    const brief = errors.map((e) => `${e.kind}/${e.level}: ${e.message.split('\n')[0]}`);
    assert.ok(brief.includes('console/error: could not load todos 42'), brief.join('\n'));
    assert.ok(brief.includes('console/warn: slow query'), brief.join('\n'));
    const request = errors.find((e) => e.kind === 'request');
    assert.deepEqual(request?.request, { method: 'GET', path: '/boom', status: 500 });
    assert.match(request?.message ?? '', /kaboom in handler/);
    assert.ok(
      errors.some((e) => e.kind === 'runtime' && /reload failed/.test(e.message)),
      brief.join('\n'),
    );
    assert.equal(await (await get('/x')).text(), 'logged', 'the previous version serves');
    await api('PUT', `/instances/${id}/files`, { files: [code('bonjour')] });
    assert.deepEqual((await api('POST', `/instances/${id}/reload`)).data, { reloaded: true, error: null });
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
    // The previous test changed /app (a link): let the reload it started finish first, so the bomb
    // is what this test measures, not a reload racing it for threads.
    await new Promise((r) => setTimeout(r, 1500));
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

  it('network: only the gateway port of the host; no other host service, preview, or the internet', async () => {
    // Give alice's second instance an app, so "cannot reach it" is the network, not a closed port.
    const [other] = (await api<TInstance[]>('GET', '/instances?userId=alice')).data.filter((i) => i.id !== id);
    assert.ok(other);
    await api('PUT', `/instances/${other.id}/files`, { files: [WORKER, code('other')] });
    const otherIp = (await new Docker({ socketPath: socket }).getContainer(`${RUNNER_NAME}-${other.id}`).inspect())
      .NetworkSettings.Networks[`${RUNNER_NAME}-instances`]?.IPAddress;
    assert.ok(otherIp);
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${base}/preview/${other.id}/`)).status !== 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(await (await fetch(`${base}/preview/${other.id}/`)).text(), 'other /', 'the other preview serves');

    const probe = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: [
        'node',
        '-e',
        `const net = require('net'), fs = require('fs');
         const tryConnect = (host, port) => new Promise((resolve) => {
           const s = net.connect({ host, port, timeout: 2000 });
           s.on('connect', () => { s.destroy(); resolve('connected'); });
           s.on('timeout', () => { s.destroy(); resolve('timeout'); });
           s.on('error', (e) => resolve(e.code));
         });
         (async () => {
           const out = {
             gateway: await tryConnect('kiln-gateway', ${portOf(gateway)}),
             hostService: await tryConnect('kiln-gateway', ${portOf(hostService)}),
             otherHostAddress: await tryConnect('${otherHostAddress()}', ${portOf(hostService)}),
             loopback: await tryConnect('127.0.0.1', ${portOf(hostService)}),
             otherPreview: await tryConnect('${otherIp}', 8788),
             internet: await tryConnect('1.1.1.1', 443),
             dockerSocket: ['/var/run/docker.sock', '/run/docker.sock'].some((p) => fs.existsSync(p)),
           };
           const res = await fetch('http://kiln-gateway:${portOf(gateway)}/');
           out.gatewayAnswer = await res.text();
           console.log(JSON.stringify(out));
         })();`,
      ],
      timeoutMs: 20_000,
    });
    assert.equal(probe.data.exitCode, 0, probe.data.stderr);
    assert.deepEqual(JSON.parse(probe.data.stdout), {
      gateway: 'connected',
      gatewayAnswer: 'gateway',
      // Refused by the host firewall (listening on 0.0.0.0, both would otherwise answer).
      hostService: 'ECONNREFUSED',
      otherHostAddress: 'ECONNREFUSED',
      // The container's loopback is its own.
      loopback: 'ECONNREFUSED',
      // Inter-container traffic is dropped on the bridge.
      otherPreview: 'timeout',
      // An internal network's traffic out of its subnet is dropped by the engine.
      internet: 'timeout',
      dockerSocket: false,
    });
    // The host side still reaches both previews.
    assert.equal(await (await fetch(`${base}/preview/${other.id}/`)).text(), 'other /');
  });

  it('disk: /app and /tmp fill up at their limits, the root is read-only, the host stays healthy', async () => {
    const fill = await api<TExecResult>('POST', `/instances/${id}/exec`, {
      command: [
        'node',
        '-e',
        `const fs = require('fs');
         const fill = (file) => { let mb = 0; try { for (;;) { fs.appendFileSync(file, Buffer.alloc(1 << 20, 1)); mb++; } } catch (e) { return [e.code, mb]; } };
         const app = fill('/app/fill.bin'); fs.rmSync('/app/fill.bin');
         const tmp = fill('/tmp/fill.bin'); fs.rmSync('/tmp/fill.bin');
         let root; try { fs.writeFileSync('/opt/x', 'x'); root = 'written'; } catch (e) { root = e.code; }
         console.log(JSON.stringify({ app, tmp, root }));`,
      ],
      timeoutMs: 30_000,
    });
    assert.equal(fill.data.exitCode, 0, fill.data.stderr);
    const { app: appFill, tmp, root } = JSON.parse(fill.data.stdout) as Record<string, [string, number]>;
    assert.equal(appFill?.[0], 'ENOSPC');
    assert.ok(appFill[1] < 24, `wrote ${appFill[1]} MiB into a 24 MiB /app`);
    assert.equal(tmp?.[0], 'ENOSPC');
    assert.ok(tmp[1] < 16, `wrote ${tmp[1]} MiB into a 16 MiB /tmp`);
    assert.equal(root, 'EROFS');
    // The preview and the runner carry on.
    assert.equal((await fetch(`${base}/preview/${id}/`)).status, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
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
