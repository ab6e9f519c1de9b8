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
  READINESS_TIMEOUT_MS: {
    schema: envPositiveInt,
    default: '2000',
    description: 'How long `/readyz` waits for each dependency before reporting it failed.',
  },
});

export type ApiConfig = ReturnType<typeof apiEnv.parse>;
export const API_CONFIG = Symbol('API_CONFIG');
