import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { ZBlueprint } from './blueprint-schema.js';
import { InMemoryCheckpointStore } from './in-memory-checkpoint-store.js';
import { guardSandbox } from './guard-sandbox.js';
import { TEST_TEMPLATES, newSandbox } from './pipeline-testing.js';
import { selectTemplate } from './select-template.js';
import { SessionActor } from './session-actor.js';
import { currentFiles, recordFileVersion } from './session-state.js';
import { extractJsonObject, parseStructured } from './structured-output.js';
import { completionSummary } from './prompts.js';

describe('structured output', () => {
  it('finds the JSON object in prose and fences, and drops trailing commas', () => {
    const text = 'Sure!\n```json\n{"a": "x } y", "b": [1, 2,], "c": {"d": true,},}\n```\nDone.';
    assert.deepEqual(JSON.parse(extractJsonObject(text)!), { a: 'x } y', b: [1, 2], c: { d: true } });
    assert.equal(extractJsonObject('no json here'), undefined);
    assert.equal(extractJsonObject('{"cut": '), undefined);
  });

  it('reports schema problems by path, so the repair prompt can name them', () => {
    const parsed = parseStructured('{"title": "T", "description": "d", "phases": [{"name": 1}]}', ZBlueprint);
    assert.equal(parsed.ok, false);
    assert.match(!parsed.ok ? parsed.problems : '', /phases\.0\.name/);
    const ok = parseStructured('{"n": 3}', z.object({ n: z.number() }));
    assert.deepEqual(ok, { ok: true, value: { n: 3 } });
    assert.match((parseStructured('{"n": }', z.object({})) as { problems: string }).problems, /does not parse/);
  });
});

describe('template selection', () => {
  it("takes the model's choice when it names a known template", () => {
    const choice = selectTemplate(TEST_TEMPLATES, 'a chat room', ' Vite_React_Worker_D1 ');
    assert.deepEqual([choice.template.name, choice.by], ['vite-react-worker-d1', 'model']);
  });

  it('falls back to keywords when the choice is unknown or missing', () => {
    assert.equal(
      selectTemplate(TEST_TEMPLATES, 'a realtime chat room', 'nextjs').template.name,
      'worker-durable-object',
    );
    assert.equal(
      selectTemplate(TEST_TEMPLATES, 'a todo app with a D1 table', undefined).template.name,
      'vite-react-worker-d1',
    );
    const fallback = selectTemplate(TEST_TEMPLATES, 'something else entirely', undefined);
    assert.deepEqual([fallback.template.name, fallback.by], ['vite-react-worker-d1', 'keywords']);
  });
});

describe('session actor and checkpoints', () => {
  it('runs a step once, checkpoints after it, and skips it when reopened', async () => {
    const store = new InMemoryCheckpointStore();
    const actor = await SessionActor.open(store, 's1');
    let runs = 0;
    await actor.step('a', (state) => {
      runs++;
      recordFileVersion(state, 'x.ts', { content: '1', purpose: 'p', step: 'a', origin: 'model' });
      return Promise.resolve();
    });
    assert.equal(store.revisionOf('s1'), 1);
    const reopened = await SessionActor.open(store, 's1');
    await reopened.step('a', () => {
      runs++;
      return Promise.resolve();
    });
    assert.equal(runs, 1);
    assert.deepEqual([...currentFiles(reopened.state)], [['x.ts', '1']]);
  });

  it('rolls back the mutations of a failed step and does not mark it done', async () => {
    const store = new InMemoryCheckpointStore();
    const actor = await SessionActor.open(store, 's2');
    await assert.rejects(
      actor.step('a', (state) => {
        state.query = 'changed';
        recordFileVersion(state, 'x.ts', { content: '1', purpose: 'p', step: 'a', origin: 'model' });
        return Promise.reject(new Error('model failed'));
      }),
      /model failed/,
    );
    assert.equal(actor.state.query, '');
    assert.deepEqual(actor.state.files, {});
    assert.equal(actor.isDone('a'), false);
    assert.equal(store.revisionOf('s2'), 0);
  });

  it('refuses a checkpoint from a second owner (compare-and-set on the revision)', async () => {
    const store = new InMemoryCheckpointStore();
    const one = await SessionActor.open(store, 's3');
    const two = await SessionActor.open(store, 's3');
    await one.checkpoint();
    await assert.rejects(two.checkpoint(), (e) => e instanceof AgentError && e.code === 'CHECKPOINT_CONFLICT');
  });

  it('refuses a stored state that does not match the schema', async () => {
    const store = new InMemoryCheckpointStore();
    await store.save('s4', { version: 1, sessionId: 's4' }, 0);
    await assert.rejects(
      SessionActor.open(store, 's4'),
      (e) => e instanceof AgentError && e.code === 'CHECKPOINT_INVALID',
    );
  });

  it('keeps file history: versions only when the content changes', () => {
    const state = { files: {} } as Parameters<typeof recordFileVersion>[0];
    const v = (content: string | null) => ({ content, purpose: '', step: 's', origin: 'model' as const });
    assert.equal(recordFileVersion(state, 'a', v('1')), true);
    assert.equal(recordFileVersion(state, 'a', v('1')), false);
    assert.equal(recordFileVersion(state, 'a', v('2')), true);
    assert.equal(recordFileVersion(state, 'b', v(null)), false, 'deleting a file that never existed');
    assert.deepEqual(
      state.files['a']!.map((x) => x.content),
      ['1', '2'],
    );
  });
});

describe('the sandbox as the pipeline sees it', () => {
  it('keeps the optional operations the implementation has, with failures as SANDBOX_ERROR', async () => {
    const sandbox = newSandbox();
    assert.ok(!('probe' in guardSandbox(sandbox)), 'an operation the sandbox lacks stays absent');
    const probing = Object.assign(newSandbox(), {
      probe: () => Promise.reject(new Error('runner answered 502')),
      applyBuild: () => Promise.resolve(),
    });
    const guarded = guardSandbox(probing);
    assert.ok('applyBuild' in guarded);
    await assert.rejects(guarded.probe?.('i', ['/']) ?? Promise.resolve(), (error: unknown) => {
      assert.ok(error instanceof AgentError);
      assert.equal(error.code, 'SANDBOX_ERROR');
      assert.match(error.message, /sandbox probe failed: runner answered 502/);
      return true;
    });
  });

  it('drops odd check paths from a blueprint instead of refusing the plan', () => {
    const blueprint = ZBlueprint.parse({
      title: 'T',
      description: 'd',
      phases: [{ name: 'p', description: 'd', files: [] }],
      checkPaths: ['/api/items', 'GET /api/x', 'http://evil/', '/api/items', '/has space'],
    });
    assert.deepEqual(blueprint.checkPaths, ['/api/items']);
  });
});

describe('the closing summary', () => {
  it('counts the phases built and the changes made apart, the files the session wrote, the review', () => {
    const phase = (kind: 'plan' | 'edit' | 'review', issues = 0) => ({
      name: kind,
      description: '',
      files: [],
      kind,
      status: 'implemented' as const,
      fixRounds: 0,
      remainingIssues: Array.from({ length: issues }, () => ({
        file: 'a.ts',
        line: 1,
        column: 1,
        code: 'TS1',
        message: 'x',
        severity: 'error' as const,
        source: 'typecheck' as const,
      })),
    });
    const blueprint = ZBlueprint.parse({
      title: 'Todos',
      description: 'd',
      phases: [{ name: 'p', description: 'd', files: [] }],
    });
    assert.equal(
      completionSummary(blueprint, [phase('plan'), phase('plan'), phase('review')], 5),
      'Todos is ready: 2 phase(s) built, 5 file(s) written, reviewed.',
    );
    assert.equal(
      completionSummary(null, [phase('plan', 2), phase('edit')], 3),
      'The app is ready: 1 phase(s) built, 1 change(s) made, 3 file(s) written, 2 problem(s) left open.',
    );
  });
});
