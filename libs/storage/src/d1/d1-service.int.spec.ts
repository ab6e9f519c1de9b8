import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@kiln/devtools/testing';
import pg from 'pg';
import type { TenantRef } from '../gateway/wire.js';
import { D1Service } from './d1-service.js';
import { migrateD1Schema } from './d1-schema.js';

type Body = { sql: string; params?: unknown[] } | { sql: string; params?: unknown[] }[];

async function call(
  service: D1Service,
  ref: TenantRef,
  body: Body,
  endpoint = 'query?resultsFormat=ROWS_AND_COLUMNS',
): Promise<unknown> {
  const res = await service.handle(ref, {
    method: 'POST',
    url: new URL(`http://d1/${endpoint}`),
    headers: { 'content-type': 'application/json' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
    contentLength: undefined,
  });
  return JSON.parse((res.body as Buffer | string).toString());
}

const rowsOf = (answer: unknown): unknown[][] =>
  (answer as { results: { rows: unknown[][] } }[])[0]?.results.rows ?? [];

describe('D1Service', () => {
  let testDb: TestDatabase;
  let pool: pg.Pool;
  let service: D1Service;
  const app1: TenantRef = { appId: 'app-one', resourceId: 'main-db' };
  const app2: TenantRef = { appId: 'app-two', resourceId: 'main-db' };

  before(async () => {
    testDb = await createTestDatabase('kiln_d1svc');
    pool = new pg.Pool({ connectionString: testDb.url, max: 4 });
    await migrateD1Schema(pool);
    await migrateD1Schema(pool);
    // size_after measured after every write, so the size test sees each one.
    service = new D1Service(pool, { sizeRefreshMs: 0 });
  });
  after(async () => {
    await pool.end();
    await testDb.drop();
  });

  it('rolls back a whole batch when its third statement fails', async () => {
    await call(service, app1, { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)' });
    const answer = await call(service, app1, [
      { sql: 'INSERT INTO t (name) VALUES (?)', params: ['a'] },
      { sql: 'INSERT INTO t (name) VALUES (?)', params: ['b'] },
      { sql: 'INSERT INTO t (name) VALUES (?)', params: ['a'] },
    ]);
    assert.deepEqual(answer, {
      success: false,
      error: 'UNIQUE constraint failed: t.name: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)',
    });
    assert.deepEqual(rowsOf(await call(service, app1, { sql: 'SELECT count(*) FROM t' })), [[0]]);
  });

  it('reports the failing exec line after the earlier successes', async () => {
    const answer = (await call(
      service,
      app1,
      [{ sql: 'INSERT INTO t (name) VALUES (1);' }, { sql: '' }, { sql: 'SELEC 1' }],
      'execute?resultsFormat=NONE',
    )) as { success: boolean }[];
    assert.equal(answer.length, 3);
    assert.equal(answer[2]?.success, false);
  });

  it('keeps two apps apart and refuses SQL aimed at other schemas', async () => {
    await call(service, app2, { sql: 'CREATE TABLE secrets (v TEXT)' });
    await call(service, app2, { sql: "INSERT INTO secrets VALUES ('app2 only')" });
    const seen = await call(service, app1, { sql: 'SELECT * FROM secrets' });
    assert.deepEqual(seen, { success: false, error: 'no such table: secrets: SQLITE_ERROR' });
    const { rows } = await pool.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'd1_%'",
    );
    for (const { nspname } of rows) {
      for (const sql of [
        `SELECT * FROM ${nspname}.secrets`,
        `SELECT * FROM "${nspname}"."secrets"`,
        'SELECT * FROM pg_catalog.pg_namespace',
        'SELECT * FROM pg_tables',
        "SELECT set_config('search_path', 'public', true)",
        `SET search_path TO ${nspname}`,
        'SELECT * FROM information_schema.tables',
      ]) {
        const answer = (await call(service, app1, { sql })) as { success: boolean };
        assert.equal(answer.success, false, sql);
      }
    }
  });

  it('exports SQL that SQLite loads back to the same data', async () => {
    const ref: TenantRef = { appId: 'app-one', resourceId: 'export-db' };
    await call(service, ref, {
      sql: 'CREATE TABLE things (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, score REAL, data BLOB, n INTEGER)',
    });
    await call(service, ref, { sql: 'CREATE INDEX things_name ON things(name)' });
    await call(service, ref, [
      { sql: 'INSERT INTO things (name, score, data, n) VALUES (?, ?, ?, ?)', params: ["it's", 1.5, [0, 255, 7], 42] },
      { sql: 'INSERT INTO things (name, score, data, n) VALUES (?, ?, ?, ?)', params: ['ünï', null, null, -3] },
    ]);
    const sql = await service.exportDatabase(ref);
    const db = new DatabaseSync(':memory:');
    db.exec(sql);
    const stmt = db.prepare('SELECT id, name, score, data, n FROM things ORDER BY id');
    stmt.setReturnArrays(true);
    const sqliteRows = (stmt.all() as unknown as unknown[][]).map((r) =>
      r.map((v) => (v instanceof Uint8Array ? Array.from(v) : v)),
    );
    assert.deepEqual(
      sqliteRows,
      rowsOf(await call(service, ref, { sql: 'SELECT id, name, score, data, n FROM things ORDER BY id' })),
    );
    const copy: TenantRef = { appId: 'app-one', resourceId: 'import-db' };
    await service.importSql(copy, sql);
    assert.deepEqual(await service.listTables(copy), [{ name: 'things', rows: 2 }]);
    const readOnly = await service.readOnlyQuery(copy, "INSERT INTO things (name) VALUES ('x')").catch((e: Error) => e);
    assert.ok(readOnly instanceof Error);
    await service.wipe(copy);
    assert.deepEqual(await service.listTables(copy), []);
  });

  it('reports meta.size_after as the bytes the database uses, growing with its rows', async () => {
    const ref: TenantRef = { appId: 'app-one', resourceId: 'size-db' };
    const sizeOf = (answer: unknown): number[] =>
      (answer as { meta: { size_after: number } }[]).map((element) => element.meta.size_after);
    const [empty] = sizeOf(await call(service, ref, { sql: 'CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT)' }));
    assert.ok(empty !== undefined && empty > 0, `size after CREATE TABLE: ${empty}`);
    const filled = sizeOf(
      await call(
        service,
        ref,
        Array.from({ length: 4 }, (_, i) => ({
          sql: "INSERT INTO blobs (body) SELECT ? || printf('%d', value) FROM json_each(?)",
          params: ['x'.repeat(500), JSON.stringify(Array.from({ length: 200 }, (_, j) => i * 200 + j))],
        })),
      ),
    );
    assert.equal(new Set(filled).size, 1, 'one size for every statement of the batch');
    assert.ok((filled[0] ?? 0) > empty + 400_000, `size after 800 rows of 500 bytes: ${filled[0]} (was ${empty})`);
    // A read reports the size measured by the last write.
    assert.deepEqual(sizeOf(await call(service, ref, { sql: 'SELECT count(*) FROM blobs' })), [filled[0]]);
  });
});
