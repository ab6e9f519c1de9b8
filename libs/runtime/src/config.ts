import { DO_STORE_VARS } from '@kiln/storage/do-store-config';
import { defineEnv, envHost, envLogLevel, envPort, envPositiveInt, envUrl } from '@kiln/config';
import { z } from 'zod';

export const runtimeEnv = defineEnv('Worker runtime (libs/runtime, `npm run runtime`)', {
  KILN_APP_ID: {
    schema: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an app id (lowercase letters, digits, dashes)'),
    description: 'The app this runtime serves; scopes all of its binding data.',
  },
  KILN_APP_DIR: { schema: z.string().min(1), description: "Directory with the app's wrangler.jsonc and code." },
  KILN_GATEWAY_URL: { schema: envUrl(['http', 'https']), description: 'Base URL of the binding gateway.' },
  KILN_GATEWAY_TOKEN: { schema: z.string().min(16), secret: true, description: "This app's gateway token." },
  KILN_GATEWAY_MODE: {
    schema: z.enum(['direct', 'proxy'], { message: 'must be direct or proxy' }),
    default: 'direct',
    description:
      "How bindings reach the gateway: `direct` (workerd's binding clients call it as an external service; http only) or `proxy` (Miniflare's remote proxy; also https).",
  },
  RUNTIME_HOST: { schema: envHost, default: '127.0.0.1', description: 'Address the app is served on.' },
  RUNTIME_PORT: { schema: envPort, default: '8788', description: 'Port the app is served on.' },
  RUNTIME_WATCH: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true'),
    default: 'true',
    description: 'Reload the Worker when files in KILN_APP_DIR change.',
  },
  RUNTIME_DO_PERSIST_DIR: {
    schema: z.string().min(1),
    optional: true,
    description:
      "Directory for the app's Durable Object SQLite files. Unset: a temporary directory (state lost with the process unless synced).",
  },
  RUNTIME_DO_SYNC: {
    schema: z.enum(['off', 'strict', 'relaxed'], { message: 'must be off, strict or relaxed' }),
    default: 'off',
    description:
      'Durable Object state in the object store: `strict` answers a request only after its writes are uploaded, `relaxed` uploads in batches every RUNTIME_DO_SYNC_WINDOW_MS (docs/durable-objects.md).',
  },
  RUNTIME_DO_SYNC_WINDOW_MS: {
    schema: envPositiveInt,
    default: '250',
    description:
      'Relaxed batching window, and how often writes made outside HTTP requests (alarms, WebSocket messages) are uploaded.',
  },
  ...DO_STORE_VARS,
  RUNTIME_DO_MAX_OBJECT_BYTES: {
    schema: envPositiveInt,
    default: '67108864',
    description:
      "Hard limit on one Durable Object's snapshot (64 MiB by default; a snapshot is held in memory while it is uploaded). A larger object is not uploaded: the store keeps its last version under the limit, and in strict mode the request that grew it gets a 507.",
  },
  RUNTIME_DO_LEASE_TTL_MS: {
    schema: envPositiveInt,
    default: '10000',
    description:
      "How long a killed runtime's lease on the app's Durable Objects blocks the next runtime (renewed every third of it).",
  },
  RUNTIME_DO_LEASE_WAIT_MS: {
    schema: envPositiveInt,
    default: '120000',
    description: 'How long a starting runtime waits for another runtime to release the lease before it exits.',
  },
  REDIS_URL: {
    schema: envUrl(['redis', 'rediss']),
    optional: true,
    secret: true,
    description: 'Redis with the Durable Object version index; required when RUNTIME_DO_SYNC is not off.',
  },
  LOG_LEVEL: { schema: envLogLevel, default: 'info', description: 'Lowest pino log level written.' },
});
