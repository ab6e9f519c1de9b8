import { resolve } from 'node:path';
import { ConfigError } from '@kiln/config';
import { pino } from 'pino';
import { runtimeEnv } from './config.js';
import { durableObjectSetup } from './do-sync-setup.js';
import { WorkerRuntime } from './worker-runtime.js';

async function main(): Promise<void> {
  const config = runtimeEnv.parse();
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'runtime', app: config.KILN_APP_ID } });
  const dos = await durableObjectSetup(config, logger);
  const runtime = new WorkerRuntime(
    {
      appId: config.KILN_APP_ID,
      appDir: resolve(config.KILN_APP_DIR),
      host: config.RUNTIME_HOST,
      port: config.RUNTIME_PORT,
      gateway: { url: config.KILN_GATEWAY_URL, token: config.KILN_GATEWAY_TOKEN, mode: config.KILN_GATEWAY_MODE },
      durableObjects: { persistDir: dos.persistDir },
    },
    logger,
    dos.sync,
  );
  const url = await runtime.start();
  if (config.RUNTIME_WATCH) runtime.watch();
  // SIGHUP: reload now. The sandbox runner sends it after every file change it makes and when asked
  // to reload (after a build); its log line says `cause: "signal"`.
  process.on('SIGHUP', () => void runtime.reloadNow('signal'));
  logger.info(`app ${config.KILN_APP_ID} serving on ${url.href}`);
  const stop = () =>
    void runtime
      .stop()
      .catch((err: unknown) => logger.error({ err }, 'stop failed'))
      .finally(() => {
        dos.close();
        process.exit(0);
      });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const text = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
