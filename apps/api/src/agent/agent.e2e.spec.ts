import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PhasicPipeline, ProviderRegistry, ZSessionState, currentFiles } from '@kiln/agent';
import { loadModelScript, startScriptedModelServer, type ScriptedModelServer } from '@kiln/agent/testing';
import { ZAgentServerMessage, type TAgentServerMessage } from '@kiln/contracts';
import {
  type Child,
  createTestDatabase,
  removeRunnerResources,
  requireEnv,
  startRunnerProcess,
  type TestDatabase,
} from '@kiln/devtools/testing';
import { appToken } from '@kiln/storage';
import { RunnerClient, RunnerSandbox, loadPipelineTemplates } from '@kiln/runner-client';
import { type KilnStack, startKilnStack } from '@kiln/storage/testing';
import { DataSource } from 'typeorm';
import { WebSocket } from 'ws';
import { migrations } from '../migrations/index.js';
import { apiEnv } from '../config.js';
import { createApi } from '../create-api.js';
import { PgCheckpointStore } from './pg-checkpoint-store.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const socket = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
const skip = !existsSync(socket) && !process.env['CI'] ? `no Docker engine at ${socket}` : undefined;
const TOKEN = randomBytes(24).toString('hex');
const RUNNER_NAME = `ka-${randomBytes(4).toString('hex')}`;

/**
 * The agent from a prompt to a working app, with only the model scripted: the real provider code
 * against the scripted OpenAI-compatible server, the real sandbox runner (its own process, real
 * Docker engine, the real template and its offline build), checkpoints in Postgres, and the app's
 * D1 binding served by the real gateway.
 */
describe('agent end to end: "a todo app with a D1 table"', { skip }, () => {
  let stack: KilnStack;
  let db: TestDatabase;
  let source: DataSource;
  let runner: Child | undefined;
  let runnerUrl = '';
  const servers: ScriptedModelServer[] = [];
  /** The files of the uninterrupted todo session (first test), to compare a resumed one with. */
  let uninterrupted: Map<string, string> | undefined;

  async function session(script: string) {
    const model = await startScriptedModelServer(
      await loadModelScript(fileURLToPath(new URL(`../../test/scripts/${script}.json`, import.meta.url))),
    );
    servers.push(model);
    const appId = `todo-${randomBytes(3).toString('hex')}`;
    const events: TAgentServerMessage[] = [];
    const checkpoints = new PgCheckpointStore(source);
    const choice = { provider: 'local', model: 'scripted-coder', contextWindow: 32_768, maxOutputTokens: 4096 };
    const pipeline = await PhasicPipeline.open({
      sessionId: `session-${appId}`,
      registry: new ProviderRegistry({
        providers: [{ kind: 'openai-compatible', id: 'local', baseURL: model.baseURL }],
        operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
      }),
      sandbox: new RunnerSandbox(new RunnerClient(runnerUrl, TOKEN), {
        appId,
        userId: 'erin',
        gatewayToken: appToken(stack.secret, appId),
      }),
      checkpoints,
      events: {
        emit: (event) => {
          assert.ok(ZAgentServerMessage.safeParse(event).success, `off-contract event ${event.type}`);
          events.push(event);
        },
      },
      templates: await loadPipelineTemplates(`${repo}templates`),
      config: { maxFixRounds: 2 },
    });
    const outcome = await pipeline.generate('a todo app with a D1 table');
    const problems = events.filter((e) => e.type === 'error' || e.type === 'static_analysis_results');
    assert.deepEqual(outcome, { status: 'complete' }, JSON.stringify(problems).slice(0, 3000));
    const deployed = events.filter((e) => e.type === 'deployment_completed').at(-1) as { previewURL: string };
    const preview = deployed.previewURL.endsWith('/') ? deployed.previewURL : `${deployed.previewURL}/`;
    return { model, appId, events, checkpoints, pipeline, preview };
  }

  /** An API process on this test's database, runner and gateway, with the scripted model. */
  function apiWith(model: ScriptedModelServer, env: Record<string, string> = {}) {
    return createApi(
      apiEnv.parse({
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: requireEnv('REDIS_URL'),
        RUNNER_URL: runnerUrl,
        RUNNER_TOKEN: TOKEN,
        GATEWAY_SECRET: stack.secret,
        TEMPLATES_DIR: `${repo}templates`,
        AGENT_MODEL_BASE_URL: model.baseURL,
        AGENT_MODEL: 'scripted-coder',
        ...env,
      }),
    );
  }

  /** POST /api/agent on an API process; answers the session's ids and events URL. */
  async function startThroughApi(base: string, body: object) {
    const started = await fetch(`${base}/api/agent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(started.status, 201, await started.clone().text());
    type TStarted = { sessionId: string; appId: string; eventsUrl: string; websocketUrl: string; ticket: string };
    return ((await started.json()) as { data: TStarted }).data;
  }

  /** A session's NDJSON event stream, read to its end (the end of the current run). */
  async function eventsThroughApi(url: string): Promise<TAgentServerMessage[]> {
    const stream = await fetch(url);
    assert.equal(stream.headers.get('content-type')?.split(';')[0], 'application/x-ndjson');
    return (await stream.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TAgentServerMessage);
  }

  /** Adds todos through the preview's API and reads them back (most urgent first). */
  async function todosThrough(preview: string): Promise<[string, number][]> {
    for (const [title, priority] of [
      ['water the plants', 1],
      ['file the taxes', 3],
    ] as const) {
      const res = await fetch(`${preview}api/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title, priority }),
      });
      assert.equal(res.status, 201, await res.clone().text());
    }
    const todos = (await (await fetch(`${preview}api/todos`)).json()) as { title: string; priority: number }[];
    return todos.map((t) => [t.title, t.priority]);
  }

  before(async () => {
    stack = await startKilnStack({ blobs: 'fs', host: '0.0.0.0' });
    db = await createTestDatabase('kiln_agent');
    source = new DataSource({ type: 'postgres', url: db.url, migrations });
    await source.initialize();
    await source.runMigrations();
    ({ url: runnerUrl, child: runner } = await startRunnerProcess({
      DOCKER_SOCKET: socket,
      RUNNER_TOKEN: TOKEN,
      RUNNER_NAME,
      GATEWAY_URL: `http://kiln-gateway:${new URL(stack.gatewayUrl).port}`,
    }));
  });

  after(async () => {
    // The runner stops its warm pool on the way out; wait, so no container appears after cleanup.
    await runner?.stop();
    removeRunnerResources(RUNNER_NAME);
    for (const model of servers) await model.close();
    await source?.destroy();
    await db?.drop();
    await stack?.close();
  });

  it('blueprint → phases → files → the preview builds and serves → todos go through the real D1 binding', async () => {
    const { appId, events, checkpoints, pipeline, preview } = await session('todo-e2e');
    uninterrupted = currentFiles(pipeline.state);
    const types = events.map((e) => e.type);
    for (const type of [
      'generation_started',
      'phase_generating',
      'file_generated',
      'phase_implemented',
      'deployment_completed',
      'generation_complete',
    ] as const)
      assert.ok(types.includes(type), `no ${type} event`);
    assert.equal(pipeline.state.template, 'vite-react-d1');
    assert.deepEqual(
      pipeline.state.phases.map((p) => [p.kind, p.status, p.remainingIssues.length]),
      [
        ['plan', 'implemented', 0],
        ['plan', 'implemented', 0],
        ['review', 'implemented', 0],
      ],
    );

    // The checkpoint in Postgres is the finished session.
    const saved = await checkpoints.load(`session-${appId}`);
    assert.ok(saved && saved.revision > 1);
    assert.equal((saved.state as { status: string }).status, 'complete');

    // The app the agent built, served by its preview: the page, and todos through D1.
    const page = await fetch(preview);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.deepEqual(await todosThrough(preview), [
      ['file the taxes', 3],
      ['water the plants', 1],
    ]);
    assert.deepEqual(await stack.d1.listTables({ appId, resourceId: 'app' }), [{ name: 'todos', rows: 2 }]);
  });

  it('a type error (tsc in the container) and a runtime error (a request through the preview) are repaired by the fix loop', async () => {
    const { model, events, pipeline, preview } = await session('todo-e2e-fix');
    const analyses = events.filter((e) => e.type === 'static_analysis_results');
    assert.match(JSON.stringify(analyses[0]), /TS2741/, 'the first analysis reports the missing property');
    // GET /api/todos (a checkPath of the blueprint) failed in the running preview: the runner's
    // proxy recorded the 500 with the start of the uncaught D1 error.
    const found = events.filter((e) => e.type === 'runtime_error_found');
    assert.equal(found.length, 1, JSON.stringify(found).slice(0, 2000));
    assert.match(JSON.stringify(found[0]), /no such table: todo/);
    const fixes = model.requests.filter((r) => r.lastUserMessage.startsWith('Fix these problems'));
    assert.deepEqual(
      fixes.map((r) => r.outcome),
      ['replied'],
      'one model fix, answered by the turn that needs both problems in its request',
    );
    assert.deepEqual(
      pipeline.state.phases.map((p) => [p.kind, p.status, p.remainingIssues.length]),
      [
        ['plan', 'implemented', 0],
        ['plan', 'implemented', 0],
        ['review', 'implemented', 0],
      ],
    );
    assert.deepEqual(await todosThrough(preview), [
      ['file the taxes', 3],
      ['water the plants', 1],
    ]);
  });

  it('the agent process SIGKILLed mid-phase resumes from its Postgres checkpoint in a new process, same files', async () => {
    const model = await startScriptedModelServer(
      await loadModelScript(fileURLToPath(new URL('../../test/scripts/todo-e2e-slow.json', import.meta.url))),
    );
    servers.push(model);
    const appId = `todo-${randomBytes(3).toString('hex')}`;
    const args = JSON.stringify({
      sessionId: `session-${appId}`,
      appId,
      prompt: 'a todo app with a D1 table',
      modelURL: model.baseURL,
      runnerUrl,
      runnerToken: TOKEN,
      gatewaySecret: stack.secret,
      databaseUrl: db.url,
      templatesDir: `${repo}templates`,
    });
    const driver = fileURLToPath(new URL('./testing/run-session.js', import.meta.url));
    const start = () => spawn(process.execPath, [driver, args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const eventsOf = (child: ChildProcess, onEvent: (e: TAgentServerMessage) => void) =>
      new Promise<number | null>((resolve) => {
        let rest = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) if (line) onEvent(JSON.parse(line) as TAgentServerMessage);
        });
        child.on('exit', (code) => resolve(code));
      });

    // First process: killed while phase 2's files stream in.
    const first = start();
    let phases = 0;
    let killed = false;
    const firstExit = await eventsOf(first, (e) => {
      if (e.type === 'phase_generating') phases++;
      if (phases === 2 && e.type === 'file_chunk_generated' && !killed) {
        killed = true;
        first.kill('SIGKILL');
      }
    });
    assert.equal(killed, true, 'the kill landed in phase 2');
    assert.equal(firstExit, null, 'the first process died by the signal');
    const atKill = await new PgCheckpointStore(source).load(`session-${appId}`);
    const stateAtKill = ZSessionState.parse(atKill?.state);
    assert.deepEqual(
      stateAtKill.phases.map((p) => p.status),
      ['implemented', 'pending'],
      'phase 1 was checkpointed as done; phase 2 not started in the store',
    );

    // Second process, same session: resumes and completes.
    const second = start();
    const resumed: TAgentServerMessage[] = [];
    assert.equal(await eventsOf(second, (e) => resumed.push(e)), 0);
    assert.equal(resumed.at(-1)?.type, 'generation_complete');
    const answered = (prefix: string) =>
      model.requests.filter((r) => r.lastUserMessage.startsWith(prefix) && r.outcome === 'replied').length;
    assert.equal(answered('Plan the app'), 1, 'the blueprint is not asked again');
    assert.equal(answered('Implement phase 1'), 1, 'phase 1 is not generated again');

    const final = ZSessionState.parse((await new PgCheckpointStore(source).load(`session-${appId}`))?.state);
    assert.equal(final.status, 'complete');
    assert.ok(uninterrupted, 'the uninterrupted session ran first');
    assert.deepEqual(currentFiles(final), uninterrupted);
  });

  it('agentic mode through the API: the model works through tools on the real preview and fixes a runtime error', async () => {
    const model = await startScriptedModelServer(
      await loadModelScript(fileURLToPath(new URL('../../test/scripts/agentic-e2e.json', import.meta.url))),
    );
    servers.push(model);
    const api = await apiWith(model);
    try {
      await api.listen(0, '127.0.0.1');
      const base = await api.getUrl();
      const data = await startThroughApi(base, {
        prompt: 'a todo app with a D1 table',
        userId: 'heidi',
        mode: 'agentic',
      });
      const events = await eventsThroughApi(`${base}${data.eventsUrl}`);
      assert.ok(events.every((e) => ZAgentServerMessage.safeParse(e).success));
      assert.equal(
        events.at(-1)?.type,
        'generation_complete',
        JSON.stringify(events.filter((e) => e.type === 'error')),
      );

      // The tool calls, as the client saw them: the first check found the failing query.
      const tools = events.flatMap((e) => (e.type === 'conversation_response' && e.tool ? [e.tool] : []));
      assert.deepEqual(
        tools.map((t) => t.name),
        [
          'list_files',
          ...Array<string>(5).fill('write_file'),
          'get_errors',
          'edit_file',
          'get_errors',
          'deploy_preview',
        ],
      );
      assert.match(tools[6]?.result ?? '', /GET \/api\/todos.*no such table: todo/s);
      assert.match(tools[8]?.result ?? '', /^no errors/);
      assert.ok(events.some((e) => e.type === 'runtime_error_found'));
      assert.equal(model.requests.filter((r) => r.outcome === 'replied').length, 7);

      const saved = ZSessionState.parse((await new PgCheckpointStore(source).load(data.sessionId))?.state);
      assert.deepEqual([saved.mode, saved.status, saved.template], ['agentic', 'complete', 'vite-react-d1']);
      assert.match(currentFiles(saved).get('src/worker/index.ts') ?? '', /FROM todos ORDER BY priority DESC/);
      const deployed = events.filter((e) => e.type === 'deployment_completed').at(-1) as { previewURL: string };
      const preview = deployed.previewURL.endsWith('/') ? deployed.previewURL : `${deployed.previewURL}/`;
      assert.deepEqual(await todosThrough(preview), [
        ['file the taxes', 3],
        ['water the plants', 1],
      ]);
      assert.deepEqual(await stack.d1.listTables({ appId: data.appId, resourceId: 'app' }), [
        { name: 'todos', rows: 2 },
      ]);
    } finally {
      await api.close();
    }
  });

  it('a session outlives the API process that started it: held by one at a time, taken over from its checkpoint', async () => {
    const model = await startScriptedModelServer(
      await loadModelScript(fileURLToPath(new URL('../../test/scripts/todo-e2e-slow.json', import.meta.url))),
    );
    servers.push(model);
    const first = await apiWith(model, { AGENT_SESSION_LEASE_MS: '3000' });
    const second = await apiWith(model, { AGENT_SESSION_LEASE_MS: '3000' });
    let firstOpen = true;
    try {
      await first.listen(0, '127.0.0.1');
      await second.listen(0, '127.0.0.1');
      const [a, b] = [await first.getUrl(), await second.getUrl()];
      const data = await startThroughApi(a, { prompt: 'a todo app with a D1 table', userId: 'grace' });
      const send = (base: string, type: string) =>
        fetch(`${base}/api/agent/${data.sessionId}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type }),
        });

      // Follow the first process until phase 2 streams its files.
      const stream = await fetch(`${a}${data.eventsUrl}`);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while ((text.match(/"phase_implementing"/g) ?? []).length < 2) {
        const { value, done } = await reader.read();
        assert.ok(!done, 'the stream ended before phase 2');
        text += value;
      }
      await reader.cancel();

      // The second process may not run it meanwhile.
      const refused = await send(b, 'resume_generation');
      assert.equal(refused.status, 409);
      assert.match(JSON.stringify(await refused.json()), /running in another API process/);

      // A WebSocket on the second process is refused too (409, before the upgrade); one on the
      // first follows the session until that process stops.
      const ticket = async (base: string) =>
        (
          (await (await fetch(`${base}/api/agent/${data.sessionId}/tickets`, { method: 'POST' })).json()) as {
            data: { ticket: string };
          }
        ).data.ticket;
      const wsUrl = (base: string, t: string) =>
        `${base.replace(/^http/, 'ws')}/api/agent/${data.sessionId}/ws?ticket=${t}`;
      assert.equal(await refusedStatus(wsUrl(b, await ticket(b))), 409);
      const follower = await openSocket(wsUrl(a, await ticket(a)));
      const closing = new Promise<number>((resolve) => follower.ws.once('close', resolve));

      // The first one stops (its run ends at the last checkpoint) and hands the session back.
      await first.close();
      firstOpen = false;
      assert.equal(await closing, 1012, 'the follower is told to reconnect: the session moves on');
      assert.equal((await send(b, 'resume_generation')).status, 202);
      const events = await eventsThroughApi(`${b}${data.eventsUrl}`);
      // The replay is the whole session: the first process's events (from the log in Redis),
      // its stop, then this one's resumed run.
      const types = events.map((e) => e.type);
      assert.equal(types[0], 'generation_started');
      assert.ok(types.indexOf('generation_stopped') < types.indexOf('generation_resumed'), types.join(' '));
      assert.equal(types.filter((t) => t === 'generation_started').length, 1);
      assert.equal(
        events.at(-1)?.type,
        'generation_complete',
        JSON.stringify(events.filter((e) => e.type === 'error')),
      );

      const answered = (prefix: string) =>
        model.requests.filter((r) => r.lastUserMessage.startsWith(prefix) && r.outcome === 'replied').length;
      assert.equal(answered('Plan the app'), 1, 'the blueprint is not asked again');
      assert.equal(answered('Implement phase 1'), 1, 'phase 1 is not generated again');
      const final = ZSessionState.parse((await new PgCheckpointStore(source).load(data.sessionId))?.state);
      assert.equal(final.status, 'complete');
      assert.ok(uninterrupted, 'the uninterrupted session ran first');
      assert.deepEqual(currentFiles(final), uninterrupted);
      const deployed = events.filter((e) => e.type === 'deployment_completed').at(-1) as { previewURL: string };
      assert.equal((await fetch(deployed.previewURL)).status, 200);
    } finally {
      if (firstOpen) await first.close();
      await second.close();
    }
  });

  it('through the API: POST /api/agent starts a session, its events stream as NDJSON to the end, the preview serves', async () => {
    const model = await startScriptedModelServer(
      await loadModelScript(fileURLToPath(new URL('../../test/scripts/todo-e2e.json', import.meta.url))),
    );
    servers.push(model);
    const api = await apiWith(model);
    try {
      await api.listen(0, '127.0.0.1');
      const base = await api.getUrl();
      const data = await startThroughApi(base, { prompt: 'a todo app with a D1 table', userId: 'frank' });
      const events = await eventsThroughApi(`${base}${data.eventsUrl}`);
      assert.ok(events.every((e) => ZAgentServerMessage.safeParse(e).success));
      assert.equal(events[0]?.type, 'generation_started');
      assert.equal(events.at(-1)?.type, 'generation_complete');
      const deployed = events.filter((e) => e.type === 'deployment_completed').at(-1) as { previewURL: string };
      assert.equal((await fetch(deployed.previewURL)).status, 200);

      // Bad input and unknown sessions get the error envelope.
      const bad = await fetch(`${base}/api/agent/${data.sessionId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'launch_rockets' }),
      });
      assert.equal(bad.status, 400);
      assert.equal((await fetch(`${base}/api/agent/no-such-session/events`)).status, 404);

      // The session as its checkpoint has it, for clients that render before following.
      type TSnapshot = {
        status: string;
        phases: { kind: string; status: string }[];
        files: { path: string; content?: string }[];
      };
      const snapshot = async (query = '') =>
        ((await (await fetch(`${base}/api/agent/${data.sessionId}${query}`)).json()) as { data: TSnapshot }).data;
      const summary = await snapshot();
      assert.equal(summary.status, 'complete');
      assert.deepEqual(
        summary.phases.map((p) => [p.kind, p.status]),
        [
          ['plan', 'implemented'],
          ['plan', 'implemented'],
          ['review', 'implemented'],
        ],
      );
      assert.ok(summary.files.some((f) => f.path === 'src/worker/index.ts' && f.content === undefined));
      const withContents = await snapshot('?contents=1');
      assert.match(withContents.files.find((f) => f.path === 'src/worker/index.ts')?.content ?? '', /FROM todos/);
      assert.equal((await fetch(`${base}/api/agent/no-such-session`)).status, 404);

      // The session is among the recent ones, newest first, with its title.
      type TListed = { sessionId: string; status: string; title: string | null; mode: string }[];
      const recent = ((await (await fetch(`${base}/api/agent?limit=5`)).json()) as { data: TListed }).data;
      assert.ok(recent.length <= 5);
      const mine = recent.find((r) => r.sessionId === data.sessionId);
      assert.deepEqual([mine?.status, mine?.title, mine?.mode], ['complete', 'Prioritised todos', 'phasic']);
      assert.equal(recent[0]?.sessionId, data.sessionId, 'the newest first');
      assert.equal((await fetch(`${base}/api/agent?limit=0`)).status, 400);

      // The session WebSocket: the ticket from the start, spent once; the events replayed.
      const wsBase = base.replace(/^http/, 'ws');
      const socketUrl = (ticket: string) => `${wsBase}${data.websocketUrl}?ticket=${ticket}`;
      const socket = await openSocket(socketUrl(data.ticket));
      const replayed = await socket.until((e) => e.type === 'generation_complete');
      assert.deepEqual(
        replayed.map((e) => e.type),
        events.filter((e) => e.type !== 'file_chunk_generated').map((e) => e.type),
      );
      // Client messages go to the session; a malformed one is answered, not fatal.
      socket.ws.send('hello');
      const [invalid] = await socket.until((e) => e.type === 'error');
      assert.equal((invalid as { code?: string }).code, 'INVALID_MESSAGE');
      socket.ws.close();
      assert.equal(await refusedStatus(socketUrl(data.ticket)), 401, 'a ticket is single-use');
      assert.equal(await refusedStatus(socketUrl('x'.repeat(32))), 401);
      const again = await fetch(`${base}/api/agent/${data.sessionId}/tickets`, { method: 'POST' });
      assert.equal(again.status, 201);
      const { data: fresh } = (await again.json()) as { data: { ticket: string } };
      const second = await openSocket(socketUrl(fresh.ticket));
      assert.equal((await second.until((e) => e.type === 'generation_complete'))[0]?.type, 'generation_started');
      second.ws.close();
      assert.equal((await fetch(`${base}/api/agent/no-such-session/tickets`, { method: 'POST' })).status, 404);
    } finally {
      await api.close();
    }
  });
});

/** A WebSocket client that collects the session's events. */
async function openSocket(url: string) {
  const ws = new WebSocket(url);
  const received: TAgentServerMessage[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    received.push(JSON.parse(data.toString('utf8')) as TAgentServerMessage);
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let seen = 0;
  return {
    ws,
    /** The events received from the last call on, up to and including the first matching one. */
    async until(done: (e: TAgentServerMessage) => boolean): Promise<TAgentServerMessage[]> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const at = received.findIndex((e, i) => i >= seen && done(e));
        if (at >= 0) {
          const batch = received.slice(seen, at + 1);
          seen = at + 1;
          return batch;
        }
        assert.ok(Date.now() < deadline, `no matching event; got ${received.map((e) => e.type).join(', ')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

/** The HTTP status that refused a WebSocket upgrade. */
function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined); // the refusal itself; the status is what counts
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
  });
}
