import {
  generateText,
  streamText,
  type FinishReason,
  type LanguageModelUsage,
  type ModelMessage,
  type ToolSet,
} from 'ai';
import { AgentError } from '../errors.js';
import {
  budgetPrompt,
  estimateModelMessageTokens,
  type BudgetMessage,
  type BudgetResult,
  type ContextFile,
} from './prompt-budget.js';
import type { TModelOperation } from './provider-config.js';
import type { ProviderRegistry, ResolvedModel } from './provider-registry.js';
import { backoffDelay, classifyFailure, sleep } from './retry-policy.js';
import type { ReportedUsage, UsageLedger } from './usage-ledger.js';

export interface ModelCallRequest {
  operation: TModelOperation;
  instructions: string;
  /** The conversation; the last message is the request. */
  messages: BudgetMessage[];
  /** Candidate file context; budgeted by relevance to `focus` (defaults to the last message). */
  files?: ContextFile[];
  focus?: string;
  /** Tools without `execute`: their calls are returned to the caller, which runs them. */
  tools?: ToolSet;
  /**
   * A tool-calling transcript (assistant tool calls, tool results), sent as is after the budgeted
   * messages. The caller fits it to the window; it is counted before the messages and files are.
   */
  transcript?: ModelMessage[];
  signal?: AbortSignal;
  ledger?: UsageLedger;
}

export type TPromptBudgetSummary = Omit<BudgetResult, 'instructions' | 'messages'>;

export type ModelStreamEvent =
  | { type: 'prompt-budgeted'; budget: TPromptBudgetSummary }
  | { type: 'retrying'; attempt: number; delayMs: number; statusCode: number | undefined; message: string }
  | { type: 'text'; text: string }
  /** `invalid`: the model's arguments did not parse or did not match the tool's schema. */
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown; invalid?: { message: string } }
  | { type: 'finish'; finishReason: FinishReason; usage: ReportedUsage }
  /** The signal fired; `at` is when the stream noticed (the caller's clock, `registry.now`). */
  | { type: 'aborted'; at: number };

export interface ModelCallResult {
  text: string;
  toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
  finishReason: FinishReason;
  usage: ReportedUsage;
  budget: TPromptBudgetSummary;
}

/**
 * Streams one model call for an operation: budgets the prompt to the model's window, then
 * attempts the call through the provider's circuit breaker, retrying 429/5xx/network failures
 * with jittered backoff (honouring Retry-After) as long as nothing was streamed yet — once text
 * reached the caller a retry would duplicate it, so a mid-stream failure is final.
 * Cancellation: abort `signal`; the stream then ends with an `aborted` event.
 */
export async function* streamModel(
  registry: ProviderRegistry,
  request: ModelCallRequest,
): AsyncGenerator<ModelStreamEvent> {
  const resolved = registry.resolve(request.operation);
  const prompt = preparePrompt(resolved, request);
  yield { type: 'prompt-budgeted', budget: prompt.summary };
  const guard = new AttemptGuard(registry, resolved, request);

  for (let attempt = 1; ; attempt++) {
    if (request.signal?.aborted) {
      yield { type: 'aborted', at: registry.now() };
      return;
    }
    guard.acquire();
    const result = streamText({
      ...callOptions(resolved, prompt, request),
      // Errors arrive as `error` parts and are handled below; the default handler only logs them.
      onError: () => {},
    });
    let emitted = false;
    let failure: unknown;
    let finish: { finishReason: FinishReason; usage: LanguageModelUsage } | undefined;
    try {
      for await (const part of result.stream) {
        if (part.type === 'text-delta') {
          if (part.text === '') continue;
          emitted = true;
          yield { type: 'text', text: part.text };
        } else if (part.type === 'tool-call') {
          emitted = true;
          yield {
            type: 'tool-call',
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
            ...('invalid' in part && part.invalid ? { invalid: { message: errorMessage(part.error) } } : {}),
          };
        } else if (part.type === 'finish') {
          finish = { finishReason: part.finishReason, usage: part.totalUsage };
        } else if (part.type === 'error') {
          failure = part.error;
          break;
        } else if (part.type === 'abort') {
          break;
        }
      }
    } catch (error) {
      failure = error;
    }
    if (request.signal?.aborted) {
      guard.aborted();
      yield { type: 'aborted', at: registry.now() };
      return;
    }
    if (failure === undefined && finish) {
      const usage = guard.succeeded(finish.usage);
      yield { type: 'finish', finishReason: finish.finishReason, usage };
      return;
    }
    const delayMs = guard.failed(failure ?? new Error('stream ended without a finish'), attempt, emitted);
    yield { type: 'retrying', attempt, delayMs, statusCode: guard.lastStatus, message: guard.lastMessage };
    try {
      await sleep(delayMs, request.signal);
    } catch {
      yield { type: 'aborted', at: registry.now() };
      return;
    }
  }
}

/** The non-streaming call (generateText) with the same budgeting, retries, breaker and ledger. */
export async function generateModel(registry: ProviderRegistry, request: ModelCallRequest): Promise<ModelCallResult> {
  const resolved = registry.resolve(request.operation);
  const prompt = preparePrompt(resolved, request);
  const guard = new AttemptGuard(registry, resolved, request);
  for (let attempt = 1; ; attempt++) {
    if (request.signal?.aborted) throw new AgentError('ABORTED', 'model call cancelled');
    guard.acquire();
    try {
      const result = await generateText(callOptions(resolved, prompt, request));
      const usage = guard.succeeded(result.totalUsage);
      return {
        text: result.text,
        toolCalls: result.toolCalls.map((c) => ({
          toolCallId: c.toolCallId,
          toolName: c.toolName,
          input: c.input as unknown,
        })),
        finishReason: result.finishReason,
        usage,
        budget: prompt.summary,
      };
    } catch (error) {
      if (error instanceof AgentError) throw error;
      if (request.signal?.aborted) {
        guard.aborted();
        throw new AgentError('ABORTED', 'model call cancelled', { cause: error });
      }
      const delayMs = guard.failed(error, attempt, false);
      try {
        await sleep(delayMs, request.signal);
      } catch (abort) {
        throw new AgentError('ABORTED', 'model call cancelled', { cause: abort });
      }
    }
  }
}

interface PreparedPrompt {
  instructions: string;
  messages: ModelMessage[];
  maxOutputTokens: number;
  summary: TPromptBudgetSummary;
}

/** What streamText and generateText get alike. */
function callOptions(resolved: ResolvedModel, prompt: PreparedPrompt, request: ModelCallRequest) {
  return {
    model: resolved.model,
    instructions: prompt.instructions,
    messages: prompt.messages,
    maxOutputTokens: prompt.maxOutputTokens,
    ...(resolved.choice.temperature !== undefined ? { temperature: resolved.choice.temperature } : {}),
    ...(request.tools ? { tools: request.tools } : {}),
    ...(request.signal ? { abortSignal: request.signal } : {}),
    // Retries are ours: the SDK's would bypass the circuit breaker and the ledger.
    maxRetries: 0,
  };
}

function preparePrompt(resolved: ResolvedModel, request: ModelCallRequest): PreparedPrompt {
  const { choice } = resolved;
  const transcript = request.transcript ?? [];
  const transcriptTokens = transcript.reduce((n, m) => n + estimateModelMessageTokens(m), 0);
  const budget = budgetPrompt({
    instructions: request.instructions,
    messages: request.messages,
    files: request.files ?? [],
    focus: request.focus ?? request.messages.at(-1)?.content ?? '',
    contextWindow: choice.contextWindow - transcriptTokens,
    maxOutputTokens: choice.maxOutputTokens,
  });
  const { instructions, messages, ...summary } = budget;
  return {
    instructions,
    messages: [
      ...messages.map((m): ModelMessage =>
        m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content },
      ),
      ...transcript,
    ],
    maxOutputTokens: choice.maxOutputTokens,
    summary: { ...summary, promptTokens: summary.promptTokens + transcriptTokens },
  };
}

/** Breaker, ledger and retry bookkeeping around the attempts of one call. */
class AttemptGuard {
  lastStatus: number | undefined;
  lastMessage = '';

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly resolved: ResolvedModel,
    private readonly request: ModelCallRequest,
  ) {}

  private get call() {
    const { choice } = this.resolved;
    return { operation: this.request.operation, provider: choice.provider, model: choice.model, price: choice.price };
  }

  acquire(): void {
    const { breaker, choice } = this.resolved;
    if (!breaker.tryAcquire()) {
      throw new AgentError(
        'PROVIDER_UNAVAILABLE',
        `provider ${choice.provider} is failing; circuit open for another ${Math.ceil(breaker.retryInMs / 1000)} s`,
      );
    }
  }

  succeeded(usage: LanguageModelUsage): ReportedUsage {
    this.resolved.breaker.recordSuccess();
    const reported: ReportedUsage = {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedInputTokens: usage.inputTokenDetails.cacheReadTokens,
    };
    this.request.ledger?.record(this.call, reported);
    return reported;
  }

  aborted(): void {
    this.resolved.breaker.release();
  }

  /** Records a failed attempt; returns the delay before the next one or throws when there is none. */
  failed(error: unknown, attempt: number, emitted: boolean): number {
    const info = classifyFailure(error, this.registry.now());
    this.lastStatus = info.statusCode;
    this.lastMessage = info.message;
    const { breaker, choice } = this.resolved;
    if (info.tripsBreaker) breaker.recordFailure();
    // The provider answered (e.g. 429, 400): it is up, whatever it thought of the request.
    else if (info.statusCode !== undefined) breaker.recordSuccess();
    else breaker.release();
    this.request.ledger?.recordFailedAttempt(this.call);

    const policy = this.registry.config.retry;
    const where = `${choice.provider}/${choice.model}`;
    const status = info.statusCode === undefined ? '' : ` (HTTP ${info.statusCode})`;
    if (!info.retryable) throw new AgentError('PROVIDER_ERROR', `${where}${status}: ${info.message}`, { cause: error });
    if (emitted) {
      throw new AgentError('PROVIDER_ERROR', `${where}${status} failed mid-stream: ${info.message}`, { cause: error });
    }
    if (attempt >= policy.maxAttempts) {
      throw new AgentError('PROVIDER_ERROR', `${where}${status} after ${attempt} attempts: ${info.message}`, {
        cause: error,
      });
    }
    if (info.retryAfterMs !== undefined && info.retryAfterMs > policy.maxRetryAfterMs) {
      throw new AgentError(
        'PROVIDER_ERROR',
        `${where}${status} asks to retry after ${info.retryAfterMs} ms: ${info.message}`,
        {
          cause: error,
        },
      );
    }
    return backoffDelay(policy, attempt, info.retryAfterMs, this.registry.random);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
