import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadModelScript } from '../testing/model-script.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scripted-model-server.js';
import { generateModel, streamModel, type ModelStreamEvent } from './model-call.js';
import type { TAgentModelsConfigInput, TProviderConfig } from './provider-config.js';
import { ProviderRegistry, type ProviderRegistryOptions } from './provider-registry.js';
import { AgentError } from '../errors.js';
import { UsageLedger } from './usage-ledger.js';

/**
 * Test helpers for model calls against the scripted model server, whichever provider kind (and
 * so wire protocol) is in use, and the scenarios every provider kind must pass alike.
 */

export type TProviderKind = TProviderConfig['kind'];

export const scriptPath = (name: string) => fileURLToPath(new URL(`../../test/scripts/${name}.json`, import.meta.url));

/** A provider of `kind` whose endpoint is the scripted server (it speaks all three protocols). */
export function scriptedProvider(server: ScriptedModelServer, kind: TProviderKind = 'openai-compatible', id = 'local') {
  // The hosted providers insist on a key; the fixture ignores it.
  const provider: TProviderConfig =
    kind === 'openai-compatible'
      ? { kind, id, baseURL: server.baseURL }
      : { kind, id, baseURL: server.baseURL, apiKey: 'scripted-key' };
  return provider;
}

/** One provider `local` on the server for every operation, with quick retries and a 3-failure breaker. */
export function registryFor(
  server: ScriptedModelServer,
  overrides: Partial<Pick<TAgentModelsConfigInput, 'retry' | 'circuitBreaker'>> & { kind?: TProviderKind } = {},
  options: ProviderRegistryOptions = {},
) {
  const choice = {
    provider: 'local',
    model: 'scripted-coder',
    contextWindow: 8192,
    maxOutputTokens: 1024,
    price: { inputPerMTok: 3, outputPerMTok: 15 },
  };
  return new ProviderRegistry(
    {
      providers: [scriptedProvider(server, overrides.kind)],
      operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 5_000, ...overrides.retry },
      circuitBreaker: { failureThreshold: 3, cooldownMs: 60_000, ...overrides.circuitBreaker },
    },
    options,
  );
}

export async function collect(stream: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const events: ModelStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

export const texts = (events: ModelStreamEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : []));

export const user = (content: string) => [{ role: 'user' as const, content }];

/** The `rate-limited` script: a 429 with Retry-After: 1 is waited out, and the retry succeeds. */
export async function expectRetryAfterHonoured(
  kind: TProviderKind = 'openai-compatible',
): Promise<ScriptedModelServer> {
  const server = await startScriptedModelServer(await loadModelScript(scriptPath('rate-limited')));
  try {
    const ledger = new UsageLedger();
    const registry = registryFor(server, { kind });
    const events = await collect(
      streamModel(registry, { operation: 'fixing', instructions: 'Fix.', messages: user('fix it'), ledger }),
    );
    const retry = events.find((e) => e.type === 'retrying');
    assert.ok(retry?.type === 'retrying');
    assert.equal(retry.statusCode, 429);
    assert.match(retry.message, /rate limit reached/);
    assert.ok(retry.delayMs >= 1000, `Retry-After: 1 must be respected, waited ${retry.delayMs} ms`);
    assert.equal(texts(events).join(''), 'after the rate limit');
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [429, 200],
    );
    // The time between the two requests is the server's view of the wait.
    assert.ok(server.requests[1]!.at - server.requests[0]!.at >= 990);
    const entry = ledger.snapshot().entries[0]!;
    assert.equal(entry.failedAttempts, 1);
    assert.equal(entry.calls, 1);
    // A 429 is the provider saying "slow down", not failing: the circuit stays closed.
    assert.equal(registry.breaker('local').state, 'closed');
    return server;
  } finally {
    await server.close();
  }
}

/**
 * On the `stream-and-tools` script's server: the counter file streamed in several chunks, and the
 * usage the server reports in the finish event and the ledger. Answers the ledger and the recorded
 * request for what differs by provider.
 */
export async function expectCounterStreamed(
  server: ScriptedModelServer,
  kind: TProviderKind = 'openai-compatible',
): Promise<{ ledger: UsageLedger; request: ScriptedModelServer['requests'][number] }> {
  const ledger = new UsageLedger();
  const events = await collect(
    streamModel(registryFor(server, { kind }), {
      operation: 'phaseGeneration',
      instructions: 'You write files.',
      messages: user('write the counter'),
      ledger,
    }),
  );
  const pieces = texts(events);
  assert.ok(pieces.length >= 3, `expected several chunks, got ${pieces.length}`);
  assert.equal(
    pieces.join(''),
    '<file path="src/counter.ts">\nexport let count = 0;\nexport function inc() {\n  return ++count;\n}\n</file>\n',
  );
  assert.deepEqual(events.at(-1), {
    type: 'finish',
    finishReason: 'stop',
    usage: { inputTokens: 321, outputTokens: 45, cachedInputTokens: 0 },
  });
  const totals = ledger.totals();
  assert.equal(totals.calls, 1);
  assert.equal(totals.inputTokens, 321);
  assert.equal(totals.outputTokens, 45);
  const request = server.requests.at(-1)!;
  assert.equal(request.stream, true);
  assert.equal(request.model, 'scripted-coder');
  return { ledger, request };
}

/**
 * The `mid-stream-drop` script: the server cuts the connection after some text; the stream fails
 * with PROVIDER_ERROR ("mid-stream") and is not retried (a retry would repeat delivered text).
 * Answers the text that was delivered; `onText` sees each piece as it came.
 */
export async function expectMidStreamDropFails(
  kind: TProviderKind = 'openai-compatible',
  onText: (text: string) => void = () => undefined,
): Promise<string> {
  const server = await startScriptedModelServer(await loadModelScript(scriptPath('mid-stream-drop')));
  try {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of streamModel(registryFor(server, { kind }), {
          operation: 'phaseGeneration',
          instructions: '.',
          messages: user('write a'),
        })) {
          if (e.type !== 'text') continue;
          seen.push(e.text);
          onText(e.text);
        }
      })(),
      (e: unknown) => e instanceof AgentError && e.code === 'PROVIDER_ERROR' && /mid-stream/.test(e.message),
    );
    assert.deepEqual(
      server.requests.map((r) => r.outcome),
      ['dropped'],
      'a retry would duplicate the text already delivered',
    );
    return seen.join('');
  } finally {
    await server.close();
  }
}

/**
 * The `slow-stream` script: a stream aborted at its first text ends within 1 s with an `aborted`
 * event, the server sees the client hang up, the breaker stays closed and the next call works.
 */
export async function expectAbortStopsStream(kind: TProviderKind = 'openai-compatible'): Promise<ScriptedModelServer> {
  const server = await startScriptedModelServer(await loadModelScript(scriptPath('slow-stream')));
  try {
    const registry = registryFor(server, { kind }, { now: () => performance.now() });
    const controller = new AbortController();
    let abortedAt = 0;
    const events: ModelStreamEvent[] = [];
    for await (const event of streamModel(registry, {
      operation: 'phaseGeneration',
      instructions: 'Write.',
      messages: user('write a long text'),
      signal: controller.signal,
    })) {
      events.push(event);
      if (event.type === 'text' && abortedAt === 0) {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    const last = events.at(-1);
    assert.ok(last?.type === 'aborted', `stream must end with an aborted event, ended with ${last?.type}`);
    assert.ok(last.at - abortedAt < 1000, `aborted event ${Math.round(last.at - abortedAt)} ms after abort()`);
    assert.equal(
      events.some((e) => e.type === 'finish'),
      false,
    );

    const closed = await server.waitForClientClose(1, 2_000);
    assert.ok(closed, 'the server must see the client hang up');
    assert.ok(closed.chunksSent < 10, `server kept streaming: ${closed.chunksSent} chunks`);
    assert.equal(registry.breaker('local').state, 'closed', 'a cancellation is not a provider failure');

    const resumed = await generateModel(registry, {
      operation: 'phaseGeneration',
      instructions: 'Write.',
      messages: user('resume'),
    });
    assert.equal(resumed.text, 'resumed');
    return server;
  } finally {
    await server.close();
  }
}
