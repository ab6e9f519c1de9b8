import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tool } from 'ai';
import { z } from 'zod';
import type { TAgentServerMessage } from '@kiln/contracts';
import { AgentError } from '../errors.js';
import { FILE_FORMAT_INSTRUCTIONS } from '../files/file-block-parser.js';
import { FileOutputProcessor } from '../files/file-output-processor.js';
import { loadModelScript } from '../testing/model-script.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scripted-model-server.js';
import { generateModel, streamModel } from './model-call.js';
import {
  collect,
  expectAbortStopsStream,
  expectCounterStreamed,
  expectMidStreamDropFails,
  expectRetryAfterHonoured,
  registryFor,
  scriptPath,
  user,
} from './model-call-testing.js';
import { UsageLedger } from './usage-ledger.js';

describe('provider calls against the scripted model server', () => {
  describe('streaming, tools, usage', () => {
    let server: ScriptedModelServer;
    before(async () => {
      server = await startScriptedModelServer(await loadModelScript(scriptPath('stream-and-tools')));
    });
    after(() => server.close());

    it('streams text chunk by chunk and accounts the usage the server reports', async () => {
      const { ledger, request } = await expectCounterStreamed(server);
      assert.ok(Math.abs((ledger.totals().costUsd ?? 0) - (321 * 3 + 45 * 15) / 1e6) < 1e-12);
      assert.deepEqual((request.body as { stream_options?: unknown }).stream_options, { include_usage: true });
    });

    it('returns a tool call with its arguments parsed against the tool schema', async () => {
      const ledger = new UsageLedger();
      const tools = {
        list_files: tool({
          description: 'List the files of the app',
          inputSchema: z.object({ dir: z.string(), recursive: z.boolean() }),
        }),
      };
      const events = await collect(
        streamModel(registryFor(server), {
          operation: 'conversation',
          instructions: 'Use tools.',
          messages: user('list the files'),
          tools,
          ledger,
        }),
      );
      const calls = events.filter((e) => e.type === 'tool-call');
      assert.deepEqual(calls, [
        {
          type: 'tool-call',
          toolCallId: 'call_list_1',
          toolName: 'list_files',
          input: { dir: 'src', recursive: true },
        },
      ]);
      const finish = events.find((e) => e.type === 'finish');
      assert.equal(finish?.type === 'finish' && finish.finishReason, 'tool-calls');
      assert.equal(ledger.totals({ operation: 'conversation' }).outputTokens, 12);
      const sentTools = (server.requests.at(-1)!.body as { tools?: { function: { name: string } }[] }).tools;
      assert.deepEqual(
        sentTools?.map((t) => t.function.name),
        ['list_files'],
      );
    });

    it('flags a tool call whose arguments do not parse instead of passing them on', async () => {
      const tools = {
        list_files: tool({
          description: 'List files',
          inputSchema: z.object({ dir: z.string(), recursive: z.boolean() }),
        }),
      };
      const events = await collect(
        streamModel(registryFor(server), {
          operation: 'conversation',
          instructions: 'Use tools.',
          messages: user('a broken tool call'),
          tools,
        }),
      );
      const call = events.find((e) => e.type === 'tool-call');
      assert.ok(call?.type === 'tool-call');
      assert.equal(call.toolName, 'list_files');
      assert.ok(call.invalid, 'the call must be marked invalid');
    });

    it('feeds the streamed answer to the file processor; a "length" finish refuses the cut-off file', async () => {
      const events: TAgentServerMessage[] = [];
      const processor = new FileOutputProcessor({ readFile: () => undefined, emit: (e) => events.push(e) });
      let finishReason = '';
      for await (const e of streamModel(registryFor(server), {
        operation: 'phaseGeneration',
        instructions: FILE_FORMAT_INSTRUCTIONS,
        messages: user('write a long file'),
      })) {
        if (e.type === 'text') processor.push(e.text);
        if (e.type === 'finish') finishReason = e.finishReason;
      }
      assert.equal(finishReason, 'length');
      const result = processor.end({ truncated: finishReason === 'length' });
      assert.deepEqual(Object.fromEntries(result.files), { 'src/ok.ts': 'export const ok = 1;\n' });
      assert.deepEqual(
        result.rejected.map((r) => [r.code, r.path]),
        [['TRUNCATED', 'src/long.ts']],
      );
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'file_generating',
          'file_chunk_generated',
          'file_generated',
          'file_generating',
          'file_chunk_generated',
          'file_chunk_generated',
          'file_chunk_generated',
          'error',
        ],
      );
    });

    it('serves /v1/models and fails loudly (not retryably) when the script has no turn left', async () => {
      const models = (await (await fetch(`${server.baseURL}/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['scripted-coder'],
      );
      const before = server.requests.length;
      await assert.rejects(
        collect(
          streamModel(registryFor(server), {
            operation: 'conversation',
            instructions: '.',
            messages: user('unscripted question'),
          }),
        ),
        (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_ERROR' && /422/.test(e.message),
      );
      assert.equal(server.requests.length, before + 1, 'a 422 is not retried');
    });

    it('generates without streaming (generateText) and records usage', async () => {
      const ledger = new UsageLedger();
      const result = await generateModel(registryFor(server), {
        operation: 'conversation',
        instructions: 'Be brief.',
        messages: user('summarize'),
        ledger,
      });
      assert.equal(result.text, 'Two files: a counter and its test.');
      assert.equal(server.requests.at(-1)!.stream, false);
      assert.deepEqual(ledger.totals().inputTokens, 50);
      assert.deepEqual(ledger.totals().outputTokens, 9);
    });
  });

  it('retries a 429 after the Retry-After the server sent, then succeeds', async () => {
    await expectRetryAfterHonoured();
  });

  it('does not retry a stream that fails after text was delivered, and no half file is written', async () => {
    const processor = new FileOutputProcessor({ readFile: () => undefined });
    const delivered = await expectMidStreamDropFails('openai-compatible', (text) => processor.push(text));
    assert.equal(delivered, '<file path="src/a.ts">\nexport const a');
    const result = processor.end({ truncated: true });
    assert.equal(result.files.size, 0);
    assert.deepEqual(
      result.rejected.map((r) => r.code),
      ['TRUNCATED'],
    );
  });

  it('opens the circuit after repeated 5xx and then fails fast without calling the provider', async () => {
    const server = await startScriptedModelServer(await loadModelScript(scriptPath('server-errors')));
    let clock = 1_000_000;
    try {
      const registry = registryFor(server, { retry: { maxAttempts: 2 } }, { now: () => clock });
      const call = () =>
        collect(
          streamModel(registry, { operation: 'blueprint', instructions: 'Plan.', messages: user('plan an app') }),
        );

      await assert.rejects(
        call(),
        (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_ERROR' && /503/.test(e.message),
      );
      assert.equal(server.requests.length, 2);
      assert.equal(registry.breaker('local').state, 'closed');

      // Third consecutive failure opens the circuit; the retry that follows is refused.
      await assert.rejects(call(), (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_UNAVAILABLE');
      assert.equal(server.requests.length, 3);
      assert.equal(registry.breaker('local').state, 'open');

      await assert.rejects(call(), (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_UNAVAILABLE');
      assert.equal(server.requests.length, 3, 'an open circuit must not reach the provider');

      // After the cool-down one trial goes out; it fails, so the circuit opens again.
      clock += 60_000;
      assert.equal(registry.breaker('local').state, 'half-open');
      await assert.rejects(call(), (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_UNAVAILABLE');
      assert.equal(server.requests.length, 4);
      assert.equal(registry.breaker('local').state, 'open');
    } finally {
      await server.close();
    }
  });

  it('stops a stream within 1 s of its AbortSignal firing, and the next call works', async () => {
    await expectAbortStopsStream();
  });
});
