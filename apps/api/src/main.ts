import { ConfigError } from '@kiln/config';
import { Logger } from 'nestjs-pino';
import { apiEnv } from './config.js';
import { createApi } from './create-api.js';

async function main(): Promise<void> {
  const config = apiEnv.parse();
  const app = await createApi(config);
  await app.listen(config.API_PORT, config.API_HOST);
  app.get(Logger).log(`API listening on http://${config.API_HOST}:${config.API_PORT}`, 'Main');
}

main().catch((err: unknown) => {
  // Config errors are the operator's to fix: print them plainly, without a stack.
  const text =
    err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
