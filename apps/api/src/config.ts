import { z } from 'zod';
import { defineEnv, envHost, envLogLevel, envNodeEnv, envPort, envPositiveInt, envUrl } from '@kiln/config';

export const apiEnv = defineEnv('API (apps/api)', {
  NODE_ENV: { schema: envNodeEnv, default: 'development', description: 'Runtime mode.' },
  API_HOST: {
    schema: envHost,
    default: '127.0.0.1',
    description: 'Address the API listens on (`0.0.0.0` in containers).',
  },
  API_PORT: { schema: envPort, default: '4000', description: 'TCP port of the API.' },
  DATABASE_URL: {
    schema: envUrl(['postgres', 'postgresql']),
    secret: true,
    description:
      'PostgreSQL connection URL, e.g. `postgres://kiln:secret@localhost:5432/kiln`. `npm start` sets it to an embedded Postgres when unset.',
  },
  DATABASE_POOL_MAX: {
    schema: envPositiveInt,
    default: '10',
    description: 'Maximum Postgres connections in the pool.',
  },
  REDIS_URL: {
    schema: envUrl(['redis', 'rediss']),
    secret: true,
    description:
      'Redis connection URL, e.g. `redis://localhost:6379/0`. `npm start` starts a local redis-server when unset.',
  },
  LOG_LEVEL: { schema: envLogLevel, default: 'info', description: 'Lowest pino log level written.' },
  RUNNER_URL: {
    schema: envUrl(['http', 'https']),
    optional: true,
    description: 'Sandbox runner the agent builds previews on. Unset: the agent endpoints answer 503.',
  },
  RUNNER_TOKEN: {
    schema: z.string().min(24),
    optional: true,
    secret: true,
    description: "The runner's service token (its RUNNER_TOKEN).",
  },
  GATEWAY_SECRET: {
    schema: z.string().min(32),
    optional: true,
    secret: true,
    description: "The binding gateway's secret: the API mints each app's gateway token with it.",
  },
  TEMPLATES_DIR: {
    schema: z.string().min(1),
    default: 'templates',
    description: 'Templates the agent chooses from (the same folder the runner creates instances from).',
  },
  AGENT_PROVIDER: {
    schema: z.enum(['openai-compatible', 'anthropic', 'google']),
    default: 'openai-compatible',
    description:
      'How the agent talks to its model: `openai-compatible` (Ollama, vLLM, LM Studio, LiteLLM, OpenAI), `anthropic` or `google` (Gemini).',
  },
  AGENT_MODEL_BASE_URL: {
    schema: envUrl(['http', 'https']),
    optional: true,
    description:
      'Endpoint of the model the agent uses, e.g. `http://127.0.0.1:11434/v1` for Ollama. Required for `openai-compatible`; for `anthropic` and `google` it overrides their public endpoint (a proxy, a gateway).',
  },
  AGENT_MODEL: { schema: z.string().min(1), optional: true, description: 'Model name at that endpoint.' },
  AGENT_MODEL_API_KEY: {
    schema: z.string().min(1),
    optional: true,
    secret: true,
    description: 'API key for that endpoint, when it needs one.',
  },
  AGENT_MODELS_FILE: {
    schema: z.string().min(1),
    optional: true,
    description:
      "A JSON file with several providers and a model per operation (blueprint, phaseGeneration, fixing, conversation), each with its context window and price, in libs/agent's `ZAgentModelsConfig` shape. Overrides the single-model variables above.",
  },
  AGENT_MODEL_CONTEXT_WINDOW: {
    schema: envPositiveInt,
    default: '32768',
    description: "The model's context window in tokens; prompts are budgeted to fit it.",
  },
  AGENT_SESSION_LEASE_MS: {
    schema: envPositiveInt,
    default: '15000',
    description:
      'How long an API process holds an agent session without renewing it (renewed every third of it). After a crash, another process takes the session over once this has passed.',
  },
  AGENT_SESSION_IDLE_MS: {
    schema: envPositiveInt,
    default: '600000',
    description:
      'An agent session with nothing running, no follower and no message for this long is handed back: its memory and lease are freed, its checkpoint stays, and the next request takes it again.',
  },
  READINESS_TIMEOUT_MS: {
    schema: envPositiveInt,
    default: '2000',
    description: 'How long `/readyz` waits for each dependency before reporting it failed.',
  },
});

export type ApiConfig = ReturnType<typeof apiEnv.parse>;
export const API_CONFIG = Symbol('API_CONFIG');
