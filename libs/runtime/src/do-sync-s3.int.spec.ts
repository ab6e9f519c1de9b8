import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@kiln/config';
import { freePort, requireEnv, type Child } from '@kiln/devtools/testing';
import { DoVersionIndex, S3BlobDriver } from '@kiln/storage';
import { startS3Server } from '@kiln/storage/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { runtimeEnv } from './config.js';
import { durableObjectSetup } from './do-sync-setup.js';
import { writeDoApp } from './durable-objects.fixture.js';
import { WorkerRuntime } from './worker-runtime.js';

const BUCKET = 'kiln-do-test';

describe('Durable Object sync to S3 selected by the runtime configuration (s3rver, real workerd, Redis)', () => {
  let dir: string;
  let s3: { port: number; child: Child };
  let redis: Redis;
  const appId = `do-s3-${randomBytes(4).toString('hex')}`;

  const env = (persist: string, extra: Record<string, string> = {}) => ({
    KILN_APP_ID: appId,
    KILN_APP_DIR: join(dir, 'app'),
    KILN_GATEWAY_URL: 'http://127.0.0.1:9',
    KILN_GATEWAY_TOKEN: 'x'.repeat(43),
    RUNTIME_DO_PERSIST_DIR: join(dir, persist),
    RUNTIME_DO_SYNC: 'strict',
    RUNTIME_DO_BLOB_DRIVER: 's3',
    RUNTIME_DO_S3_ENDPOINT: `http://127.0.0.1:${s3.port}`,
    RUNTIME_DO_S3_ACCESS_KEY: 'S3RVER',
    RUNTIME_DO_S3_SECRET_KEY: 'S3RVER',
    RUNTIME_DO_S3_BUCKET: BUCKET,
    REDIS_URL: requireEnv('REDIS_URL'),
    ...extra,
  });

  /** What `npm run runtime` does with that environment, on a free port. */
  const start = async (persist: string) => {
    const config = runtimeEnv.parse(env(persist));
    const dos = await durableObjectSetup(config, pino({ level: 'silent' }));
    const port = await freePort();
    const runtime = new WorkerRuntime(
      {
        appId,
        appDir: config.KILN_APP_DIR,
        host: '127.0.0.1',
        port,
        gateway: { url: config.KILN_GATEWAY_URL, token: config.KILN_GATEWAY_TOKEN },
        durableObjects: { persistDir: dos.persistDir },
      },
      pino({ level: 'silent' }),
      dos.sync,
    );
    await runtime.start();
    return {
      base: `http://127.0.0.1:${port}`,
      stop: async () => {
        await runtime.stop();
        dos.close();
      },
    };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-do-s3-'));
    await writeDoApp(join(dir, 'app'));
    s3 = await startS3Server(join(dir, 's3'), BUCKET);
    redis = new Redis(requireEnv('REDIS_URL'));
  });

  after(async () => {
    await s3?.child.stop('SIGTERM', 5000);
    await redis?.del(`kiln:do:${appId}`, `kiln:do:${appId}:fence`, `kiln:do:${appId}:lease`);
    redis?.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('names every S3 variable the s3 driver is missing', async () => {
    const config = runtimeEnv.parse(
      env('unused', { RUNTIME_DO_S3_ENDPOINT: '', RUNTIME_DO_S3_ACCESS_KEY: '', RUNTIME_DO_S3_SECRET_KEY: '' }),
    );
    await assert.rejects(
      () => durableObjectSetup(config, pino({ level: 'silent' })),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.map((p) => p.variable).join() ===
          'RUNTIME_DO_S3_ENDPOINT,RUNTIME_DO_S3_ACCESS_KEY,RUNTIME_DO_S3_SECRET_KEY',
    );
  });

  it('strict writes land in the S3 bucket; a runtime on a fresh disk restores them from there', async () => {
    const a = await start('persist-a');
    try {
      for (let i = 1; i <= 5; i++) assert.deepEqual(await (await fetch(`${a.base}/counter/s3/inc`)).json(), { n: i });
    } finally {
      await a.stop();
    }
    const stored = [...(await new DoVersionIndex(redis).list(appId))].find(
      ([key]) => key.startsWith('do-app-Counter/') && !key.endsWith('/metadata'),
    );
    assert.ok(stored, 'the counter is in the version index');
    const blobs = new S3BlobDriver({
      endPoint: '127.0.0.1',
      port: s3.port,
      useSSL: false,
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      bucket: BUCKET,
    });
    assert.ok(await blobs.exists(stored[1].blob), `snapshot ${stored[1].blob} is in the S3 bucket`);
    const b = await start('persist-b');
    try {
      assert.equal(((await (await fetch(`${b.base}/counter/s3`)).json()) as { sql: number }).sql, 5);
      assert.deepEqual(await (await fetch(`${b.base}/counter/s3/inc`)).json(), { n: 6 });
    } finally {
      await b.stop();
    }
  });
});
