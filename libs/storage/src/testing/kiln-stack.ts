import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, freePort, requireEnv, type TestDatabase } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import S3rver from 's3rver';
import { appToken } from '../gateway/auth.js';
import { bindingUrl } from '../gateway/route.js';
import { createGateway } from '../gateway/server.js';
import { KvService } from '../kv/index.js';
import { R2Service, S3BlobDriver, migrateR2Schema } from '../r2/index.js';

/**
 * A complete Kiln storage stack for tests: the gateway over real Redis, real Postgres and a real
 * S3 server process (s3rver) — what production runs, with MinIO swapped for s3rver.
 */
export interface KilnStack {
  gatewayUrl: string;
  secret: string;
  redis: Redis;
  db: pg.Pool;
  /** A binding URL for `appId` (with that app's real token unless `token` is given). */
  url(kind: 'kv' | 'r2', appId: string, resourceId: string, token?: string): URL;
  close(): Promise<void>;
}

export async function startKilnStack(): Promise<KilnStack> {
  const database: TestDatabase = await createTestDatabase('kiln_gw');
  const db = new pg.Pool({ connectionString: database.url, max: 20 });
  await migrateR2Schema(db);
  const redis = new Redis(requireEnv('REDIS_URL'));
  const s3dir = await mkdtemp(join(tmpdir(), 'kiln-s3-'));
  const s3port = await freePort();
  const s3 = new S3rver({ port: s3port, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'kiln-test', configs: [] }] });
  await s3.run();
  const blobs = new S3BlobDriver({ endPoint: '127.0.0.1', port: s3port, useSSL: false, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: 'kiln-test' });
  const secret = randomBytes(32).toString('hex');
  const server: Server = createGateway({
    secret,
    services: { kv: new KvService(redis), r2: new R2Service({ db, blobs }) },
    logger: pino({ level: 'warn' }),
    requestTimeoutMs: 60_000,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    gatewayUrl,
    secret,
    redis,
    db,
    url: (kind, appId, resourceId, token) => bindingUrl(gatewayUrl, kind, { appId, resourceId }, token ?? appToken(secret, appId)),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await s3.close();
      redis.disconnect();
      await db.end();
      await database.drop();
      await rm(s3dir, { recursive: true, force: true });
    },
  };
}
