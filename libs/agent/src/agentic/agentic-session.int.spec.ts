import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { estimateTokens } from '../providers/prompt-budget.js';
import { InMemoryCheckpointStore } from '../pipeline/in-memory-checkpoint-store.js';
import {
  CrashingCheckpointStore,
  EventRecorder,
  TEST_TEMPLATES,
  newSandbox,
  registryFor,
  startScript,
} from '../pipeline/pipeline-testing.js';
import type { CheckpointStore, TExecResult } from '../pipeline/ports.js';
import { AgentSessionController } from '../pipeline/session-controller.js';
import { currentFiles, newSessionState, ZSessionState, type TTranscriptEntry } from '../pipeline/session-state.js';
import type { InMemorySandbox } from '../testing/in-memory-sandbox.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scripted-model-server.js';
import type { TAgenticConfigInput } from './agentic-config.js';
import { AgenticSession } from './agentic-session.js';

const PROMPT = 'a todo app with a D1 table';

interface Parts {
  sandbox?: InMemorySandbox;
  checkpoints?: CheckpointStore;
  events?: EventRecorder;
  registry?: ProviderRegistry;
  config?: TAgenticConfigInput;
}

async function open(server: ScriptedModelServer, parts: Parts = {}) {
  const sandbox = parts.sandbox ?? newSandbox();
  const events = parts.events ?? new EventRecorder();
  const checkpoints = parts.checkpoints ?? new InMemoryCheckpointStore();
  const session = await AgenticSession.open({
    sessionId: 'session-1',
    registry: parts.registry ?? registryFor(server),
    sandbox,
    checkpoints,
    events,
    templates: TEST_TEMPLATES,
    config: parts.config ?? {},
  });
  return { sandbox, events, checkpoints, session };
}

/** The tool results of the transcript, in order. */
function toolResults(transcript: readonly TTranscriptEntry[]) {
  return transcript.flatMap((e) => (e.role === 'tool' ? e.results : []));
}

/** The body's messages as the provider sent them. */
function sentMessages(body: unknown): { role: string; content: unknown; tool_call_id?: string }[] {
  return (body as { messages: { role: string; content: unknown; tool_call_id?: string }[] }).messages;
}

async function uninterruptedTodo() {
  const server = await startScript('agentic-todo');
  try {
    const run = await open(server);
    const outcome = await run.session.generate(PROMPT);
    return { ...run, server, outcome };
  } finally {
    await server.close();
  }
}

describe('agentic session with the scripted model and the in-memory sandbox', () => {
  it('builds a todo app through tools: write, get_errors (real tsc error), edit_file, clean, deploy, answer', async () => {
    const { server, sandbox, events, checkpoints, session, outcome } = await uninterruptedTodo();
    assert.deepEqual(outcome, { status: 'complete' });
    assert.equal(server.requests.filter((r) => r.outcome === 'replied').length, 7);

    const state = session.state;
    assert.equal(state.mode, 'agentic');
    assert.equal(state.status, 'complete');
    assert.equal(state.template, 'vite-react-worker-d1');
    const files = currentFiles(state);
    assert.deepEqual([...files.keys()].sort(), ['migrations/0001_todos.sql', 'src/db.ts', 'src/index.ts']);
    assert.match(files.get('src/db.ts')!, /return results\[0\]\?\.n \?\? 0;/);
    assert.deepEqual(
      state.files['src/db.ts']!.map((v) => [v.step, v.origin]),
      [
        ['agentic:0:1', 'model'],
        ['agentic:0:3', 'model'],
      ],
    );
    const written = sandbox.latestFiles();
    for (const [path, content] of files) assert.equal(written.get(path), content, path);

    // The first get_errors saw the real tsc error; the second found the app clean.
    const results = toolResults(state.transcript);
    const checks = results.filter((r) => r.toolName === 'get_errors').map((r) => r.output);
    assert.match(checks[0]!, /src\/db\.ts:\d+:\d+ TS2322 Type 'string' is not assignable to type 'number'/);
    assert.match(checks[1]!, /^no errors/);
    assert.ok(results.every((r) => !r.isError));

    // Events (each checked against the contract by the recorder).
    const types = events.types();
    assert.equal(types[0], 'generation_started');
    assert.equal(events.ofType('file_generated').length, 4, '3 writes and 1 edit');
    assert.equal(events.ofType('static_analysis_results').length, 2);
    assert.equal(events.ofType('static_analysis_results')[0]!.staticAnalysis.success, false);
    assert.equal(events.ofType('deployment_completed').length, 1);
    assert.equal(types.at(-1), 'generation_complete');
    const answer = events.ofType('conversation_response').filter((e) => !e.tool);
    assert.deepEqual(
      answer.map((e) => e.message),
      ['Your todo app is ready: a D1 table of todos, an API at /api/todos and a page to add them.'],
    );
    assert.equal(events.ofType('error').length, 0);
    assert.equal(events.ofType('generation_complete')[0]!.previewURL, state.preview!.previewURL);

    // Usage is recorded and checkpointed with the state.
    const stored = ZSessionState.parse((await checkpoints.load('session-1'))!.state);
    assert.deepEqual(stored.transcript, state.transcript);
    const calls = stored.usage.entries.reduce((n, e) => n + e.calls, 0);
    assert.equal(calls, 7);
    assert.ok(stored.usage.entries.every((e) => e.operation === 'phaseGeneration'));
  });

  it('refuses writes outside the app and malformed or unknown tool calls as tool errors, and goes on', async () => {
    const server = await startScript('agentic-escape');
    try {
      const { sandbox, session } = await open(server);
      const outcome = await session.generate(PROMPT);
      assert.deepEqual(outcome, { status: 'complete' });
      const results = new Map(
        session.state.transcript.flatMap((e) => (e.role === 'tool' ? e.results : [])).map((r) => [r.toolCallId, r]),
      );
      const error = (id: string, pattern: RegExp) => {
        const r = results.get(id)!;
        assert.ok(r.isError && pattern.test(r.output), `${id}: ${r.output}`);
      };
      error('call_up', /refused path "\.\.\/escape\.ts".*escapes the app folder/);
      error('call_abs', /refused path "\/etc\/passwd".*absolute/);
      error('call_bad', /^Error: invalid arguments for write_file/);
      error('call_unknown', /unknown tool "format_disk"/);
      error('call_del_tpl', /src\/env\.ts comes from the template/);
      error('call_read_missing', /no file src\/missing\.ts/);
      error('call_regex', /invalid regular expression/);
      // The other tools worked, in the same steps as the refused calls.
      assert.equal(results.get('call_ok')!.output, 'wrote src/ok.ts (2 lines)');
      assert.equal(
        results.get('call_grep')!.output,
        'src/ok.ts:1: export const ok = 1;\nsrc/tmp.ts:1: export const tmp = 2;',
      );
      assert.match(results.get('call_run')!.output, /^npm run build: exit code 0\n--- stdout\nbuilt \d+ files/);
      assert.equal(results.get('call_del')!.output, 'deleted src/tmp.ts');

      assert.deepEqual([...currentFiles(session.state).keys()], ['src/ok.ts']);
      assert.deepEqual(session.state.files['src/tmp.ts']!.at(-1)!.content, null, 'the deletion is a version');
      for (const instance of sandbox.instances.values()) {
        for (const path of instance.files.keys()) assert.doesNotMatch(path, /escape|passwd|^src\/(a|tmp)\.ts$/);
      }
      assert.ok(sandbox.latestFiles().has('src/env.ts'));
      // The model saw each error as the result of its call.
      const toolMessages = sentMessages(server.requests[1]!.body).filter((m) => m.role === 'tool');
      assert.deepEqual(
        toolMessages.map((m) => m.tool_call_id),
        ['call_up', 'call_abs', 'call_bad', 'call_unknown'],
      );
    } finally {
      await server.close();
    }
  });

  it('runs under the session controller: generate_all → complete', async () => {
    const server = await startScript('agentic-todo');
    try {
      const { session, events } = await open(server);
      const controller = new AgentSessionController(session, PROMPT);
      controller.handle({ type: 'generate_all' });
      assert.deepEqual(await controller.idle(), { status: 'complete' });
      assert.equal(events.types().at(-1), 'generation_complete');
    } finally {
      await server.close();
    }
  });

  it('resumes after a crash from the last checkpointed step without asking the model again', async () => {
    const reference = await uninterruptedTodo();
    const server = await startScript('agentic-todo');
    try {
      const inner = new InMemoryCheckpointStore();
      const crashing = new CrashingCheckpointStore(inner, (s) => s.completedSteps.includes('agentic:0:2'));
      const first = await open(server, { checkpoints: crashing });
      const crashed = await first.session.generate(PROMPT);
      assert.equal(crashed.status, 'failed');
      assert.equal(server.requests.length, 3, 'steps 0–2 asked the model');

      const second = await open(server, { checkpoints: inner });
      assert.deepEqual(await second.session.resume(), { status: 'complete' });
      const after = server.requests.slice(3);
      assert.equal(after.length, 4, 'steps 3–6 only');
      assert.match(after[0]!.lastMessage, /TS2322/, 'the resume starts with the step after the checkpoint');
      assert.ok(server.requests.every((r) => r.outcome === 'replied'));

      assert.deepEqual(currentFiles(second.session.state), currentFiles(reference.session.state));
      assert.deepEqual(second.sandbox.latestFiles(), reference.sandbox.latestFiles());
      // Each write happened once: no file has a version from a step that ran twice.
      const steps = Object.values(second.session.state.files).flatMap((v) => v.map((x) => x.step));
      assert.deepEqual(steps.sort(), ['agentic:0:1', 'agentic:0:1', 'agentic:0:1', 'agentic:0:3']);
    } finally {
      await server.close();
    }
  });

  it('stops a slow streamed step within 1 s on stop_generation, then resumes to completion', async () => {
    const server = await startScript('agentic-slow');
    try {
      const { session, events } = await open(server);
      const controller = new AbortController();
      const running = session.generate(PROMPT, { signal: controller.signal });
      while (!server.requests.some((r) => r.chunksSent >= 3)) await new Promise((r) => setTimeout(r, 10));
      const stoppedAt = Date.now();
      controller.abort();
      const outcome = await running;
      assert.deepEqual(outcome, { status: 'stopped' });
      assert.ok(Date.now() - stoppedAt < 1000, 'the run ends within 1 s');
      const closed = await server.waitForClientClose(1, 2000);
      assert.ok(closed && closed.closedAt! - stoppedAt < 1000, 'the provider stream is closed within 1 s');
      assert.equal(session.state.status, 'stopped');
      assert.ok(!session.state.completedSteps.includes('agentic:0:0'), 'the step in flight is not done');
      assert.equal(events.types().at(-1), 'generation_stopped');

      assert.deepEqual(await session.resume(), { status: 'complete' });
      assert.deepEqual([...currentFiles(session.state).keys()], ['src/hello.ts']);
      assert.equal(server.requests.filter((r) => r.outcome === 'replied').length, 3);
    } finally {
      await server.close();
    }
  });

  it('rolls the preview back with the state when a step is stopped during its tool calls', async () => {
    const server = await startScript('agentic-rollback');
    try {
      const sandbox = newSandbox();
      // A command that runs until it is stopped.
      sandbox.exec = (_id: string, _argv: string[], options?: { signal?: AbortSignal }) =>
        new Promise<TExecResult>((_, reject) =>
          options?.signal?.addEventListener('abort', () => reject(new Error('killed'))),
        );
      const { session } = await open(server, { sandbox });
      const controller = new AbortController();
      const running = session.generate(PROMPT, { signal: controller.signal });
      while (!sandbox.calls.some((c) => c.method === 'writeFiles')) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      assert.deepEqual(await running, { status: 'stopped' });
      assert.equal(sandbox.latestFiles().has('src/x.ts'), false, 'the stopped step’s write is undone in the preview');
      assert.equal(session.state.files['src/x.ts'], undefined);

      assert.deepEqual(await session.resume(), { status: 'complete' });
      assert.deepEqual([...currentFiles(session.state).keys()], ['src/y.ts']);
      assert.equal(sandbox.latestFiles().has('src/x.ts'), false);
    } finally {
      await server.close();
    }
  });

  it('parses checkpoints from before the agentic mode and refuses to run a phasic session', async () => {
    const old = { ...newSessionState('s-old'), query: 'an old app' } as Record<string, unknown>;
    delete old.mode;
    delete old.transcript;
    const parsed = ZSessionState.parse(old);
    assert.equal(parsed.mode, 'phasic');
    assert.deepEqual(parsed.transcript, []);
    const checkpoints = new InMemoryCheckpointStore();
    await checkpoints.save('session-1', old, 0);
    const server = await startScript('agentic-loop');
    try {
      await assert.rejects(open(server, { checkpoints }), /runs in phasic mode/);
    } finally {
      await server.close();
    }
  });

  it('fails with a clear message when the step limit is reached', async () => {
    const server = await startScript('agentic-loop');
    try {
      const { session, events } = await open(server, { config: { maxSteps: 3 } });
      const outcome = await session.generate(PROMPT);
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.error?.code, 'STEP_LIMIT');
      assert.match(
        outcome.error?.message ?? '',
        /used all 3 steps for this request without finishing \(last tool calls: list_files\)/,
      );
      assert.equal(server.requests.length, 3);
      assert.equal(events.ofType('error').length, 1);
      assert.deepEqual(session.state.lastError, outcome.error);

      // Resuming gives the request as many steps again (once per resume, checkpointed).
      const resumed = await session.resume();
      assert.equal(resumed.error?.code, 'STEP_LIMIT');
      assert.match(resumed.error?.message ?? '', /used all 6 steps/);
      assert.equal(server.requests.length, 6);
      assert.deepEqual(
        session.state.completedSteps.filter((k) => k.includes(':more:')),
        ['agentic:0:more:0'],
      );
    } finally {
      await server.close();
    }
  });

  it('an answer cut off at the output limit is not final: the model is asked to go on', async () => {
    const server = await startScriptedModelServer({
      models: ['scripted-coder'],
      turns: [
        {
          match: '^Build this app',
          reply: { content: 'Here is the whole app in one go: <file path=', finishReason: 'length' },
        },
        { matchLast: 'cut off at the output limit', reply: { content: 'Nothing to build yet: ask me for the files.' } },
      ],
    });
    try {
      const { session, events } = await open(server);
      assert.deepEqual(await session.generate(PROMPT), { status: 'complete' });
      assert.equal(server.requests.length, 2);
      const answers = events.ofType('conversation_response').filter((e) => !e.tool);
      assert.deepEqual(
        answers.map((e) => e.message),
        ['Nothing to build yet: ask me for the files.'],
      );
      assert.deepEqual(
        session.state.transcript.map((e) => [e.role, e.role === 'user' ? Boolean(e.note) : null]),
        [
          ['user', false],
          ['assistant', null],
          ['user', true],
          ['assistant', null],
        ],
      );
      // The note is no request: a follow-up is request 1, not 2.
      await session.sendMessage('thanks').catch(() => undefined);
      assert.ok(session.state.completedSteps.includes('agentic:1:request'));
    } finally {
      await server.close();
    }
  });

  it('keeps every request within a small context window by shortening the oldest tool output first', async () => {
    const server = await startScript('agentic-budget');
    const contextWindow = 5400;
    const maxOutputTokens = 500;
    const choice = { provider: 'local', model: 'scripted-coder', contextWindow, maxOutputTokens };
    const registry = new ProviderRegistry({
      providers: [{ kind: 'openai-compatible', id: 'local', baseURL: server.baseURL }],
      operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
      retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1000 },
      circuitBreaker: { failureThreshold: 5, cooldownMs: 60_000 },
    });
    try {
      const { session } = await open(server, { registry });
      assert.deepEqual(await session.generate(PROMPT), { status: 'complete' });
      assert.equal(server.requests.length, 5);
      const full = currentFiles(session.state).get('src/big.ts')!;
      for (const request of server.requests) {
        const body = request.body as { messages: unknown; tools: unknown };
        const tokens = estimateTokens(JSON.stringify(body.messages)) + estimateTokens(JSON.stringify(body.tools));
        assert.ok(tokens <= contextWindow - maxOutputTokens, `request of ~${tokens} tokens passes the window`);
        // The latest tool output is whole; whatever was shortened is older than every whole read.
        const reads = sentMessages(request.body).filter((m) => m.role === 'tool' && /value000/.test(String(m.content)));
        if (reads.length === 0) continue;
        assert.equal(reads.at(-1)!.content, full);
        const shortened = reads.map((m) => /\[shortened: /.test(String(m.content)));
        assert.deepEqual(shortened, [...shortened].sort().reverse(), 'shortened outputs come first');
      }
      const last = sentMessages(server.requests.at(-1)!.body);
      assert.equal(last[0]!.role, 'system');
      assert.match(String(last[1]!.content), /^Build this app/, 'the request is always kept');
      const reads = last.filter((m) => m.role === 'tool' && /value000/.test(String(m.content)));
      assert.ok(reads.length >= 2 && /\[shortened: /.test(String(reads[0]!.content)), 'the oldest read was shortened');
    } finally {
      await server.close();
    }
  });

  it('continues the same transcript on a follow-up message: the model edits an existing file', async () => {
    const server = await startScript('agentic-todo');
    try {
      const { session, events } = await open(server);
      assert.deepEqual(await session.generate(PROMPT), { status: 'complete' });
      const before = currentFiles(session.state).get('src/index.ts')!;
      assert.deepEqual(await session.sendMessage('make the page title say My Todos'), { status: 'complete' });

      const after = currentFiles(session.state).get('src/index.ts')!;
      assert.equal(after, before.replace('<h1>Todos</h1>', '<h1>My Todos</h1>'));
      assert.equal(session.state.files['src/index.ts']!.at(-1)!.step, 'agentic:1:0');
      const followUp = server.requests.find((r) => /^The user asks for a change/.test(r.lastUserMessage))!;
      const sent = sentMessages(followUp.body);
      assert.match(String(sent[1]!.content), /^Build this app/, 'the first request is still in the transcript');
      assert.ok(sent.some((m) => m.role === 'tool' && /^deployed/.test(String(m.content))));
      const answers = events
        .ofType('conversation_response')
        .filter((e) => !e.tool)
        .map((e) => e.message);
      assert.equal(answers.at(-1), 'The page title now says My Todos.');
      assert.deepEqual(
        session.state.conversation.map((m) => m.role),
        ['user', 'assistant', 'user', 'assistant'],
      );
      await assert.rejects(Promise.all([session.sendMessage('one'), session.sendMessage('two')]), /already running/);
    } finally {
      await server.close();
    }
  });
});
