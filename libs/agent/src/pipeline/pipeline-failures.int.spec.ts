import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelScript, type TModelScript } from '../testing/model-script.js';
import { startScriptedModelServer } from '../testing/scripted-model-server.js';
import { InMemoryCheckpointStore } from './in-memory-checkpoint-store.js';
import { PhasicPipeline } from './phasic-pipeline.js';
import type { TPipelineConfigInput } from './pipeline-context.js';
import { EventRecorder, TEST_TEMPLATES, newSandbox, registryFor, scriptPath } from './pipeline-testing.js';
import { currentFiles, ZSessionState } from './session-state.js';

const PROMPT = 'a todo app with a D1 table';

/** The todo script with extra turns in front (they win while they last). */
async function todoScriptWith(turns: TModelScript['turns']): Promise<TModelScript> {
  const base = await loadModelScript(scriptPath('todo-d1'));
  return { ...base, turns: [...turns, ...base.turns] };
}

async function setup(script: TModelScript, sandbox = newSandbox(), config: TPipelineConfigInput = {}) {
  const server = await startScriptedModelServer(script);
  const store = new InMemoryCheckpointStore();
  const events = new EventRecorder();
  const pipeline = await PhasicPipeline.open({
    sessionId: 's',
    registry: registryFor(server),
    sandbox,
    checkpoints: store,
    events,
    templates: TEST_TEMPLATES,
    config,
  });
  return { server, store, events, pipeline, sandbox };
}

const turn = (t: Partial<TModelScript['turns'][number]>): TModelScript['turns'][number] => ({
  times: 1,
  latencyMs: 0,
  chunkDelayMs: 0,
  ...t,
});

describe('pipeline failures and their resume', () => {
  it('a provider that keeps failing fails the run with PROVIDER_ERROR; resume redoes only that phase', async () => {
    // Two 503s use up the registry's two attempts for phase 2.
    const script = await todoScriptWith([
      turn({ match: '^Implement phase 2', times: 2, error: { status: 503, message: 'overloaded' } }),
    ]);
    const { server, store, events, pipeline } = await setup(script);
    try {
      const outcome = await pipeline.generate(PROMPT);
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.error?.code, 'PROVIDER_ERROR');
      assert.equal(events.types().at(-1), 'error');
      assert.equal(events.ofType('error').at(-1)!.code, 'PROVIDER_ERROR');
      const stored = ZSessionState.parse((await store.load('s'))!.state);
      assert.equal(stored.status, 'failed');
      assert.equal(stored.lastError?.code, 'PROVIDER_ERROR');
      assert.ok(stored.completedSteps.includes('phase:0:done'));
      const failedAttempts = stored.usage.entries.reduce((n, e) => n + e.failedAttempts, 0);
      assert.equal(failedAttempts, 2, 'the ledger saw both failed attempts');

      assert.equal((await pipeline.resume()).status, 'complete');
      const phase1Calls = server.requests.filter((r) => r.lastUserMessage.startsWith('Implement phase 1'));
      assert.equal(phase1Calls.length, 1);
      assert.ok(currentFiles(pipeline.state).has('src/index.ts'));
    } finally {
      await server.close();
    }
  });

  it('problems left when the fix rounds run out are reported (FIX_INCOMPLETE), kept, and fixed in the next phase', async () => {
    const script = await loadModelScript(scriptPath('todo-d1-fix'));
    const { server, events, pipeline } = await setup(script, newSandbox(), { maxFixRounds: 1 });
    try {
      assert.equal((await pipeline.generate(PROMPT)).status, 'complete');
      const [first] = pipeline.state.phases;
      assert.deepEqual(
        first!.remainingIssues.map((d) => [d.file, d.code]),
        [['src/db.ts', 'TS2322']],
      );
      assert.equal(first!.fixRounds, 1);
      const incomplete = events.ofType('error').filter((e) => e.code === 'FIX_INCOMPLETE');
      assert.equal(incomplete.length, 1);
      assert.match(incomplete[0]!.error, /Data layer: 1 problem\(s\) left after 1 fix round/);
      // The next phase's checks still see it, and its own fix round repairs it.
      assert.deepEqual(
        pipeline.state.fixes.map((f) => [f.phaseIndex, f.round, f.kind]),
        [
          [0, 0, 'deterministic'],
          [1, 0, 'model'],
        ],
      );
      assert.equal(server.requests.filter((r) => r.lastUserMessage.startsWith('Fix these')).length, 1);
      assert.deepEqual(pipeline.state.phases[1]!.remainingIssues, []);
    } finally {
      await server.close();
    }
  });

  it('a blueprint that stays invalid fails with BLUEPRINT_INVALID after the repair attempts', async () => {
    const bad = turn({
      times: 3,
      reply: { content: 'I think a todo app is a great idea!', chunkSize: 16, toolCalls: [] },
    });
    const { server, events, pipeline } = await setup({ models: ['scripted-coder'], turns: [bad] });
    try {
      const outcome = await pipeline.generate(PROMPT);
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.error?.code, 'STRUCTURED_OUTPUT_INVALID');
      assert.equal(events.ofType('error').at(-1)!.code, 'BLUEPRINT_INVALID');
      assert.equal(server.requests.length, 3);
      assert.equal(pipeline.state.blueprint, null);
    } finally {
      await server.close();
    }
  });

  it('a sandbox failure is reported as SANDBOX_ERROR and resume continues', async () => {
    const sandbox = newSandbox();
    let failures = 1;
    const exec = sandbox.exec.bind(sandbox);
    sandbox.exec = (...args) => (failures-- > 0 ? Promise.reject(new Error('runner answered 502')) : exec(...args));
    const { server, events, pipeline } = await setup(await loadModelScript(scriptPath('todo-d1')), sandbox);
    try {
      // The todo script's first blueprint answer is off-schema and repaired; that is fine here.
      const outcome = await pipeline.generate(PROMPT);
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.error?.code, 'SANDBOX_ERROR');
      assert.match(outcome.error?.message ?? '', /exec failed: runner answered 502/);
      assert.equal(events.ofType('error').at(-1)!.code, 'SANDBOX_ERROR');
      assert.equal((await pipeline.resume()).status, 'complete');
    } finally {
      await server.close();
    }
  });

  it('a stop while the blueprint is being planned leaves a resumable session', async () => {
    const script = await todoScriptWith([
      turn({ match: '^Plan the app', latencyMs: 2_000, reply: { content: '{}', chunkSize: 16, toolCalls: [] } }),
    ]);
    const { server, store, events, pipeline } = await setup(script);
    try {
      const controller = new AbortController();
      const running = pipeline.generate(PROMPT, { signal: controller.signal });
      // Stop once the request reached the model server.
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      assert.equal((await running).status, 'stopped');
      assert.equal(events.types().at(-1), 'generation_stopped');
      const stored = ZSessionState.parse((await store.load('s'))!.state);
      assert.deepEqual([stored.status, stored.query, stored.completedSteps], ['stopped', PROMPT, []]);
      assert.equal((await pipeline.resume()).status, 'complete');
      assert.deepEqual(
        pipeline.state.phases.map((p) => p.kind),
        ['plan', 'plan', 'review'],
      );
    } finally {
      await server.close();
    }
  });

  it('refuses a second run of the same session while one is running', async () => {
    const script = await todoScriptWith([
      turn({ match: '^Plan the app', latencyMs: 300, reply: { content: '{}', chunkSize: 16, toolCalls: [] } }),
    ]);
    const { server, pipeline } = await setup(script);
    try {
      const first = pipeline.generate(PROMPT);
      await assert.rejects(pipeline.resume(), /already running/);
      assert.equal((await first).status, 'complete');
    } finally {
      await server.close();
    }
  });
});
