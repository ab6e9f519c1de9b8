import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createTestDatabase, freePort, requireEnv, type TestDatabase } from '@kiln/devtools/testing';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { AppsService } from './apps/apps.service.js';
import { ConflictError, NotFoundError } from './common/errors.js';
import { apiEnv } from './config.js';
import { createApi } from './create-api.js';
import { REDIS } from './redis/redis.module.js';

async function startApi(env: Record<string, string>): Promise<{ app: INestApplication; base: string }> {
  const app = await createApi(apiEnv.parse({ LOG_LEVEL: 'warn', ...env }));
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl() };
}

describe('API on real Postgres and Redis', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;

  before(async () => {
    db = await createTestDatabase();
    ({ app, base } = await startApi({ DATABASE_URL: db.url, REDIS_URL: requireEnv('REDIS_URL') }));
  });

  after(async () => {
    await app?.close();
    await db?.drop();
  });

  it('/healthz answers the envelope', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { success: boolean; data: { status: string; service: string } };
    assert.equal(body.success, true);
    assert.equal(body.data.status, 'ok');
    assert.equal(body.data.service, 'api');
  });

  it('/readyz reports Postgres and Redis ok', async () => {
    const res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { status: string; checks: Record<string, { status: string }> } };
    assert.equal(body.data.status, 'ok');
    assert.equal(body.data.checks['postgres']?.status, 'ok');
    assert.equal(body.data.checks['redis']?.status, 'ok');
  });

  it('applied the committed migrations at start-up', async () => {
    const ds = app.get<DataSource>(getDataSourceToken());
    const applied = await ds.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
    assert.deepEqual(
      applied.map((m) => m.name),
      ds.migrations.map((m) => m.name),
    );
    const table = await ds.query<Array<{ t: string | null }>>(`SELECT to_regclass('public.app') AS t`);
    assert.equal(table[0]?.t, 'app');
  });

  it('migrations and entities agree (nothing left for synchronize to do)', async () => {
    const ds = app.get<DataSource>(getDataSourceToken());
    const pending = await ds.driver.createSchemaBuilder().log();
    assert.deepEqual(
      pending.upQueries.map((q) => q.query),
      [],
    );
  });

  it('writes an app row and reads it back', async () => {
    const apps = app.get(AppsService);
    const created = await apps.create({ slug: 'todo-list', name: 'Todo list' });
    const read = await apps.get(created.id);
    assert.equal(read.slug, 'todo-list');
    assert.equal(read.name, 'Todo list');
    assert.ok(read.createdAt instanceof Date);
  });

  it('a duplicate slug is a typed conflict, an unknown id a typed not-found', async () => {
    const apps = app.get(AppsService);
    await apps.create({ slug: 'dup', name: 'first' });
    await assert.rejects(apps.create({ slug: 'dup', name: 'second' }), ConflictError);
    await assert.rejects(apps.get('00000000-0000-4000-8000-000000000000'), NotFoundError);
    await assert.rejects(apps.get('not-a-uuid'), NotFoundError);
  });

  it('round-trips a value through Redis', async () => {
    const redis = app.get<Redis>(REDIS);
    const key = `kiln:test:${Date.now()}`;
    await redis.set(key, 'ünïcode ✓', 'EX', 30);
    assert.equal(await redis.get(key), 'ünïcode ✓');
    await redis.del(key);
  });

  it('unknown routes answer the error envelope with the request id', async () => {
    const res = await fetch(`${base}/api/does-not-exist`, { headers: { 'x-request-id': 'trace-42' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-request-id'), 'trace-42');
    assert.equal(res.headers.get('x-powered-by'), null);
    const body = (await res.json()) as { success: boolean; data: null; error: { code: string; requestId: string } };
    assert.equal(body.success, false);
    assert.equal(body.data, null);
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.equal(body.error.requestId, 'trace-42');
  });

  it('/metrics exposes request durations by route', async () => {
    await fetch(`${base}/healthz`);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(
      text,
      /kiln_http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*status="200"[^}]*\} [1-9]/,
    );
    assert.match(text, /kiln_process_cpu_user_seconds_total/);
  });
});

describe('API readiness with Redis down', () => {
  it('/readyz answers 503 and names the failing dependency', async () => {
    const db = await createTestDatabase();
    const deadPort = await freePort();
    const { app, base } = await startApi({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${deadPort}/0`,
      READINESS_TIMEOUT_MS: '1000',
    });
    try {
      const res = await fetch(`${base}/readyz`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as {
        data: { status: string; checks: Record<string, { status: string; error?: string }> };
      };
      assert.equal(body.data.status, 'fail');
      assert.equal(body.data.checks['postgres']?.status, 'ok');
      assert.equal(body.data.checks['redis']?.status, 'fail');
      assert.ok(body.data.checks['redis']?.error, 'the failure carries a reason');
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
