import { z } from 'zod';

/** The operations that pick a model of their own: a big model can plan while a small one fixes. */
export const MODEL_OPERATIONS = ['blueprint', 'phaseGeneration', 'fixing', 'conversation'] as const;
export const ZModelOperation = z.enum(MODEL_OPERATIONS);
export type TModelOperation = z.infer<typeof ZModelOperation>;

const ZProviderId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a provider id (lowercase, digits, _ and -)');

/** Any server speaking OpenAI's chat completions: Ollama, vLLM, LM Studio, LiteLLM, OpenAI itself. */
export const ZOpenAICompatibleProvider = z.object({
  kind: z.literal('openai-compatible'),
  id: ZProviderId,
  baseURL: z.url(),
  /** Local servers (Ollama, LM Studio) accept any key or none. */
  apiKey: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export const ZAnthropicProvider = z.object({
  kind: z.literal('anthropic'),
  id: ZProviderId,
  apiKey: z.string().min(1),
  baseURL: z.url().optional(),
});

export const ZGoogleProvider = z.object({
  kind: z.literal('google'),
  id: ZProviderId,
  apiKey: z.string().min(1),
  baseURL: z.url().optional(),
});

export const ZProviderConfig = z.discriminatedUnion('kind', [
  ZOpenAICompatibleProvider,
  ZAnthropicProvider,
  ZGoogleProvider,
]);
export type TProviderConfig = z.infer<typeof ZProviderConfig>;

/** USD per million tokens; cost is only computed when a price is configured. */
export const ZModelPrice = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  /** Cached input reads, when the provider reports them; defaults to the input price. */
  cachedInputPerMTok: z.number().nonnegative().optional(),
});
export type TModelPrice = z.infer<typeof ZModelPrice>;

export const ZModelChoice = z
  .object({
    provider: ZProviderId,
    model: z.string().min(1),
    /** Total tokens the model accepts (prompt + output). Small local models have 4k–32k. */
    contextWindow: z.number().int().min(512),
    /** Tokens kept free for the answer; the prompt is budgeted to the window minus this. */
    maxOutputTokens: z.number().int().min(16),
    temperature: z.number().min(0).max(2).optional(),
    price: ZModelPrice.optional(),
  })
  .refine((m) => m.maxOutputTokens < m.contextWindow, 'maxOutputTokens must be smaller than contextWindow');
export type TModelChoice = z.infer<typeof ZModelChoice>;

export const ZRetryPolicy = z.object({
  /** Attempts per call, the first one included. */
  maxAttempts: z.number().int().min(1).max(10).default(4),
  baseDelayMs: z.number().int().min(0).default(500),
  maxDelayMs: z.number().int().min(0).default(30_000),
  /** A Retry-After longer than this is not waited for: the call fails instead. */
  maxRetryAfterMs: z.number().int().min(0).default(60_000),
});
export type TRetryPolicy = z.infer<typeof ZRetryPolicy>;

export const ZCircuitBreakerPolicy = z.object({
  /** Consecutive failed attempts (5xx, network, timeouts) that open the circuit. */
  failureThreshold: z.number().int().min(1).default(5),
  /** How long an open circuit rejects calls before letting one trial call through. */
  cooldownMs: z.number().int().min(0).default(30_000),
});
export type TCircuitBreakerPolicy = z.infer<typeof ZCircuitBreakerPolicy>;

export const ZAgentModelsConfig = z
  .object({
    providers: z.array(ZProviderConfig).min(1),
    operations: z.object({
      blueprint: ZModelChoice,
      phaseGeneration: ZModelChoice,
      fixing: ZModelChoice,
      conversation: ZModelChoice,
    }),
    retry: ZRetryPolicy.default(ZRetryPolicy.parse({})),
    circuitBreaker: ZCircuitBreakerPolicy.default(ZCircuitBreakerPolicy.parse({})),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    for (const [i, p] of config.providers.entries()) {
      if (ids.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id ${p.id}` });
      ids.add(p.id);
    }
    for (const op of MODEL_OPERATIONS) {
      const provider = config.operations[op].provider;
      if (!ids.has(provider)) {
        ctx.addIssue({ code: 'custom', path: ['operations', op, 'provider'], message: `unknown provider ${provider}` });
      }
    }
  });
export type TAgentModelsConfig = z.infer<typeof ZAgentModelsConfig>;
export type TAgentModelsConfigInput = z.input<typeof ZAgentModelsConfig>;
