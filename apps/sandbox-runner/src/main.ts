import { ConfigError } from '@kiln/config';
import { runnerEnv } from './config.js';
import { createRunner } from './create-runner.js';

async function main(): Promise<void> {
  const config = runnerEnv.parse();
  const app = createRunner(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => process.exit(0));
    });
  }
  await app.listen({ host: config.RUNNER_HOST, port: config.RUNNER_PORT });
}

main().catch((err: unknown) => {
  const text =
    err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
