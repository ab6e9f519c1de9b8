import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createTestDatabase } from '@kiln/devtools/testing';
import { Client } from 'minio';
import pg from 'pg';
import { ManualClock } from '../clock.js';
import type { BlobDriver } from './blob-driver.js';
import { FsBlobDriver } from './fs-blob-driver.js';
import { migrateR2Schema } from './r2-migrations.js';
import { R2Service } from './r2-service.js';
import { R2TestClient } from './r2-test-client.js';
import { S3BlobDriver } from './s3-blob-driver.js';
import { startS3Server } from '../testing/kiln-stack.js';

/**
 * Test support for the integration tier: a fresh Postgres database (DATABASE_URL) with the R2
 * schema, and either blob driver on a real backend: a temp directory, or an s3rver process (an S3
 * server in Node), spoken to through the real minio client.
 */

export type DriverKind = 'fs' | 's3';
export const DRIVER_KINDS: readonly DriverKind[] = ['fs', 's3'];

export const S3_BUCKET = 'kiln-test';
const S3_PREFIX = 'r2/';

export interface R2TestEnv {
  pool: pg.Pool;
  blobs: BlobDriver;
  clock: ManualClock;
  service: R2Service;
  client(appId?: string, bucket?: string): R2TestClient;
  /** Every blob key currently in the store (without the S3 prefix). */
  blobKeys(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startR2TestEnv(kind: DriverKind, wrap?: (blobs: BlobDriver) => BlobDriver): Promise<R2TestEnv> {
  const db = await createTestDatabase('kiln_r2t');
  const pool = new pg.Pool({ connectionString: db.url, max: 20 });
  await migrateR2Schema(pool);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-r2-'));
  const backend = kind === 'fs' ? fsBackend(join(dir, 'blobs')) : await s3Backend(dir);
  const blobs = wrap ? wrap(backend.blobs) : backend.blobs;
  const clock = new ManualClock(1_700_000_000_000);
  const service = new R2Service({ db: pool, blobs, clock, logger: { warn: () => undefined, error: () => undefined } });
  return {
    pool,
    blobs,
    clock,
    service,
    client: (appId = 'app-1', bucket = 'files') => new R2TestClient(service, { appId, resourceId: bucket }),
    blobKeys: () => backend.keys(),
    async close() {
      await service.settled();
      await pool.end();
      await db.drop();
      await backend.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Backend {
  blobs: BlobDriver;
  keys(): Promise<string[]>;
  stop(): Promise<void>;
}

function fsBackend(root: string): Backend {
  return {
    blobs: new FsBlobDriver(root),
    async keys() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)))
        .filter((k) => !k.startsWith('.tmp'))
        .sort();
    },
    stop: () => Promise.resolve(),
  };
}

async function s3Backend(dir: string): Promise<Backend> {
  const server = await startS3Server(join(dir, 's3'), S3_BUCKET);
  const port = server.port;
  const conn = { endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'S3RVER', secretKey: 'S3RVER' };
  const client = new Client({ ...conn, region: 'us-east-1', pathStyle: true });
  return {
    blobs: new S3BlobDriver({ ...conn, bucket: S3_BUCKET, prefix: S3_PREFIX }),
    async keys() {
      const keys: string[] = [];
      for await (const item of client.listObjectsV2(S3_BUCKET, S3_PREFIX, true))
        keys.push((item as { name: string }).name.slice(S3_PREFIX.length));
      return keys.sort();
    },
    stop: () => server.child.stop('SIGTERM', 5000),
  };
}
