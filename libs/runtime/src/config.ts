import { defineEnv, envHost, envLogLevel, envPort, envUrl } from '@kiln/config';
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
  LOG_LEVEL: { schema: envLogLevel, default: 'info', description: 'Lowest pino log level written.' },
});
