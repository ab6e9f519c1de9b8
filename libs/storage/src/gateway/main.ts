import { ConfigError } from '@kiln/config';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { D1Service, migrateD1Schema } from '../d1/index.js';
import { KvService } from '../kv/index.js';
import { R2Service, createBlobDriver, migrateR2Schema } from '../r2/index.js';
import { blobConfig } from './blob-config.js';
import { gatewayEnv } from './config.js';
import { GatewayMetrics } from './metrics.js';
import { createGateway } from './server.js';

async function main(): Promise<void> {
  const config = gatewayEnv.parse();
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'gateway' } });
  // A Postgres that does not answer fails a request after 5 s instead of holding it open.
  const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20, connectionTimeoutMillis: 5000 });
  await migrateR2Schema(db);
  await migrateD1Schema(db);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const server = createGateway({
    secret: config.GATEWAY_SECRET,
    services: {
      kv: new KvService(redis),
      r2: new R2Service({ db, blobs: createBlobDriver(blobConfig(config)) }),
      d1: new D1Service(db),
    },
    logger,
    requestTimeoutMs: config.GATEWAY_REQUEST_TIMEOUT_MS,
    metrics: new GatewayMetrics(),
  });
  server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
    logger.info(`gateway listening on http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
  });
  const stop = () => {
    server.close(() => {
      void Promise.allSettled([redis.quit(), db.end()]).then(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const text =
    err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
