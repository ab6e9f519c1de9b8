import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCheckpointStore } from './in-memory-checkpoint-store.js';
import { PhasicPipeline } from './phasic-pipeline.js';
import { EventRecorder, TEST_TEMPLATES, newSandbox, registryFor, startScript } from './pipeline-testing.js';
import { AgentSessionController } from './session-controller.js';
import { currentFiles } from './session-state.js';

const PROMPT = 'a todo app with a D1 table';

async function setup(script: string) {
  const server = await startScript(script);
  const events = new EventRecorder();
  const pipeline = await PhasicPipeline.open({
    sessionId: 's',
    registry: registryFor(server),
    sandbox: newSandbox(),
    checkpoints: new InMemoryCheckpointStore(),
    events,
    templates: TEST_TEMPLATES,
  });
  return { server, events, pipeline, session: new AgentSessionController(pipeline, PROMPT) };
}

describe('session controller (client messages → pipeline)', () => {
  it('generate_all runs once; a suggestion sent meanwhile waits, then becomes an edit', async () => {
    const { server, events, pipeline, session } = await setup('todo-d1');
    try {
      session.handle({ type: 'generate_all' });
      session.handle({ type: 'generate_all' });
      session.handle({ type: 'user_suggestion', message: 'make the button blue' });
      assert.ok(session.running);
      assert.deepEqual(session.queued, ['make the button blue']);
      assert.deepEqual(await session.idle(), { status: 'complete' });
      assert.equal(server.requests.filter((r) => r.lastUserMessage.startsWith('Plan the app')).length, 1);
      assert.equal(events.ofType('generation_started').length, 1);
      assert.match(currentFiles(pipeline.state).get('src/page.ts')!, /background: blue/);
      assert.equal(events.ofType('conversation_response').length, 1);
    } finally {
      await server.close();
    }
  });

  it('stop_generation stops the run; resume_generation finishes it', async () => {
    const { server, events, session } = await setup('todo-d1-slow');
    try {
      let stops = 0;
      events.on((e) => {
        if (e.type === 'file_chunk_generated' && e.filePath === 'src/page.ts' && stops++ === 0) {
          session.handle({ type: 'stop_generation' });
        }
      });
      session.handle({ type: 'generate_all' });
      assert.deepEqual(await session.idle(), { status: 'stopped' });
      assert.equal(events.types().at(-1), 'generation_stopped');
      session.handle({ type: 'resume_generation' });
      assert.deepEqual(await session.idle(), { status: 'complete' });
      assert.equal(events.types().at(-1), 'generation_complete');
    } finally {
      await server.close();
    }
  });
});
