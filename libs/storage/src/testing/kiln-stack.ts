import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, createTestDatabase, requireEnv, startChild, type TestDatabase } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { appToken } from '../gateway/auth.js';
import type { MiniflareOptions } from 'miniflare';
import { type BindingKind, type GatewayBinding, bindingUrl, directBindings, proxyBindings } from '../gateway/client.js';
import { GatewayMetrics } from '../gateway/metrics.js';
import { createGateway } from '../gateway/server.js';
import { D1Service, migrateD1Schema } from '../d1/index.js';
import { KvService } from '../kv/index.js';
import { FsBlobDriver, R2Service, S3BlobDriver, migrateR2Schema } from '../r2/index.js';

/**
 * A complete Kiln storage stack for tests: the gateway over real Redis, real Postgres and a real
 * S3 server process (s3rver) — what production runs, with MinIO swapped for s3rver.
 */
/** How a Worker's bindings reach the gateway: workerd external service (direct) or Miniflare's remote proxy. */
export type BindingMode = 'direct' | 'proxy';

export interface KilnStack {
  gatewayUrl: string;
  secret: string;
  redis: Redis;
  db: pg.Pool;
  /** The gateway's D1 service, for tests that seed or export a database outside a Worker. */
  d1: D1Service;
  /** The stack's own Postgres database and its blob directory (fs mode), for tools under test. */
  databaseUrl: string;
  blobDir: string;
  /** A binding URL for `appId` (with that app's real token unless `token` is given). */
  url(kind: BindingKind, appId: string, resourceId: string, token?: string): URL;
  /** Miniflare options for KV/R2/D1 bindings (`{ KV: 'namespace-id' }`) served by this gateway, in either mode. */
  bindingOptions(
    mode: BindingMode,
    appId: string,
    bindings: Partial<Record<BindingKind, Record<string, string>>>,
    token?: string,
  ): Partial<MiniflareOptions>;
  close(): Promise<void>;
}

export interface KilnStackOptions {
  /** Where R2 bytes go: an S3 server process (default, as production with MinIO) or a directory. */
  blobs?: 'fs' | 's3';
  /**
   * Address the gateway listens on (127.0.0.1). `0.0.0.0` lets preview containers reach it through
   * their bridge; `gatewayUrl` still names 127.0.0.1.
   */
  host?: string;
}

export async function startKilnStack(options: KilnStackOptions = {}): Promise<KilnStack> {
  const database: TestDatabase = await createTestDatabase('kiln_gw');
  const db = new pg.Pool({ connectionString: database.url, max: 20 });
  await migrateR2Schema(db);
  await migrateD1Schema(db);
  const redis = new Redis(requireEnv('REDIS_URL'));
  const blobDir = await mkdtemp(join(tmpdir(), 'kiln-blobs-'));
  const s3 = options.blobs === 'fs' ? undefined : await startS3Server(blobDir, 'kiln-test');
  const blobs = s3
    ? new S3BlobDriver({
        endPoint: '127.0.0.1',
        port: s3.port,
        useSSL: false,
        accessKey: 'S3RVER',
        secretKey: 'S3RVER',
        bucket: 'kiln-test',
      })
    : new FsBlobDriver(blobDir);
  const secret = randomBytes(32).toString('hex');
  const d1 = new D1Service(db);
  const server: Server = createGateway({
    secret,
    services: { kv: new KvService(redis), r2: new R2Service({ db, blobs }), d1 },
    logger: pino({ level: 'warn' }),
    requestTimeoutMs: 60_000,
    metrics: new GatewayMetrics(),
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = (kind: BindingKind, appId: string, resourceId: string, token?: string) =>
    bindingUrl(gatewayUrl, kind, { appId, resourceId }, token ?? appToken(secret, appId));
  return {
    gatewayUrl,
    secret,
    redis,
    db,
    d1,
    databaseUrl: database.url,
    blobDir,
    url,
    bindingOptions(mode, appId, bindings, token) {
      const list: GatewayBinding[] = (['kv', 'r2', 'd1'] as const).flatMap((kind) =>
        Object.entries(bindings[kind] ?? {}).map(([name, id]) => ({ name, kind, url: url(kind, appId, id, token) })),
      );
      return mode === 'proxy' ? proxyBindings(list) : { unsafeBindings: directBindings(list) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await s3?.child.stop('SIGTERM', 5000);
      redis.disconnect();
      await db.end();
      await database.drop();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

const S3_SERVER = fileURLToPath(new URL('../../test/s3-server.mjs', import.meta.url));

/** A real S3 server process (s3rver) with one bucket, on a port of its choosing. */
export async function startS3Server(directory: string, bucket: string): Promise<{ port: number; child: Child }> {
  let onReady: (port: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => (onReady = resolve));
  const errors: string[] = [];
  const child = startChild('s3rver', process.execPath, [S3_SERVER, directory, bucket], {
    onLine: (line, stream) => {
      const match = /^ready (\d+)$/.exec(line);
      if (match) onReady(Number(match[1]));
      else if (stream === 'stderr') errors.push(line);
    },
  });
  const port = await Promise.race([
    ready,
    child.exited.then(() => {
      throw new Error(`s3rver exited before it was ready: ${errors.join('\n')}`);
    }),
  ]);
  return { port, child };
}
