import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCheckpointStore } from './in-memory-checkpoint-store.js';
import { PhasicPipeline, type PhasicPipelineOptions } from './phasic-pipeline.js';
import {
  CrashingCheckpointStore,
  EventRecorder,
  SimulatedCrash,
  TEST_TEMPLATES,
  newSandbox,
  registryFor,
  scriptPath,
  startScript,
} from './pipeline-testing.js';
import { loadModelScript } from '../testing/model-script.js';
import { estimateTokens } from '../providers/prompt-budget.js';
import type { CheckpointStore } from './ports.js';
import { currentFiles, ZSessionState } from './session-state.js';
import type { InMemorySandbox } from '../testing/in-memory-sandbox.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scripted-model-server.js';

const PROMPT = 'a todo app with a D1 table';

function open(
  server: ScriptedModelServer,
  parts: { sandbox?: InMemorySandbox; checkpoints?: CheckpointStore; events?: EventRecorder; sessionId?: string } = {},
) {
  const sandbox = parts.sandbox ?? newSandbox();
  const events = parts.events ?? new EventRecorder();
  const checkpoints = parts.checkpoints ?? new InMemoryCheckpointStore();
  const options: PhasicPipelineOptions = {
    sessionId: parts.sessionId ?? 'session-1',
    registry: registryFor(server),
    sandbox,
    checkpoints,
    events,
    templates: TEST_TEMPLATES,
    config: { maxFixRounds: 3 },
  };
  return { sandbox, events, checkpoints, pipeline: PhasicPipeline.open(options) };
}

/** Requests the scripted server answered whose request starts with `prefix`. */
function answered(server: ScriptedModelServer, prefix: string): number {
  return server.requests.filter((r) => r.lastUserMessage.startsWith(prefix) && r.outcome === 'replied').length;
}

async function runToCompletion(script: string) {
  const server = await startScript(script);
  try {
    const { sandbox, events, checkpoints, pipeline } = open(server);
    const p = await pipeline;
    const outcome = await p.generate(PROMPT);
    return { server, sandbox, events, checkpoints, pipeline: p, outcome };
  } finally {
    await server.close();
  }
}

describe('phasic pipeline with the scripted model and the in-memory sandbox', () => {
  it('builds "a todo app with a D1 table": blueprint (repaired) → 2 phases → files → generation_complete', async () => {
    const { server, sandbox, events, checkpoints, pipeline, outcome } = await runToCompletion('todo-d1');
    assert.deepEqual(outcome, { status: 'complete' });

    // The first blueprint answer was off-schema; the repair turn was used.
    assert.equal(answered(server, 'Plan the app'), 1);
    assert.equal(answered(server, 'Your answer is not valid'), 1);
    assert.equal(answered(server, 'Fix these problems'), 0, 'a clean app needs no model fix');

    const state = pipeline.state;
    assert.equal(state.status, 'complete');
    assert.equal(state.template, 'vite-react-worker-d1');
    assert.deepEqual(
      state.phases.map((p) => [p.name, p.status, p.remainingIssues.length]),
      [
        ['Data layer', 'implemented', 0],
        ['API and page', 'implemented', 0],
        ['Final review', 'implemented', 0],
      ],
    );
    // The review read the app, found nothing to change, and so checked nothing again.
    assert.equal(answered(server, 'Review the finished app'), 1);
    const [review] = events.ofType('code_reviewed');
    assert.deepEqual(review?.review.filesChanged, []);
    assert.match(review.review.summary, /does what the plan asks/);
    assert.equal(events.ofType('static_analysis_results').length, 2, 'one check per planned phase');
    const files = currentFiles(state);
    assert.deepEqual([...files.keys()].sort(), [
      'migrations/0001_todos.sql',
      'src/db.ts',
      'src/index.ts',
      'src/page.ts',
      'src/types.ts',
    ]);
    assert.match(files.get('src/db.ts')!, /export async function addTodo/);
    // The sandbox holds exactly what the state says (plus the template).
    const written = sandbox.latestFiles();
    for (const [path, content] of files) assert.equal(written.get(path), content, path);
    assert.ok(written.has('src/env.ts'), 'the template is in the preview');

    // Events: in order, every one valid against the contract (checked by the recorder).
    assert.deepEqual(events.outline().slice(0, 5), [
      'generation_started',
      'phase_generating',
      'phase_generated',
      'phase_implementing',
      'file_generating',
    ]);
    const outline = events.outline();
    const at = (type: string, from = 0) => outline.indexOf(type, from);
    const firstImplemented = at('phase_implemented');
    assert.ok(at('file_generated') < at('static_analysis_results'));
    assert.ok(at('static_analysis_results') < firstImplemented);
    assert.ok(firstImplemented < at('phase_generating', at('phase_generating') + 1), 'phase 2 starts after phase 1');
    assert.equal(events.types().at(-1), 'generation_complete');
    assert.equal(events.ofType('phase_implemented').length, 2);
    assert.equal(events.ofType('error').length, 0);
    const generated = events.ofType('file_generated').map((e) => e.file.filePath);
    assert.deepEqual(generated.sort(), [...files.keys()].sort());
    assert.ok(events.ofType('file_chunk_generated').length > 10, 'files stream chunk by chunk');
    const complete = events.ofType('generation_complete')[0]!;
    assert.equal(complete.previewURL, `/preview/${complete.instanceId}/`);

    // The checkpoint is the state, and it carries the usage ledger.
    const stored = ZSessionState.parse((await checkpoints.load('session-1'))!.state);
    assert.deepEqual(stored.files, state.files);
    assert.equal(stored.status, 'complete');
    const calls = stored.usage.entries.reduce((n, e) => n + e.calls, 0);
    assert.equal(calls, 5, 'blueprint ×2, phase ×2, review');
  });

  it('answers follow-ups: a change becomes a minimal edit phase, a question changes nothing', async () => {
    const server = await startScript('todo-d1');
    try {
      const { events, pipeline } = open(server);
      const p = await pipeline;
      assert.equal((await p.generate(PROMPT)).status, 'complete');
      const before = currentFiles(p.state);

      const outcome = await p.sendMessage('make the button blue');
      assert.equal(outcome.status, 'complete');
      const after = currentFiles(p.state);
      assert.equal(
        after.get('src/page.ts'),
        before.get('src/page.ts')!.replace('background: gray', 'background: blue'),
      );
      for (const [path, content] of before) if (path !== 'src/page.ts') assert.equal(after.get(path), content, path);
      const edit = p.state.phases.at(-1)!;
      assert.equal(edit.kind, 'edit');
      assert.equal(edit.status, 'implemented');
      assert.equal(p.state.files['src/page.ts']!.length, 2, 'one new version of the edited file');
      const response = events.ofType('conversation_response').at(-1)!;
      assert.equal(response.message, 'Sure: the Add button is blue now.');
      assert.match(response.enhancedRequest ?? '', /blue/);
      assert.equal(events.types().at(-1), 'generation_complete');

      const phases = p.state.phases.length;
      assert.equal((await p.sendMessage('what does it store?')).status, 'complete');
      assert.equal(p.state.phases.length, phases, 'a question adds no phase');
      assert.equal(events.ofType('conversation_response').at(-1)!.message, 'Todos, in the D1 table todos.');
      assert.deepEqual(currentFiles(p.state), after);
    } finally {
      await server.close();
    }
  });

  it('the final review may change the app: its change is checked and deployed like a phase', async () => {
    const script = await loadModelScript(scriptPath('todo-d1'));
    const review = {
      match: '^Review the finished app "Todos"',
      times: 1,
      latencyMs: 0,
      chunkDelayMs: 0,
      reply: {
        content:
          'The page works, but its heading should say what the list is.\n<edit path="src/page.ts">\n<<<<<<< SEARCH\n    <h1>Todos</h1>\n=======\n    <h1>My todos</h1>\n>>>>>>> REPLACE\n</edit>\n',
        chunkSize: 16,
        toolCalls: [],
      },
    };
    const server = await startScriptedModelServer({ ...script, turns: [review, ...script.turns] });
    try {
      const { events, pipeline } = open(server);
      const p = await pipeline;
      assert.deepEqual(await p.generate(PROMPT), { status: 'complete' });
      const [reviewed] = events.ofType('code_reviewed');
      assert.deepEqual(reviewed?.review.filesChanged, ['src/page.ts']);
      assert.match(reviewed.review.summary, /heading should say/);
      assert.match(currentFiles(p.state).get('src/page.ts')!, /<h1>My todos<\/h1>/);
      assert.deepEqual(p.state.files['src/page.ts']!.at(-1)!.step, 'phase:2:implement');
      const outline = events.outline();
      const reviewing = outline.indexOf('code_reviewing');
      assert.ok(reviewing > outline.lastIndexOf('phase_implemented'), 'the review comes after the phases');
      assert.ok(outline.indexOf('static_analysis_results', reviewing) > reviewing, 'the change is checked');
      assert.ok(outline.indexOf('deployment_completed', reviewing) > reviewing, 'and deployed');
      assert.equal(p.state.conversation.at(-2)?.content.startsWith('Review: The page works'), true);
    } finally {
      await server.close();
    }
  });

  it('fits a small local model: with a 4k window every prompt stays inside it, the phase files kept', async () => {
    const server = await startScript('todo-d1');
    try {
      // A template with a large file (a vendored library): more context than a 4k window holds.
      const vendored = `export const TABLE = [\n${Array.from({ length: 600 }, (_, i) => `  'row ${i}',`).join('\n')}\n];\n`;
      const templates = TEST_TEMPLATES.map((t) => ({ ...t, files: { ...t.files, 'src/vendor/table.ts': vendored } }));
      const window = { contextWindow: 4096, maxOutputTokens: 1024 };
      const sandbox = newSandbox();
      const p = await PhasicPipeline.open({
        sessionId: 'small-window',
        registry: registryFor(server, 'openai-compatible', window),
        sandbox,
        checkpoints: new InMemoryCheckpointStore(),
        events: new EventRecorder(),
        templates,
        config: { maxFixRounds: 3 },
      });
      assert.deepEqual(await p.generate(PROMPT), { status: 'complete' });
      const budget = window.contextWindow - window.maxOutputTokens;
      for (const request of server.requests) {
        const body = request.body as { messages: { content: string }[] };
        const tokens = estimateTokens(body.messages.map((m) => m.content).join(''));
        assert.ok(tokens <= budget, `${request.lastUserMessage.slice(0, 30)}: ${tokens} tokens > ${budget}`);
      }
      // Phase 2 needed phase 1's files, not the vendored table: the table was what got cut.
      const phase2 = JSON.stringify(
        server.requests.find((r) => r.lastUserMessage.startsWith('Implement phase 2'))?.body,
      );
      assert.match(phase2, /src\/db\.ts/);
      assert.doesNotMatch(phase2, /'row 599'/);
    } finally {
      await server.close();
    }
  });

  it('repairs an injected TypeScript error: one deterministic fix, then one model fix', async () => {
    const { server, events, pipeline, outcome } = await runToCompletion('todo-d1-fix');
    assert.deepEqual(outcome, { status: 'complete' });
    const state = pipeline.state;
    assert.deepEqual(
      state.fixes.map((f) => [f.phaseIndex, f.round, f.kind, f.files]),
      [
        [0, 0, 'deterministic', ['src/db.ts']],
        [0, 1, 'model', ['src/db.ts']],
      ],
    );
    assert.match(state.fixes[0]!.notes[0]!, /import type \{ Todo \} from '\.\/types'/);
    assert.equal(answered(server, 'Fix these problems'), 1);
    const fixRequest = server.requests.find((r) => r.lastUserMessage.startsWith('Fix these problems'))!;
    assert.doesNotMatch(fixRequest.lastUserMessage, /TS2304/, 'the deterministic fix ran first');

    const db = currentFiles(state).get('src/db.ts')!;
    assert.match(db, /^import type \{ Todo \} from '\.\/types';$/m);
    assert.match(db, /return results\[0\]\?\.n \?\? 0;/);
    assert.deepEqual(
      state.files['src/db.ts']!.map((v) => [v.step, v.origin]),
      [
        ['phase:0:implement', 'model'],
        ['phase:0:fix:0', 'deterministic-fix'],
        ['phase:0:fix:1', 'model'],
      ],
    );
    assert.ok(state.phases.every((p) => p.remainingIssues.length === 0));

    // The analysis results the client saw: two errors, then one, then none.
    const errorCounts = events
      .ofType('static_analysis_results')
      .map((e) => e.staticAnalysis.typecheck.issues.filter((i) => i.severity === 'error').length);
    assert.deepEqual(errorCounts.slice(0, 3), [2, 1, 0]);
    const first = events.ofType('static_analysis_results')[0]!.staticAnalysis.typecheck.issues;
    assert.deepEqual(first.map((i) => i.ruleId).sort(), ['TS2304', 'TS2322']);
  });

  it('repairs a runtime error the preview reports (a query on a table that does not exist)', async () => {
    const { server, events, pipeline, outcome } = await runToCompletion('todo-d1-runtime');
    assert.deepEqual(outcome, { status: 'complete' });
    const state = pipeline.state;
    assert.deepEqual(
      state.fixes.map((f) => [f.phaseIndex, f.round, f.kind, f.files]),
      [[0, 0, 'model', ['src/db.ts']]],
    );
    assert.equal(answered(server, 'Fix these problems'), 1);
    const found = events.ofType('runtime_error_found');
    assert.equal(found.length, 1, 'reported once, gone after the fix');
    assert.match(found[0]!.errors[0]!.message, /no such table: todo\b/);
    assert.equal(found[0]!.errors[0]!.level, 50);
    assert.doesNotMatch(currentFiles(state).get('src/db.ts')!, /FROM todo\b/);
  });

  it('resumes after a crash right after a checkpoint mid-phase, without redoing completed steps', async () => {
    const reference = await runToCompletion('todo-d1');
    const server = await startScript('todo-d1');
    try {
      const store = new InMemoryCheckpointStore();
      // Dies once phase 2's files are written, before they were checked.
      const crashing = new CrashingCheckpointStore(store, (s) => s.completedSteps.includes('phase:1:implement'));
      const first = open(server, { checkpoints: crashing });
      const outcome = await (await first.pipeline).generate(PROMPT);
      assert.equal(outcome.status, 'failed');
      assert.ok(crashing.dead);

      const stored = ZSessionState.parse((await store.load('session-1'))!.state);
      assert.ok(stored.completedSteps.includes('phase:1:implement'));
      assert.ok(!stored.completedSteps.includes('phase:1:done'));

      // A new process: new pipeline, new sandbox, the same store and model server.
      const events = new EventRecorder();
      const second = open(server, { checkpoints: store, events });
      const resumed = await second.pipeline;
      assert.equal((await resumed.resume()).status, 'complete');

      assert.deepEqual(currentFiles(resumed.state), currentFiles(reference.pipeline.state));
      assert.equal(answered(server, 'Implement phase 1'), 1, 'phase 1 ran once');
      assert.equal(answered(server, 'Implement phase 2'), 1, 'phase 2 ran once');
      assert.equal(answered(server, 'Plan the app'), 1);
      assert.equal(events.types()[0], 'generation_resumed');
      assert.equal(events.ofType('phase_implementing').length, 0, 'no phase was implemented again');
      assert.equal(events.ofType('phase_implemented').length, 1, 'only phase 2 was finished');
      // The new sandbox was rebuilt from the checkpoint before being checked.
      const rebuilt = second.sandbox.calls[0]!;
      assert.equal(rebuilt.method, 'createPreview');
      for (const [path, content] of currentFiles(resumed.state))
        assert.equal(second.sandbox.latestFiles().get(path), content);
      assert.equal(events.types().at(-1), 'generation_complete');
    } finally {
      await server.close();
    }
  });

  it('a crash mid-stream persists nothing of the half-streamed phase; resume redoes that phase only', async () => {
    const reference = await runToCompletion('todo-d1');
    const server = await startScript('todo-d1-slow');
    try {
      const store = new InMemoryCheckpointStore();
      const crashing = new CrashingCheckpointStore(store, () => false);
      const events = new EventRecorder();
      events.on((e) => {
        if (e.type === 'file_chunk_generated' && e.filePath === 'src/page.ts' && !crashing.dead) {
          crashing.dead = true;
          throw new SimulatedCrash('process killed mid-stream');
        }
      });
      const first = open(server, { checkpoints: crashing, events });
      assert.equal((await (await first.pipeline).generate(PROMPT)).status, 'failed');

      const stored = ZSessionState.parse((await store.load('session-1'))!.state);
      assert.equal(stored.status, 'running', 'the dead process wrote nothing after its last step');
      assert.ok(stored.completedSteps.includes('phase:0:done'));
      assert.ok(!stored.completedSteps.includes('phase:1:implement'));
      assert.equal(currentFiles(stored).has('src/page.ts'), false);

      const second = open(server, { checkpoints: store });
      const resumed = await second.pipeline;
      assert.equal((await resumed.resume()).status, 'complete');
      assert.deepEqual(currentFiles(resumed.state), currentFiles(reference.pipeline.state));
      assert.equal(answered(server, 'Implement phase 1'), 1);
      assert.deepEqual(
        resumed.state.files['src/page.ts']!.map((v) => v.step),
        ['phase:1:implement'],
        'one version: the redone phase',
      );
    } finally {
      await server.close();
    }
  });

  it('stops during streaming with generation_stopped, writes nothing partial, and resume completes', async () => {
    const server = await startScript('todo-d1-slow');
    try {
      const store = new InMemoryCheckpointStore();
      const events = new EventRecorder();
      const { pipeline, sandbox } = open(server, { checkpoints: store, events });
      const p = await pipeline;
      const controller = new AbortController();
      let chunksOfPhase2 = 0;
      events.on((e) => {
        if (e.type === 'file_chunk_generated' && e.filePath === 'src/page.ts' && ++chunksOfPhase2 === 2)
          controller.abort();
      });
      const outcome = await p.generate(PROMPT, { signal: controller.signal });
      assert.equal(outcome.status, 'stopped');
      assert.equal(events.types().at(-1), 'generation_stopped');
      const cut = await server.waitForClientClose(1, 5_000);
      assert.ok(cut, 'the provider stream was closed');
      assert.match(cut.lastUserMessage, /^Implement phase 2/);
      const total = Math.ceil(
        (await loadModelScript(scriptPath('todo-d1-slow'))).turns[2]!.reply!.content!.length / 20,
      );
      assert.ok(cut.chunksSent < total / 2, `cut short: ${cut.chunksSent} of ${total} chunks sent`);

      const stored = ZSessionState.parse((await store.load('session-1'))!.state);
      assert.equal(stored.status, 'stopped');
      assert.ok(stored.completedSteps.includes('phase:0:done'));
      assert.ok(!stored.completedSteps.includes('phase:1:implement'));
      assert.equal(currentFiles(stored).has('src/page.ts'), false, 'a half-streamed file is never written');
      assert.equal(sandbox.latestFiles().has('src/page.ts'), false);

      const resumed = await p.resume();
      assert.equal(resumed.status, 'complete');
      assert.equal(answered(server, 'Implement phase 1'), 1);
      assert.equal(answered(server, 'Implement phase 2'), 1, 'the stopped call is not counted as answered');
      assert.ok(currentFiles(p.state).has('src/page.ts'));
      assert.equal(events.types().at(-1), 'generation_complete');
    } finally {
      await server.close();
    }
  });
});
