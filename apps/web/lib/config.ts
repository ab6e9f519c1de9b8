import { defineEnv, envUrl } from '@kiln/config';

export const webEnv = defineEnv('Web (apps/web)', {
  KILN_API_URL: {
    schema: envUrl(['http', 'https']),
    default: 'http://127.0.0.1:4000',
    description: 'Base URL the web server uses to reach the API (server side; browsers only talk to the web app).',
  },
});

export type WebConfig = ReturnType<typeof webEnv.parse>;

let cached: WebConfig | undefined;
export function webConfig(): WebConfig {
  cached ??= webEnv.parse();
  return cached;
}
