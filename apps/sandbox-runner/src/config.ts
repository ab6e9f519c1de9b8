import { defineEnv, envHost, envLogLevel, envNodeEnv, envPort, envPositiveInt, envUrl } from '@kiln/config';
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
  RUNNER_TOKEN: {
    schema: z.string().min(24, 'must be at least 24 characters'),
    optional: true,
    secret: true,
    description:
      'Service token the API sends as `Authorization: Bearer …` on `/instances`. Unset: the instances API answers 503.',
  },
  RUNNER_NAME: {
    schema: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'must be lowercase letters, digits and dashes'),
    default: 'kiln',
    description:
      'Labels (`kiln.runner`) and names the containers and network this runner owns, so two runners on one engine never touch each other’s.',
  },
  RUNTIME_IMAGE: {
    schema: z.string().min(1),
    default: 'kiln/runtime:dev',
    description: 'Image of instance containers (`npm run runner:image` builds it offline).',
  },
  GATEWAY_URL: {
    schema: envUrl(['http']),
    default: 'http://kiln-gateway:8787',
    description:
      'Binding gateway URL as seen from inside instance containers (passed as KILN_GATEWAY_URL). The host name `kiln-gateway` is the host’s address on the instance network; its port is the one host port instances may reach (the gateway must listen on that address, e.g. GATEWAY_HOST=0.0.0.0).',
  },
  PREVIEW_DOMAIN: {
    schema: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a DNS domain'),
    optional: true,
    description:
      'Serve each preview at `<instanceId>.<PREVIEW_DOMAIN>` (every path to the app) besides `/preview/<instanceId>/`. Needs a wildcard DNS record (or `*.localhost`) pointing at the runner.',
  },
  RUNNER_HOST_FIREWALL: {
    schema: z.enum(['iptables', 'off']),
    default: 'iptables',
    description:
      '`iptables`: the runner refuses traffic from instance networks to host services except the gateway port (needs root or CAP_NET_ADMIN on the host). `off`: only where another firewall does this.',
  },
  PREVIEW_IDLE_TTL_MS: {
    schema: envPositiveInt,
    default: '1800000',
    description:
      'A preview with no proxied request or API call for this long is removed by the reaper (published instances never are).',
  },
  WARM_POOL_SIZE: {
    schema: z.coerce.number().int().min(0).max(50),
    default: '2',
    description:
      'Prepared preview containers kept running (Miniflare loaded, waiting for an app); a create takes one instead of starting a container. 0 turns the pool off. Pool containers do not count against the instance caps.',
  },
  REAPER_INTERVAL_MS: {
    schema: envPositiveInt,
    default: '30000',
    description: 'How often the runner reconciles with the engine and reaps idle previews.',
  },
  TEMPLATES_DIR: {
    schema: z.string().min(1),
    default: 'templates',
    description: 'Folder whose sub-folders are the templates an instance can start from.',
  },
  INSTANCE_MEMORY_MB: { schema: envPositiveInt, default: '512', description: 'Memory limit per instance (MiB).' },
  INSTANCE_CPUS: {
    schema: z.coerce.number().positive().max(64),
    default: '1',
    description: 'CPU limit per instance (cores, fractions allowed).',
  },
  INSTANCE_PIDS: {
    schema: envPositiveInt,
    default: '256',
    description: 'Process/thread limit per instance (workerd and Node use ~60 threads at rest).',
  },
  INSTANCE_DISK_MB: {
    schema: envPositiveInt,
    default: '64',
    description: 'Size of the writable app folder `/app` (a tmpfs volume) per instance (MiB).',
  },
  INSTANCE_TMP_MB: { schema: envPositiveInt, default: '64', description: 'Size of `/tmp` per instance (MiB).' },
  INSTANCE_MAX_FILE_BYTES: {
    schema: envPositiveInt,
    default: '5242880',
    description: 'Largest single file the files API accepts (bytes).',
  },
  INSTANCE_READY_TIMEOUT_MS: {
    schema: envPositiveInt,
    default: '30000',
    description: 'How long create waits for the app to answer HTTP before reporting it still starting.',
  },
  MAX_INSTANCES_PER_USER: { schema: envPositiveInt, default: '3', description: 'Running instances per user.' },
  MAX_INSTANCES: { schema: envPositiveInt, default: '50', description: 'Running instances on this runner.' },
});

export type RunnerConfig = ReturnType<typeof runnerEnv.parse>;
