import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tool, type ModelMessage } from 'ai';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { InMemoryCheckpointStore } from '../pipeline/in-memory-checkpoint-store.js';
import { AgenticSession } from '../agentic/agentic-session.js';
import { PhasicPipeline } from '../pipeline/phasic-pipeline.js';
import {
  EventRecorder,
  TEST_TEMPLATES,
  newSandbox,
  registryFor as pipelineRegistryFor,
} from '../pipeline/pipeline-testing.js';
import { currentFiles } from '../pipeline/session-state.js';
import { loadModelScript, type TModelScriptInput } from '../testing/model-script.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scripted-model-server.js';
import { generateModel, streamModel } from './model-call.js';
import {
  collect,
  expectAbortStopsStream,
  expectCounterStreamed,
  expectMidStreamDropFails,
  expectRetryAfterHonoured,
  registryFor as callRegistryFor,
  scriptPath,
  user,
  type TProviderKind,
} from './model-call-testing.js';
import { UsageLedger } from './usage-ledger.js';

/**
 * The hosted providers' real SDK code (@ai-sdk/anthropic, @ai-sdk/google) against the scripted
 * server speaking their wire protocols: the same scripts the openai-compatible tests replay.
 */

const HOSTED = [
  { kind: 'anthropic', protocol: 'anthropic' },
  { kind: 'google', protocol: 'gemini' },
] as const;

const registryFor = (server: ScriptedModelServer, kind: TProviderKind) => callRegistryFor(server, { kind });

const listFiles = {
  list_files: tool({
    description: 'List the files of the app',
    inputSchema: z.object({ dir: z.string(), recursive: z.boolean() }),
  }),
};

const TOOL_SCRIPT: TModelScriptInput = {
  models: ['scripted-coder'],
  turns: [
    {
      match: 'list the files',
      times: 2,
      reply: {
        toolCalls: [{ id: 'call_list_1', name: 'list_files', arguments: { dir: 'src', recursive: true } }],
        usage: { prompt_tokens: 200, completion_tokens: 12 },
      },
    },
    { matchLast: '^src/a\\.ts\\nsrc/b\\.ts$', reply: { content: 'Two files.' } },
  ],
};

/** The step after a list_files call: the call and its result, as the agentic loop sends them. */
const TOOL_RESULT_TRANSCRIPT: ModelMessage[] = [
  {
    role: 'assistant',
    content: [
      { type: 'tool-call', toolCallId: 'call_list_1', toolName: 'list_files', input: { dir: 'src', recursive: true } },
    ],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: 'call_list_1',
        toolName: 'list_files',
        output: { type: 'text', value: 'src/a.ts\nsrc/b.ts' },
      },
    ],
  },
];

for (const { kind, protocol } of HOSTED) {
  describe(`the ${kind} provider against the scripted server (${protocol} wire protocol)`, () => {
    describe('streaming and usage', () => {
      let server: ScriptedModelServer;
      before(async () => {
        server = await startScriptedModelServer(await loadModelScript(scriptPath('stream-and-tools')));
      });
      after(() => server.close());

      it('streams text chunk by chunk and accounts the usage the server reports', async () => {
        const { request } = await expectCounterStreamed(server, kind);
        assert.equal(request.protocol, protocol);
        assert.equal(request.lastUserMessage, 'write the counter');
      });

      it('generates without streaming and reports a "length" finish', async () => {
        const ledger = new UsageLedger();
        const result = await generateModel(registryFor(server, kind), {
          operation: 'conversation',
          instructions: 'Be brief.',
          messages: user('write a long file'),
          ledger,
        });
        assert.match(result.text, /^<file path="src\/ok\.ts">/);
        assert.equal(result.finishReason, 'length');
        assert.equal(server.requests.at(-1)!.stream, false);
        assert.deepEqual([ledger.totals().inputTokens, ledger.totals().outputTokens], [40, 1024]);
      });

      it('flags a tool call whose arguments do not parse', async () => {
        const events = await collect(
          streamModel(registryFor(server, kind), {
            operation: 'conversation',
            instructions: 'Use tools.',
            messages: user('a broken tool call'),
            tools: listFiles,
          }),
        );
        const call = events.find((e) => e.type === 'tool-call');
        assert.ok(call?.type === 'tool-call');
        assert.equal(call.toolName, 'list_files');
        assert.ok(call.invalid, 'the call must be marked invalid');
      });
    });

    describe('tool calls', () => {
      let server: ScriptedModelServer;
      before(async () => {
        server = await startScriptedModelServer(TOOL_SCRIPT);
      });
      after(() => server.close());

      it('streams a tool call with its arguments parsed against the tool schema', async () => {
        const ledger = new UsageLedger();
        const events = await collect(
          streamModel(registryFor(server, kind), {
            operation: 'conversation',
            instructions: 'Use tools.',
            messages: user('list the files'),
            tools: listFiles,
            ledger,
          }),
        );
        assert.deepEqual(
          events.filter((e) => e.type === 'tool-call'),
          [
            {
              type: 'tool-call',
              toolCallId: 'call_list_1',
              toolName: 'list_files',
              input: { dir: 'src', recursive: true },
            },
          ],
        );
        const finish = events.find((e) => e.type === 'finish');
        assert.equal(finish?.type === 'finish' && finish.finishReason, 'tool-calls');
        assert.equal(ledger.totals().outputTokens, 12);
      });

      it('returns the tool call from generateModel, and the next step sees the tool result', async () => {
        const registry = registryFor(server, kind);
        const request = {
          operation: 'conversation' as const,
          instructions: 'Use tools.',
          messages: user('list the files'),
          tools: listFiles,
        };
        const result = await generateModel(registry, request);
        assert.deepEqual(result.toolCalls, [
          { toolCallId: 'call_list_1', toolName: 'list_files', input: { dir: 'src', recursive: true } },
        ]);
        assert.equal(result.finishReason, 'tool-calls');

        const next = await generateModel(registry, { ...request, transcript: TOOL_RESULT_TRANSCRIPT });
        assert.equal(next.text, 'Two files.');
        const recorded = server.requests.at(-1)!;
        assert.equal(recorded.lastMessage, 'src/a.ts\nsrc/b.ts');
        assert.equal(recorded.lastUserMessage, 'list the files', 'a tool result is not a user message');
      });
    });

    it('retries a 429 after the Retry-After the server sent, then succeeds', async () => {
      const server = await expectRetryAfterHonoured(kind);
      assert.ok(server.requests.every((r) => r.protocol === protocol));
    });

    it('counts 500s toward the circuit breaker, which then fails fast', async () => {
      const server = await startScriptedModelServer({
        turns: [{ error: { status: 500, message: 'internal failure' }, times: 10 }],
      });
      try {
        const registry = registryFor(server, kind);
        const call = () =>
          collect(streamModel(registry, { operation: 'blueprint', instructions: 'Plan.', messages: user('plan') }));
        await assert.rejects(
          call(),
          (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_ERROR' && /500/.test(e.message),
        );
        assert.equal(server.requests.length, 3);
        assert.equal(registry.breaker('local').state, 'open');
        await assert.rejects(call(), (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_UNAVAILABLE');
        assert.equal(server.requests.length, 3, 'an open circuit must not reach the provider');
      } finally {
        await server.close();
      }
    });

    it('fails a stream the server drops mid-way without retrying it', async () => {
      assert.equal(await expectMidStreamDropFails(kind), '<file path="src/a.ts">\nexport const a');
    });

    it('stops a stream within 1 s of its AbortSignal firing; the server sees the client hang up', async () => {
      const server = await expectAbortStopsStream(kind);
      assert.equal(server.requests[0]!.outcome, 'client-closed');
      assert.equal(server.requests[0]!.protocol, protocol);
    });

    it("runs the phased pipeline's todo script to completion", async () => {
      const server = await startScriptedModelServer(await loadModelScript(scriptPath('todo-d1')));
      try {
        const pipeline = await PhasicPipeline.open({
          sessionId: `session-${kind}`,
          registry: pipelineRegistryFor(server, kind),
          sandbox: newSandbox(),
          checkpoints: new InMemoryCheckpointStore(),
          events: new EventRecorder(),
          templates: TEST_TEMPLATES,
          config: { maxFixRounds: 3 },
        });
        assert.deepEqual(await pipeline.generate('a todo app with a D1 table'), { status: 'complete' });
        assert.deepEqual(
          pipeline.state.phases.map((p) => [p.name, p.status]),
          [
            ['Data layer', 'implemented'],
            ['API and page', 'implemented'],
            ['Final review', 'implemented'],
          ],
        );
        assert.deepEqual([...currentFiles(pipeline.state).keys()].sort(), [
          'migrations/0001_todos.sql',
          'src/db.ts',
          'src/index.ts',
          'src/page.ts',
          'src/types.ts',
        ]);
        assert.ok(server.requests.every((r) => r.protocol === protocol && r.outcome === 'replied'));
        assert.equal(server.requests.length, 5, 'blueprint ×2, phase ×2, review');
      } finally {
        await server.close();
      }
    });

    it("runs the agentic todo script to completion: tool calls and results in this provider's format", async () => {
      const server = await startScriptedModelServer(await loadModelScript(scriptPath('agentic-todo')));
      try {
        const session = await AgenticSession.open({
          sessionId: `agentic-${kind}`,
          registry: pipelineRegistryFor(server, kind),
          sandbox: newSandbox(),
          checkpoints: new InMemoryCheckpointStore(),
          events: new EventRecorder(),
          templates: TEST_TEMPLATES,
        });
        assert.deepEqual(await session.generate('a todo app with a D1 table'), { status: 'complete' });
        assert.deepEqual([...currentFiles(session.state).keys()].sort(), [
          'migrations/0001_todos.sql',
          'src/db.ts',
          'src/index.ts',
        ]);
        // Each step's turn was chosen by the tool result before it (matchLast): the results
        // reached the model in this protocol's shape.
        assert.ok(server.requests.every((r) => r.protocol === protocol && r.outcome === 'replied'));
        assert.equal(server.requests.length, 7);
      } finally {
        await server.close();
      }
    });
  });
}
