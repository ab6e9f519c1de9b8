import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { TExecResult, TInstance } from '@kiln/contracts';
import { appToken } from '@kiln/storage';
import { type KilnStack, startKilnStack } from '@kiln/storage/testing';
import { ANALYZE_COMMAND, toStaticAnalysis } from './analysis/diagnostics.js';
import {
  ensureImage,
  removeRunnerResources,
  repoRoot,
  skipWithoutDocker,
  testRunner,
} from './testing/docker-fixture.js';

/**
 * Each template as the agent uses it, on the real engine and the real runtime image, offline:
 * created from its folder, built and type-checked inside its container with the image's tools
 * (no npm), then served through the preview proxy, its bindings served by the real gateway.
 */

const TOKEN = randomBytes(24).toString('hex');
type Envelope<T> = { data: T; error: { code: string; message: string } | null };

const templateManifest = (name: string) =>
  JSON.parse(readFileSync(join(repoRoot, 'templates', name, 'template.json'), 'utf8')) as {
    name: string;
    build: string[];
  };

describe('templates build, type-check and serve in a preview container', { skip: skipWithoutDocker }, () => {
  const RUNNER_NAME = `kt-${randomBytes(4).toString('hex')}`;
  const suffix = randomBytes(3).toString('hex');
  let stack: KilnStack;
  let app: FastifyInstance;
  let base = '';

  async function api<T>(method: string, path: string, body?: object): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const { data, error } = (await res.json()) as Envelope<T>;
    assert.ok(res.ok && data, `${method} ${path}: ${res.status} ${JSON.stringify(error)}`);
    return data;
  }

  const exec = (id: string, command: readonly string[], timeoutMs = 60_000) =>
    api<TExecResult>('POST', `/instances/${id}/exec`, { command, timeoutMs });

  /** Creates an instance from the template and runs the template's build in it. */
  async function createAndBuild(template: string): Promise<TInstance> {
    const appId = `${template}-${suffix}`;
    const instance = await api<TInstance>('POST', '/instances', {
      appId,
      userId: 'u1',
      template,
      gatewayToken: appToken(stack.secret, appId),
    });
    assert.equal(instance.state, 'ready');
    // Before the build there is no Worker to run: the runtime says so instead of exiting.
    const unbuilt = await fetch(`${base}/preview/${instance.id}/`);
    assert.equal(unbuilt.status, 503);
    assert.match(await unbuilt.text(), /not built yet: dist\/.* missing/);

    const build = await exec(instance.id, templateManifest(template).build);
    assert.equal(build.exitCode, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
    // The runtime starts the Worker once the build's output exists.
    await until('the built app is served', async () => {
      const res = await fetch(`${base}/preview/${instance.id}/api/health`);
      return res.status === 200;
    });
    return instance;
  }

  async function analyze(id: string) {
    const run = await exec(id, ANALYZE_COMMAND);
    return { run, result: toStaticAnalysis(run) };
  }

  before(async () => {
    ensureImage();
    // Listening on every interface: containers reach it at the bridge address, as `kiln-gateway`.
    stack = await startKilnStack({ blobs: 'fs', host: '0.0.0.0' });
    app = testRunner(RUNNER_NAME, TOKEN, {
      TEMPLATES_DIR: join(repoRoot, 'templates'),
      GATEWAY_URL: `http://kiln-gateway:${new URL(stack.gatewayUrl).port}`,
      // Every create here is cold: a warm pool would only add containers competing for 2 cores.
      WARM_POOL_SIZE: '0',
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await removeRunnerResources(RUNNER_NAME);
    await stack?.close();
  });

  describe('vite-react-d1', () => {
    let preview = '';
    let id = '';
    before(async () => {
      assert.equal(templateManifest('vite-react-d1').name, 'vite-react-d1');
      ({ id } = await createAndBuild('vite-react-d1'));
      preview = `${base}/preview/${id}`;
    });

    it('serves the built React app from the assets, under the preview path too', async () => {
      const page = await fetch(`${preview}/`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<div id="root"><\/div>/);
      // Relative asset URLs (Vite `base: './'`), so the page also works under /preview/<id>/.
      const script = /<script type="module" crossorigin src="\.\/(assets\/index-[\w-]+\.js)">/.exec(html)?.[1];
      assert.ok(script, html);
      const bundle = await fetch(`${preview}/${script}`);
      assert.equal(bundle.status, 200);
      assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
      assert.ok(/getElementById\(.root.\)/.test(await bundle.text()), 'the bundle is the built React entry');
      // A client-side route gets the app's page (single-page-application handling).
      const route = await fetch(`${preview}/some/route`, { headers: { 'sec-fetch-mode': 'navigate' } });
      assert.match(await route.text(), /<div id="root">/);
    });

    it('answers the todo API through the real D1 and KV bindings (the gateway, over Postgres and Redis)', async () => {
      const call = async (method: string, path: string, body?: object) => {
        const res = await fetch(`${preview}/api/${path}`, {
          method,
          ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
        });
        return { status: res.status, body: res.status === 204 ? null : await res.json() };
      };
      const todo = (id: number, title: string, done: boolean) => ({ id, title, done, createdAt: '' });
      const withoutTime = (body: unknown) =>
        (Array.isArray(body) ? (body as object[]) : [body as object]).map((t) => ({ ...t, createdAt: '' }));

      assert.deepEqual(await call('GET', 'health'), { status: 200, body: { ok: true } });
      assert.equal((await call('POST', 'nothing-here')).status, 404);
      assert.deepEqual(await call('GET', 'todos'), { status: 200, body: [] });
      const added = await call('POST', 'todos', { title: ' buy milk ' });
      assert.equal(added.status, 201);
      assert.deepEqual(withoutTime(added.body), [todo(1, 'buy milk', false)]);
      assert.match((added.body as { createdAt: string }).createdAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal((await call('POST', 'todos', { title: '' })).status, 400);
      assert.equal((await call('POST', 'todos', { title: 'write tests' })).status, 201);
      assert.deepEqual(withoutTime((await call('PATCH', 'todos/1')).body), [todo(1, 'buy milk', true)]);
      assert.equal((await call('PATCH', 'todos/99')).status, 404);
      assert.deepEqual(await call('GET', 'stats'), { status: 200, body: { todos: 2, views: 1 } });
      assert.deepEqual(await call('GET', 'stats'), { status: 200, body: { todos: 2, views: 2 } }, 'KV keeps the count');
      assert.equal((await call('DELETE', 'todos/2')).status, 204);
      assert.deepEqual(withoutTime((await call('GET', 'todos')).body), [todo(1, 'buy milk', true)]);
      // The rows are in the app's D1 database behind the gateway, not in the container.
      assert.deepEqual(await stack.d1.listTables({ appId: `vite-react-d1-${suffix}`, resourceId: 'app' }), [
        { name: 'todos', rows: 1 },
      ]);
    });

    it('analysis: nothing on the template, exactly the injected type error, then exactly the lint error', async () => {
      const clean = await analyze(id);
      assert.equal(clean.run.exitCode, 0, clean.run.stdout + clean.run.stderr);
      assert.equal(clean.run.stdout, '', 'no type or lint finding');
      assert.equal(clean.result.success, true);

      const broken = [
        "import type { Todo } from '../shared/types';",
        '',
        "export const first: Todo = { id: '1', title: 'x', done: false, createdAt: '' };",
      ].join('\n');
      await api('PUT', `/instances/${id}/files`, { files: [{ path: 'src/worker/broken.ts', content: broken }] });
      const failed = await analyze(id);
      assert.equal(failed.run.exitCode, 1);
      assert.equal(failed.result.success, false);
      assert.equal(failed.result.error, undefined);
      assert.deepEqual(
        failed.result.typecheck.issues.map(({ filePath, line, column, ruleId, severity }) => ({
          filePath,
          line,
          column,
          ruleId,
          severity,
        })),
        [{ filePath: 'src/worker/broken.ts', line: 3, column: 30, ruleId: 'TS2322', severity: 'error' }],
      );
      assert.match(failed.result.typecheck.issues[0]?.message ?? '', /'string' is not assignable to type 'number'/);
      assert.deepEqual(failed.result.lint.issues, []);

      // A lint error tsc cannot see: a hook called conditionally.
      const hook = [
        "import { useState } from 'react';",
        '',
        'export function Count({ show }: { show: boolean }) {',
        '  if (!show) return null;',
        '  const [n] = useState(0);',
        '  return <b>{n}</b>;',
        '}',
      ].join('\n');
      await api('PUT', `/instances/${id}/files`, {
        files: [
          { path: 'src/worker/broken.ts', content: 'export {};\n' },
          { path: 'src/client/Count.tsx', content: hook },
        ],
      });
      const linted = await analyze(id);
      assert.equal(linted.result.success, false);
      assert.deepEqual(linted.result.typecheck.issues, []);
      assert.deepEqual(
        linted.result.lint.issues.map(({ filePath, line, ruleId, severity }) => ({ filePath, line, ruleId, severity })),
        [{ filePath: 'src/client/Count.tsx', line: 5, ruleId: 'react-hooks/rules-of-hooks', severity: 'error' }],
      );
    });
  });

  describe('worker-durable-object', () => {
    let preview = '';
    let id = '';
    before(async () => {
      ({ id } = await createAndBuild('worker-durable-object'));
      preview = `${base}/preview/${id}`;
    });

    it('chats over WebSockets through the proxy; messages are kept in the object', async () => {
      assert.match(await (await fetch(`${preview}/`)).text(), /new WebSocket\(url\)/);

      const wsUrl = `${preview.replace(/^http/, 'ws')}/api/rooms/e2e/ws`;
      const alice = await connect(wsUrl);
      assert.deepEqual(await alice.next(), { type: 'history', messages: [], online: 1 });
      const bob = await connect(wsUrl);
      assert.deepEqual(await bob.next(), { type: 'history', messages: [], online: 2 });
      assert.deepEqual(await alice.next(), { type: 'presence', online: 2 });

      alice.socket.send(JSON.stringify({ name: 'alice', text: 'hello bob' }));
      const received = (await bob.next()) as { type: string; message: { id: number; name: string; text: string } };
      assert.equal(received.type, 'message');
      assert.deepEqual(
        { ...received.message, at: undefined },
        { id: 1, name: 'alice', text: 'hello bob', at: undefined },
      );
      assert.deepEqual(await alice.next(), received, 'the sender gets the message too');
      alice.socket.send('not json');
      assert.deepEqual(await alice.next(), { error: 'send {"name": string, "text": string}' });
      alice.socket.close();
      bob.socket.close();

      const history = (await (await fetch(`${preview}/api/rooms/e2e`)).json()) as { text: string }[];
      assert.deepEqual(
        history.map((m) => m.text),
        ['hello bob'],
      );
      assert.equal((await fetch(`${preview}/api/rooms/e2e/ws`)).status, 426, 'the socket path needs an upgrade');
    });

    it('analysis finds nothing on the template', async () => {
      const clean = await analyze(id);
      assert.equal(clean.run.stdout, '', 'no type or lint finding');
      assert.equal(clean.result.success, true, clean.run.stderr);
    });
  });
});

/** A WebSocket client whose messages are awaited one by one. */
async function connect(url: string): Promise<{ socket: WebSocket; next: () => Promise<unknown> }> {
  const socket = new WebSocket(url);
  const queue: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  socket.addEventListener('message', (e) => {
    const value: unknown = JSON.parse(String(e.data));
    const waiter = waiting.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  const next = () =>
    queue.length > 0
      ? Promise.resolve(queue.shift())
      : new Promise<unknown>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no WebSocket message within 10 s')), 10_000);
          waiting.push((v) => {
            clearTimeout(timer);
            resolve(v);
          });
        });
  return { socket, next };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
