import { randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@kiln/config';
import type { DurableObjectSync } from '@kiln/storage';
import { doStoreProblems } from '@kiln/storage/do-store-config';
import type { Logger } from 'pino';
import { runtimeEnv } from './config.js';

type RuntimeConfig = ReturnType<typeof runtimeEnv.parse>;

export interface DoSetup {
  persistDir: string;
  sync: DurableObjectSync | undefined;
  /** Closes the Redis connection (after the runtime has stopped and flushed). */
  close(): void;
}

/**
 * The Durable Object directory and, when RUNTIME_DO_SYNC is on, the sync to the object store.
 * The sync's drivers (Redis, S3) load only then: the preview image ships without them.
 */
export async function durableObjectSetup(config: RuntimeConfig, logger: Logger): Promise<DoSetup> {
  const persistDir = resolve(config.RUNTIME_DO_PERSIST_DIR ?? join(tmpdir(), 'kiln-do', config.KILN_APP_ID));
  if (config.RUNTIME_DO_SYNC === 'off') return { persistDir, sync: undefined, close: () => undefined };
  const problems = [
    ...(config.REDIS_URL
      ? []
      : [{ variable: 'REDIS_URL', message: 'is required when RUNTIME_DO_SYNC is strict or relaxed' }]),
    ...doStoreProblems(config),
  ];
  if (problems.length > 0) throw new ConfigError(runtimeEnv.service, problems);
  const { DoVersionIndex, DurableObjectSync, createBlobDriver, doBlobDriverConfig } = await import('@kiln/storage');
  const blobs = createBlobDriver(doBlobDriverConfig(config, runtimeEnv.service));
  const { index, lease, close } = DoVersionIndex.connect(config.REDIS_URL ?? '', (err) =>
    logger.warn({ err: err.message }, 'redis (durable object index)'),
  );
  const sync = new DurableObjectSync({
    appId: config.KILN_APP_ID,
    persistDir,
    blobs,
    index,
    lease: lease({
      appId: config.KILN_APP_ID,
      holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      ttlMs: config.RUNTIME_DO_LEASE_TTL_MS,
      waitMs: config.RUNTIME_DO_LEASE_WAIT_MS,
    }),
    logger,
    mode: config.RUNTIME_DO_SYNC,
    windowMs: config.RUNTIME_DO_SYNC_WINDOW_MS,
    maxObjectBytes: config.RUNTIME_DO_MAX_OBJECT_BYTES,
  });
  return { persistDir, sync, close };
}
