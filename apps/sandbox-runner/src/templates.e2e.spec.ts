import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TExecResult, TInstance } from '@kiln/contracts';
import { ANALYZE_COMMAND, toStaticAnalysis } from './analysis/diagnostics.js';
import { runnerEnv } from './config.js';
import { createRunner } from './create-runner.js';
import { ensureImage, removeRunnerResources, repoRoot, skipWithoutDocker, socket } from './testing/docker-fixture.js';

/**
 * Each template as the agent uses it, on the real engine and the real runtime image, offline:
 * created from its folder, built and type-checked inside its container with the image's tools
 * (no npm), then served through the preview proxy.
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
  const app = createRunner(
    runnerEnv.parse({
      LOG_LEVEL: 'silent',
      DOCKER_SOCKET: socket,
      RUNNER_TOKEN: TOKEN,
      RUNNER_NAME,
      TEMPLATES_DIR: join(repoRoot, 'templates'),
      // Every create here is cold: a warm pool would only add containers competing for 2 cores.
      WARM_POOL_SIZE: '0',
    }),
  );
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
    const instance = await api<TInstance>('POST', '/instances', { appId: template, userId: 'u1', template });
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
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await removeRunnerResources(RUNNER_NAME);
  });

  it('vite-react-d1: the React app from assets, the Worker API, clean analysis, an injected type error', async () => {
    assert.equal(templateManifest('vite-react-d1').name, 'vite-react-d1');
    const { id } = await createAndBuild('vite-react-d1');
    const preview = `${base}/preview/${id}`;

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
    assert.match(
      await (await fetch(`${preview}/some/route`, { headers: { 'sec-fetch-mode': 'navigate' } })).text(),
      /<div id="root">/,
    );

    assert.deepEqual(await (await fetch(`${preview}/api/health`)).json(), { ok: true });
    const unknown = await fetch(`${preview}/api/nothing-here`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    // No binding gateway runs in this test: a route that uses D1 fails with the runtime's error
    // instead of an answer; the D1/KV round trip itself is covered where the gateway runs.
    const todos = await fetch(`${preview}/api/todos`);
    console.log(JSON.stringify(await todos.clone().text()));
    assert.equal(todos.status, 500);

    const clean = await analyze(id);
    assert.equal(clean.run.exitCode, 0, clean.run.stdout + clean.run.stderr);
    assert.equal(clean.run.stdout, '');
    assert.equal(clean.result.success, true);

    const broken = `import type { Todo } from '../shared/types';\n\nexport const first: Todo = { id: '1', title: 'x', done: false, createdAt: '' };\n`;
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
  });

  it('worker-durable-object: chat over WebSockets through the proxy, stored in the object', async () => {
    const { id } = await createAndBuild('worker-durable-object');
    const preview = `${base}/preview/${id}`;
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
    alice.socket.close();
    bob.socket.close();

    const history = (await (await fetch(`${preview}/api/rooms/e2e`)).json()) as { text: string }[];
    assert.deepEqual(
      history.map((m) => m.text),
      ['hello bob'],
    );

    const clean = await analyze(id);
    assert.equal(clean.result.success, true, JSON.stringify(clean.run));
    assert.deepEqual(clean.result.typecheck.issues, []);
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
