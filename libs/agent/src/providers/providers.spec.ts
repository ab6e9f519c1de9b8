import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APICallError } from 'ai';
import { AgentError } from '../errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { budgetPrompt, estimateTokens, rankFiles } from './prompt-budget.js';
import { ProviderRegistry } from './provider-registry.js';
import { backoffDelay, classifyFailure, parseRetryAfter } from './retry-policy.js';
import { UsageLedger } from './usage-ledger.js';

const apiError = (statusCode: number | undefined, headers: Record<string, string> = {}) =>
  new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'http://x/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
  });

describe('retry policy', () => {
  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter({ 'retry-after': '3' }, now), 3000);
    assert.equal(parseRetryAfter({ 'Retry-After': '0.5' }, now), 500);
    assert.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }, now), 10_000);
    assert.equal(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }, now), 250);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('retries 429 and 5xx but only 5xx trips the breaker; 400 is final', () => {
    assert.deepEqual(pick(classifyFailure(apiError(429, { 'retry-after': '2' }))), {
      retryable: true,
      tripsBreaker: false,
      retryAfterMs: 2000,
    });
    assert.deepEqual(pick(classifyFailure(apiError(503))), {
      retryable: true,
      tripsBreaker: true,
      retryAfterMs: undefined,
    });
    assert.deepEqual(pick(classifyFailure(apiError(400))), {
      retryable: false,
      tripsBreaker: false,
      retryAfterMs: undefined,
    });
    // A 200 whose body broke off mid-stream is a connection failure, not a verdict on the request.
    assert.deepEqual(pick(classifyFailure(apiError(200))), {
      retryable: true,
      tripsBreaker: true,
      retryAfterMs: undefined,
    });
    assert.deepEqual(pick(classifyFailure(new TypeError('fetch failed'))), {
      retryable: true,
      tripsBreaker: true,
      retryAfterMs: undefined,
    });
    assert.deepEqual(pick(classifyFailure(new Error('schema mismatch'))), {
      retryable: false,
      tripsBreaker: false,
      retryAfterMs: undefined,
    });
  });

  it('backs off exponentially with full jitter, capped, never below Retry-After', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };
    assert.equal(
      backoffDelay(policy, 1, undefined, () => 0.999999),
      100,
    );
    assert.equal(
      backoffDelay(policy, 3, undefined, () => 0.999999),
      400,
    );
    assert.equal(
      backoffDelay(policy, 10, undefined, () => 0.999999),
      1000,
    );
    assert.equal(
      backoffDelay(policy, 3, undefined, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(policy, 1, 5000, () => 0.5),
      5000,
    );
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(policy, 4, undefined)));
    assert.ok(samples.size > 10, 'jitter spreads the delays');
  });
});

function pick(info: ReturnType<typeof classifyFailure>) {
  return { retryable: info.retryable, tripsBreaker: info.tripsBreaker, retryAfterMs: info.retryAfterMs };
}

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the cool-down, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 }, () => now);
    assert.ok(breaker.tryAcquire());
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.tryAcquire(), false);
    assert.equal(breaker.retryInMs, 1000);
    now = 1000;
    assert.equal(breaker.state, 'half-open');
    assert.ok(breaker.tryAcquire(), 'one trial');
    assert.equal(breaker.tryAcquire(), false, 'only one trial at a time');
    breaker.recordSuccess();
    assert.equal(breaker.state, 'closed');
    assert.ok(breaker.tryAcquire());
  });

  it('re-opens when the trial fails, and a released trial lets another through', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10 }, () => now);
    breaker.recordFailure();
    now = 10;
    assert.ok(breaker.tryAcquire());
    breaker.release();
    assert.ok(breaker.tryAcquire());
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
  });
});

describe('usage ledger', () => {
  it('sums tokens per operation, prices them when a price is configured, and survives a snapshot', () => {
    const ledger = new UsageLedger();
    const priced = {
      operation: 'phaseGeneration' as const,
      provider: 'p',
      model: 'm',
      price: { inputPerMTok: 2, outputPerMTok: 10, cachedInputPerMTok: 0.5 },
    };
    ledger.record(priced, { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400 });
    ledger.record(priced, { inputTokens: 10, outputTokens: 5 });
    ledger.record(
      { operation: 'conversation', provider: 'local', model: 'llama' },
      { inputTokens: 7, outputTokens: 3 },
    );
    ledger.record({ operation: 'conversation', provider: 'local', model: 'llama' }, undefined);
    ledger.recordFailedAttempt(priced);

    const gen = ledger.totals({ operation: 'phaseGeneration' });
    assert.equal(gen.inputTokens, 1010);
    assert.equal(gen.outputTokens, 205);
    assert.ok(Math.abs(gen.costUsd! - (600 * 2 + 400 * 0.5 + 200 * 10 + 10 * 2 + 5 * 10) / 1e6) < 1e-12);
    const conv = ledger.totals({ operation: 'conversation' });
    assert.equal(conv.costUsd, null, 'no price, no cost');
    assert.equal(conv.calls, 2);
    assert.equal(ledger.totals().totalTokens, 1010 + 205 + 7 + 3);

    const restored = UsageLedger.fromSnapshot(JSON.parse(JSON.stringify(ledger.snapshot())));
    assert.deepEqual(restored.totals(), ledger.totals());
    const llama = restored.snapshot().entries.find((e) => e.model === 'llama')!;
    assert.equal(llama.callsWithoutUsage, 1);
  });
});

describe('prompt budget', () => {
  const files = [
    {
      path: 'src/todos/api.ts',
      content: 'export function listTodos(db: D1Database) { return db.prepare("select * from todos").all(); }\n',
    },
    { path: 'src/styles.css', content: 'body { color: black; }\n'.repeat(40) },
    { path: 'src/App.tsx', content: 'export default function App() { return <TodoList />; }\n'.repeat(30) },
    { path: 'README.md', content: 'A todo app.\n' },
  ];

  it('ranks pinned and named files first, then by the focus terms', () => {
    const ranked = rankFiles(files, 'The listTodos endpoint of src/App.tsx returns stale todos');
    assert.equal(ranked[0]!.path, 'src/App.tsx');
    assert.equal(ranked[1]!.path, 'src/todos/api.ts');
    const pinned = rankFiles([...files, { path: 'wrangler.jsonc', content: '{}', pinned: true }], 'todos');
    assert.equal(pinned[0]!.path, 'wrangler.jsonc');
  });

  it('never exceeds the window minus the output reserve, and trims the least relevant files first', () => {
    for (const contextWindow of [1024, 1500, 2048, 4096, 32_768]) {
      const result = budgetPrompt({
        instructions: 'You are a careful engineer.',
        messages: [
          { role: 'user', content: 'make a todo app' },
          { role: 'assistant', content: 'Done: '.repeat(200) },
          { role: 'user', content: 'fix listTodos in src/todos/api.ts' },
        ],
        files,
        focus: 'fix listTodos in src/todos/api.ts',
        contextWindow,
        maxOutputTokens: 512,
      });
      const sent =
        estimateTokens(result.instructions) + result.messages.reduce((n, m) => n + estimateTokens(m.content) + 6, 0);
      assert.ok(sent <= contextWindow - 512, `window ${contextWindow}: ${sent} tokens sent`);
      assert.ok(result.promptTokens <= result.budgetTokens);
      assert.equal(result.messages.at(-1)!.content, 'fix listTodos in src/todos/api.ts', 'the request is always kept');
      assert.equal(
        result.includedFiles[0] ?? result.truncatedFiles[0],
        'src/todos/api.ts',
        `window ${contextWindow}: most relevant first`,
      );
      assert.deepEqual(
        [...result.includedFiles, ...result.truncatedFiles, ...result.droppedFiles].sort(),
        files.map((f) => f.path).sort(),
      );
      if (contextWindow === 32_768) assert.deepEqual(result.droppedFiles, []);
      if (contextWindow === 1024) assert.ok(result.droppedFiles.length > 0);
    }
  });

  it('refuses a prompt whose required part does not fit', () => {
    assert.throws(
      () =>
        budgetPrompt({
          instructions: 'x'.repeat(3000),
          messages: [{ role: 'user', content: 'go' }],
          files: [],
          focus: '',
          contextWindow: 1024,
          maxOutputTokens: 256,
        }),
      (e: unknown) => e instanceof AgentError && e.code === 'CONTEXT_OVERFLOW',
    );
  });
});

describe('provider registry', () => {
  const choice = { provider: 'local', model: 'qwen', contextWindow: 8192, maxOutputTokens: 1024 };
  const operations = {
    blueprint: choice,
    phaseGeneration: choice,
    fixing: choice,
    conversation: { ...choice, provider: 'claude', model: 'claude-x' },
  };

  it('builds a model per operation from its provider', () => {
    const registry = new ProviderRegistry({
      providers: [
        { kind: 'openai-compatible', id: 'local', baseURL: 'http://127.0.0.1:11434/v1' },
        { kind: 'anthropic', id: 'claude', apiKey: 'sk-test' },
        { kind: 'google', id: 'gemini', apiKey: 'g-test' },
      ],
      operations,
    });
    const fixing = registry.resolve('fixing');
    assert.equal(fixing.provider.kind, 'openai-compatible');
    assert.equal(typeof fixing.model === 'object' && fixing.model.modelId, 'qwen');
    const conversation = registry.resolve('conversation');
    assert.equal(typeof conversation.model === 'object' && conversation.model.provider.startsWith('anthropic'), true);
    assert.notEqual(registry.breaker('local'), registry.breaker('claude'));
    assert.equal(registry.config.retry.maxAttempts, 4, 'defaults applied');
  });

  it('refuses a config naming an unknown provider or an output reserve past the window', () => {
    assert.throws(
      () =>
        new ProviderRegistry({
          providers: [{ kind: 'openai-compatible', id: 'local', baseURL: 'http://127.0.0.1:1/v1' }],
          operations,
        }),
      (e: unknown) =>
        e instanceof AgentError && e.code === 'CONFIG_INVALID' && /unknown provider claude/.test(e.message),
    );
    assert.throws(
      () =>
        new ProviderRegistry({
          providers: [{ kind: 'openai-compatible', id: 'local', baseURL: 'http://127.0.0.1:1/v1' }],
          operations: {
            blueprint: choice,
            phaseGeneration: choice,
            fixing: choice,
            conversation: { ...choice, maxOutputTokens: 9000 },
          },
        }),
      (e: unknown) => e instanceof AgentError && e.code === 'CONFIG_INVALID',
    );
  });
});
