import { readFile } from 'node:fs/promises';
import { ZAgentModelsConfig, type TAgentModelsConfig } from '@kiln/agent';
import { DependencyUnavailableError } from '../common/errors.js';
import type { ApiConfig } from '../config.js';

/**
 * The agent's models from the API's configuration: `AGENT_MODELS_FILE` (a JSON file in libs/agent's
 * `ZAgentModelsConfig` shape: several providers, a model per operation, prices) when set, else one
 * model for every operation from `AGENT_PROVIDER` / `AGENT_MODEL` / `AGENT_MODEL_BASE_URL` /
 * `AGENT_MODEL_API_KEY`. Throws `DependencyUnavailableError` naming what is missing or wrong.
 */
export async function agentModels(c: ApiConfig): Promise<TAgentModelsConfig> {
  if (c.AGENT_MODELS_FILE) {
    const text = await readFile(c.AGENT_MODELS_FILE, 'utf8').catch((err: unknown) => {
      throw new DependencyUnavailableError(`the agent's model file ${c.AGENT_MODELS_FILE}`, err);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new DependencyUnavailableError(`the agent (AGENT_MODELS_FILE is not JSON: ${String(err)})`, err);
    }
    const parsed = ZAgentModelsConfig.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new DependencyUnavailableError(`the agent (AGENT_MODELS_FILE: ${issues})`, parsed.error);
    }
    return parsed.data;
  }
  const missing = [
    ...(c.AGENT_MODEL ? [] : ['AGENT_MODEL']),
    ...(c.AGENT_PROVIDER === 'openai-compatible' && !c.AGENT_MODEL_BASE_URL ? ['AGENT_MODEL_BASE_URL'] : []),
    ...(c.AGENT_PROVIDER !== 'openai-compatible' && !c.AGENT_MODEL_API_KEY ? ['AGENT_MODEL_API_KEY'] : []),
  ];
  if (missing.length) {
    throw new DependencyUnavailableError(`the agent (set ${missing.join(', ')}, or AGENT_MODELS_FILE)`, undefined);
  }
  const window = c.AGENT_MODEL_CONTEXT_WINDOW;
  const choice = {
    provider: 'model',
    model: c.AGENT_MODEL ?? '',
    contextWindow: window,
    // A quarter of the window for the answer, at most 8k tokens: a phase's files fit, the prompt
    // keeps the rest.
    maxOutputTokens: Math.min(8192, Math.floor(window / 4)),
  };
  const baseURL = c.AGENT_MODEL_BASE_URL ? { baseURL: c.AGENT_MODEL_BASE_URL } : {};
  const apiKey = c.AGENT_MODEL_API_KEY ?? '';
  const provider =
    c.AGENT_PROVIDER === 'openai-compatible'
      ? {
          kind: 'openai-compatible' as const,
          id: 'model',
          baseURL: c.AGENT_MODEL_BASE_URL ?? '',
          ...(apiKey ? { apiKey } : {}),
        }
      : { kind: c.AGENT_PROVIDER, id: 'model', apiKey, ...baseURL };
  return ZAgentModelsConfig.parse({
    providers: [provider],
    operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
  });
}
