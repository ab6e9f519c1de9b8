import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { AgentError } from '../errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  ZAgentModelsConfig,
  type TAgentModelsConfig,
  type TAgentModelsConfigInput,
  type TModelChoice,
  type TModelOperation,
  type TProviderConfig,
} from './provider-config.js';

export interface ProviderRegistryOptions {
  /** Replaces global fetch for every provider (proxies, egress policy, tests). */
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  random?: () => number;
}

export interface ResolvedModel {
  operation: TModelOperation;
  choice: TModelChoice;
  provider: TProviderConfig;
  model: LanguageModel;
  breaker: CircuitBreaker;
}

type ModelFactory = (modelId: string) => LanguageModel;

/**
 * The configured providers of one user or org, with one circuit breaker per provider shared by
 * every session that uses this registry. Validates the config once, up front.
 */
export class ProviderRegistry {
  readonly config: TAgentModelsConfig;
  readonly now: () => number;
  readonly random: () => number;
  private readonly factories = new Map<string, ModelFactory>();
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(config: TAgentModelsConfigInput, options: ProviderRegistryOptions = {}) {
    const parsed = ZAgentModelsConfig.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AgentError(
        'CONFIG_INVALID',
        `model config: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        {
          cause: parsed.error,
        },
      );
    }
    this.config = parsed.data;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    for (const provider of this.config.providers) {
      this.factories.set(provider.id, createFactory(provider, options.fetch));
      this.breakers.set(provider.id, new CircuitBreaker(this.config.circuitBreaker, this.now));
    }
  }

  resolve(operation: TModelOperation): ResolvedModel {
    const choice = this.config.operations[operation];
    const provider = this.config.providers.find((p) => p.id === choice.provider);
    const factory = this.factories.get(choice.provider);
    const breaker = this.breakers.get(choice.provider);
    if (!provider || !factory || !breaker)
      throw new AgentError('CONFIG_INVALID', `unknown provider ${choice.provider}`);
    return { operation, choice, provider, model: factory(choice.model), breaker };
  }

  breaker(providerId: string): CircuitBreaker {
    const breaker = this.breakers.get(providerId);
    if (!breaker) throw new AgentError('CONFIG_INVALID', `unknown provider ${providerId}`);
    return breaker;
  }
}

function createFactory(provider: TProviderConfig, fetch: typeof globalThis.fetch | undefined): ModelFactory {
  switch (provider.kind) {
    case 'openai-compatible': {
      const p = createOpenAICompatible({
        name: provider.id,
        baseURL: provider.baseURL,
        ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
        ...(provider.headers ? { headers: provider.headers } : {}),
        // Without it OpenAI-style servers send no usage on streams and accounting goes blind.
        includeUsage: true,
        ...(fetch ? { fetch } : {}),
      });
      return (id) => p.chatModel(id);
    }
    case 'anthropic': {
      const p = createAnthropic({
        apiKey: provider.apiKey,
        ...(provider.baseURL ? { baseURL: provider.baseURL } : {}),
        ...(fetch ? { fetch } : {}),
      });
      return (id) => p.languageModel(id);
    }
    case 'google': {
      const p = createGoogleGenerativeAI({
        apiKey: provider.apiKey,
        ...(provider.baseURL ? { baseURL: provider.baseURL } : {}),
        ...(fetch ? { fetch } : {}),
      });
      return (id) => p.languageModel(id);
    }
  }
}
