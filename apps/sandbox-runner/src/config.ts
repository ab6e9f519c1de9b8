import { defineEnv, envHost, envLogLevel, envNodeEnv, envPort, envPositiveInt } from '@kiln/config';
import { z } from 'zod';

export const runnerEnv = defineEnv('Sandbox runner (apps/sandbox-runner)', {
  NODE_ENV: { schema: envNodeEnv, default: 'development', description: 'Runtime mode.' },
  RUNNER_HOST: { schema: envHost, default: '127.0.0.1', description: 'Address the runner listens on.' },
  RUNNER_PORT: { schema: envPort, default: '4100', description: 'TCP port of the runner.' },
  DOCKER_SOCKET: {
    schema: z.string().min(1),
    default: '/var/run/docker.sock',
    description: 'Unix socket of the Docker engine that runs preview and published containers.',
  },
  LOG_LEVEL: { schema: envLogLevel, default: 'info', description: 'Lowest pino log level written.' },
  READINESS_TIMEOUT_MS: {
    schema: envPositiveInt,
    default: '2000',
    description: 'How long `/readyz` waits for the Docker engine before reporting it failed.',
  },
});

export type RunnerConfig = ReturnType<typeof runnerEnv.parse>;
