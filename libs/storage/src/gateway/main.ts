import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@kiln/config';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { KvService } from '../kv/index.js';
import { R2Service, createBlobDriver, migrateR2Schema } from '../r2/index.js';
import { type GatewayConfig, gatewayEnv } from './config.js';
import { createGateway } from './server.js';

function blobConfig(config: GatewayConfig): Parameters<typeof createBlobDriver>[0] {
  if (config.BLOB_DRIVER === 'fs') {
    return { kind: 'fs', root: isAbsolute(config.BLOB_FS_ROOT) ? config.BLOB_FS_ROOT : resolve(config.BLOB_FS_ROOT) };
  }
  const missing = (['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(gatewayEnv.service, missing.map((variable) => ({ variable, message: 'is required when BLOB_DRIVER=s3' })));
  }
  const endpoint = new URL(config.S3_ENDPOINT ?? '');
  return {
    kind: 's3',
    endPoint: endpoint.hostname,
    port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
    useSSL: endpoint.protocol === 'https:',
    accessKey: config.S3_ACCESS_KEY ?? '',
    secretKey: config.S3_SECRET_KEY ?? '',
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
  };
}

async function main(): Promise<void> {
  const config = gatewayEnv.parse();
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'gateway' } });
  const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20 });
  await migrateR2Schema(db);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const server = createGateway({
    secret: config.GATEWAY_SECRET,
    services: { kv: new KvService(redis), r2: new R2Service({ db, blobs: createBlobDriver(blobConfig(config)) }) },
    logger,
    requestTimeoutMs: config.GATEWAY_REQUEST_TIMEOUT_MS,
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
  const text = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
