import { defineEnv, envHost, envPort, envUrl } from '@kiln/config';
import { z } from 'zod';

export const launcherEnv = defineEnv('Launcher (`npm start`)', {
  KILN_HOME: {
    schema: z.string().min(1),
    default: '.kiln',
    description: 'Where embedded services keep their data, relative to the repository root unless absolute.',
  },
  DATABASE_URL: {
    schema: envUrl(['postgres', 'postgresql']),
    optional: true,
    secret: true,
    description: 'Use this Postgres instead of starting the embedded one.',
  },
  REDIS_URL: {
    schema: envUrl(['redis', 'rediss']),
    optional: true,
    secret: true,
    description: 'Use this Redis instead of starting `redis-server` from PATH.',
  },
  KILN_POSTGRES_PORT: {
    schema: envPort,
    default: '54329',
    description: 'Port of the embedded Postgres (127.0.0.1 only).',
  },
  KILN_REDIS_PORT: {
    schema: envPort,
    default: '63790',
    description: 'Port of the local redis-server (127.0.0.1 only).',
  },
  KILN_HOST: { schema: envHost, default: '127.0.0.1', description: 'Address the API, web and runner listen on.' },
  API_PORT: { schema: envPort, default: '4000', description: 'Passed to the API.' },
  WEB_PORT: { schema: envPort, default: '3000', description: 'Passed to the web app.' },
  RUNNER_PORT: { schema: envPort, default: '4100', description: 'Passed to the sandbox runner.' },
  KILN_GATEWAY_HOST: {
    schema: envHost,
    default: '0.0.0.0',
    description:
      'Address the binding gateway listens on. Preview containers reach it from their Docker networks (the runner lets them reach only this port of the host); every call carries an app token signed with the gateway secret.',
  },
  GATEWAY_PORT: {
    schema: envPort,
    default: '8787',
    description:
      'Passed to the binding gateway (its secret is generated once into `KILN_HOME/gateway-secret`, R2 bytes go to `KILN_HOME/blobs`).',
  },
});
export type LauncherConfig = ReturnType<typeof launcherEnv.parse>;
