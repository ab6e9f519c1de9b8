import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { D1Service } from './d1-service.js';
import { migrateD1Schema } from './d1-schema.js';

/**
 * The differential corpus: every case runs on SQLite (node:sqlite) and on Kiln's D1 over
 * Postgres, through handle() with the requests workerd's D1 shim sends. Format of the .sql files:
 * one case per line, `-- params: [json]` at the end binds values; `-- @batch` / `-- @exec` …
 * `-- @end` group lines into one batch() or exec() call; other `--` lines are comments.
 */
const CORPUS = new URL('../../test/d1-corpus/', import.meta.url);

type Value = null | number | string | number[];
interface Case {
  id: string;
  mode: 'query' | 'batch' | 'exec';
  queries: { sql: string; params: Value[] }[];
}
interface Outcome {
  error?: string;
  columns?: string[];
  rows?: Value[][];
  changes?: number;
  lastRowId?: number;
}

const EXTENDED: Record<number, string> = {
  275: 'SQLITE_CONSTRAINT_CHECK',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  1811: 'SQLITE_CONSTRAINT_TRIGGER',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
  19: 'SQLITE_CONSTRAINT',
};

function loadCases(file: string): Case[] {
  const lines = readFileSync(new URL(file, CORPUS), 'utf8').split('\n');
  const cases: Case[] = [];
  let group: Case | undefined;
  lines.forEach((line, i) => {
    const id = `${file.replace(/\.sql$/, '')}:${i + 1}`;
    const trimmed = line.trim();
    if (trimmed === '-- @batch' || trimmed === '-- @exec') {
      group = { id, mode: trimmed === '-- @batch' ? 'batch' : 'exec', queries: [] };
      return;
    }
    if (trimmed === '-- @end') {
      if (group) cases.push(group);
      group = undefined;
      return;
    }
    if (!group && (trimmed === '' || trimmed.startsWith('--'))) return;
    const at = line.lastIndexOf(' -- params: ');
    const sql = at >= 0 ? line.slice(0, at) : line;
    const params = at >= 0 ? (JSON.parse(line.slice(at + 12)) as Value[]) : [];
    if (group) group.queries.push({ sql, params });
    else cases.push({ id, mode: 'query', queries: [{ sql, params }] });
  });
  return cases;
}

function bindArgs(sql: string, params: Value[]): SQLInputValue[] | [Record<string, SQLInputValue>] {
  const values = params.map((p) => (Array.isArray(p) ? new Uint8Array(p) : p));
  const names = [...sql.replace(/'(?:[^']|'')*'/g, "''").matchAll(/[:@$]([A-Za-z_]\w*)/g)].map((m) => m[1] as string);
  if (names.length === 0) return values;
  const unique = [...new Set(names)];
  return [Object.fromEntries(unique.map((n, i) => [n, values[i] ?? null]))];
}

const toValue = (v: unknown): Value =>
  v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? Number(v) : (v as Value);

function referenceQuery(db: DatabaseSync, sql: string, params: Value[]): Outcome {
  const counters = db.prepare('SELECT total_changes(), last_insert_rowid()');
  counters.setReturnArrays(true);
  const [before] = counters.all() as unknown as number[][];
  try {
    const stmt = db.prepare(sql);
    stmt.setReturnArrays(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows = (stmt.all(...(bindArgs(sql, params) as SQLInputValue[])) as unknown as unknown[][]).map((r) =>
      r.map(toValue),
    );
    const [afterRow] = counters.all() as unknown as number[][];
    return { columns, rows, changes: (afterRow?.[0] ?? 0) - (before?.[0] ?? 0), lastRowId: afterRow?.[1] ?? 0 };
  } catch (error) {
    const e = error as { message: string; errcode?: number };
    const code = e.errcode ?? 1;
    const extended = EXTENDED[code];
    return {
      error:
        extended && code !== 19
          ? `${e.message}: SQLITE_CONSTRAINT (extended: ${extended})`
          : `${e.message}: ${extended ?? 'SQLITE_ERROR'}`,
    };
  }
}

function reference(db: DatabaseSync, c: Case): Outcome {
  if (c.mode === 'query') return referenceQuery(db, c.queries[0]?.sql ?? '', c.queries[0]?.params ?? []);
  db.exec('SAVEPOINT corpus');
  let last: Outcome = {};
  for (const q of c.queries) {
    if (c.mode === 'exec' && q.sql.replace(/^\s*--.*$/gm, '').trim() === '') continue;
    last = referenceQuery(db, q.sql, q.params);
    if (last.error) {
      db.exec('ROLLBACK TO corpus; RELEASE corpus');
      return last;
    }
  }
  db.exec('RELEASE corpus');
  return last;
}

async function kiln(service: D1Service, database: string, c: Case): Promise<Outcome> {
  const exec = c.mode === 'exec';
  const body = c.mode === 'query' ? c.queries[0] : c.queries.map((q) => (exec ? { sql: q.sql } : q));
  const res = await service.handle(
    { appId: 'corpus', resourceId: database },
    {
      method: 'POST',
      url: new URL(exec ? 'http://d1/execute?resultsFormat=NONE' : 'http://d1/query?resultsFormat=ROWS_AND_COLUMNS'),
      headers: { 'content-type': 'application/json', 'x-cf-d1-session-commit-token': 'first-primary' },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
      contentLength: undefined,
    },
  );
  const json = JSON.parse((res.body as Buffer | string).toString()) as unknown;
  if (!Array.isArray(json)) return { error: (json as { error: string }).error };
  const failed = (json as { success: boolean; error?: string }[]).find((e) => !e.success);
  if (failed) return { error: failed.error };
  const last = json.at(-1) as {
    results: { columns: string[]; rows: Value[][] } | Record<string, Value>[];
    meta: { changes: number; last_row_id: number };
  };
  const outcome: Outcome = { changes: last.meta.changes, lastRowId: last.meta.last_row_id };
  if (!exec && !Array.isArray(last.results))
    Object.assign(outcome, { columns: last.results.columns, rows: last.results.rows });
  return outcome;
}

const sameMessage = (ref: Outcome, got: Outcome): boolean =>
  got.error !== undefined && got.error.replace(/ at offset \d+:/, ':') === ref.error;

/** Why two outcomes differ, or undefined when they agree. */
function difference(ref: Outcome, got: Outcome, mode: Case['mode']): string | undefined {
  if (ref.error !== undefined || got.error !== undefined) {
    if (ref.error === undefined) return `Kiln failed: ${got.error}`;
    if (got.error === undefined) return `SQLite failed: ${ref.error}`;
    // Both failed: the message is part of D1's answer, so it must match word for word, except
    // the ` at offset N` workerd appends (node:sqlite does not; the workerd e2e checks it).
    return sameMessage(ref, got)
      ? undefined
      : `message: Kiln ${JSON.stringify(got.error)}, SQLite ${JSON.stringify(ref.error)}`;
  }
  try {
    if (mode !== 'exec') {
      assert.deepStrictEqual(got.columns, ref.columns, 'columns');
      assert.deepStrictEqual(got.rows, ref.rows, 'rows');
    }
    assert.equal(got.changes, ref.changes, 'changes');
    assert.equal(got.lastRowId, ref.lastRowId, 'last_row_id');
  } catch (error) {
    return (error as Error).message.split('\n').slice(0, 12).join(' ');
  }
  return undefined;
}

/**
 * The corpus database sorts text like a production Postgres (the postgres image's en_US), not
 * byte-wise: SQLite compares text by bytes, so Kiln must never lean on the database's collation.
 */
async function createCorpusDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set');
  const name = `kiln_d1corpus_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

describe('D1 differential corpus (node:sqlite vs Kiln D1 on Postgres)', () => {
  let testDb: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  const known = JSON.parse(readFileSync(new URL('known-differences.json', CORPUS), 'utf8')) as Record<string, string>;

  before(async () => {
    testDb = await createCorpusDatabase();
    pool = new pg.Pool({ connectionString: testDb.url, max: 4 });
    await migrateD1Schema(pool);
  });
  after(async () => {
    await pool.end();
    await testDb.drop();
  });

  it('agrees with SQLite on every case not listed in known-differences.json', async () => {
    const service = new D1Service(pool);
    const files = readdirSync(CORPUS)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    const unexpected: string[] = [];
    const differences: Record<string, string> = {};
    const stale: string[] = [];
    const report: string[] = [];
    let total = 0;
    let bothFailed = 0;
    let sameMessages = 0;
    for (const file of files) {
      const db = new DatabaseSync(':memory:');
      const counts = { pass: 0, fail: 0, known: 0 };
      for (const c of loadCases(file)) {
        total += c.mode === 'query' ? 1 : c.queries.length;
        const ref = reference(db, c);
        const got = await kiln(service, file.replace(/\.sql$/, '').replace(/[^A-Za-z0-9_-]/g, '_'), c);
        const diff = difference(ref, got, c.mode);
        if (ref.error !== undefined && got.error !== undefined) {
          bothFailed++;
          if (sameMessage(ref, got)) sameMessages++;
        }
        if (diff === undefined) {
          counts.pass++;
          if (known[c.id]) stale.push(c.id);
        } else if ((differences[c.id] = diff) && known[c.id]) counts.known++;
        else {
          counts.fail++;
          unexpected.push(`${c.id} ${c.queries.map((q) => q.sql).join(' | ')}\n    ${diff}`);
        }
      }
      db.close();
      report.push(`${file.padEnd(28)} pass ${counts.pass}  fail ${counts.fail}  known ${counts.known}`);
    }
    // D1_CORPUS_RECORD=1 rewrites the list from this run; review the diff before keeping it.
    if (process.env.D1_CORPUS_RECORD === '1') {
      const merged = Object.fromEntries(Object.entries(differences).map(([id, diff]) => [id, known[id] ?? diff]));
      writeFileSync(new URL('known-differences.json', CORPUS), `${JSON.stringify(merged, null, 2)}\n`);
      return;
    }
    console.log(`D1 corpus: ${total} statements\n${report.join('\n')}`);
    console.log(`errors: ${bothFailed} cases fail on both sides, ${sameMessages} with the same message`);
    assert.ok(total >= 600, `corpus has ${total} statements, expected at least 600`);
    assert.deepEqual(stale, [], 'listed in known-differences.json but no longer different');
    assert.deepEqual(unexpected, [], 'unexpected differences');
  });
});
