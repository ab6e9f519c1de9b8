import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { type BindingMode, type KilnStack, startKilnStack } from '../testing/kiln-stack.js';
import { parseSql } from './translate/parse-sql.js';

const DIR = fileURLToPath(new URL('../../test/d1-workerd/', import.meta.url));
const COMPATIBILITY_DATE = '2025-09-01';

interface Step {
  op: string;
  [key: string]: unknown;
}
interface Case {
  name: string;
  steps: Step[];
  /** `error`: both sides must fail with a D1_ERROR, the messages may differ (Kiln refuses, SQLite has no such thing). */
  compare?: 'error';
  /** A documented difference (docs/d1-compat.md): the outputs must differ, for this reason. */
  differs?: string;
}
type Outcome = { value: unknown } | { error: string; cause: string | null };

const cases = JSON.parse(readFileSync(`${DIR}cases.json`, 'utf8')) as Case[];

async function runSteps(mf: Miniflare, steps: Step[]): Promise<Outcome[]> {
  const res = await mf.dispatchFetch('http://harness/run', { method: 'POST', body: JSON.stringify({ steps }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`harness failed (${res.status}): ${text}`);
  return JSON.parse(text) as Outcome[];
}

const HARNESS = {
  modules: true,
  scriptPath: `${DIR}harness-worker.js`,
  compatibilityDate: COMPATIBILITY_DATE,
} as const;

/** The harness on Miniflare's own local D1 (SQLite), under a database id of its own. */
const localWorker = (id: string) => new Miniflare({ ...HARNESS, d1Databases: { DB: id } });

/**
 * The same Worker (`env.DB.prepare().bind().all()`, `batch`, `exec`, ...) runs in real workerd
 * against Miniflare's local D1 (SQLite, the reference) and against Kiln's gateway (Postgres),
 * reached in both binding modes. The cases run in order on one database per side, as an app's
 * requests would.
 */
describe('D1 through workerd: Kiln (direct and proxy) vs Miniflare local D1', () => {
  const appId = `d1wd-${randomBytes(4).toString('hex')}`;
  let stack: KilnStack;
  let reference: Miniflare;
  const kiln = new Map<BindingMode, Miniflare>();

  before(async () => {
    stack = await startKilnStack({ blobs: 'fs' });
    reference = localWorker('reference-db');
    for (const mode of ['direct', 'proxy'] as const)
      kiln.set(mode, new Miniflare({ ...HARNESS, ...stack.bindingOptions(mode, appId, { d1: { DB: `${mode}-db` } }) }));
    await Promise.all([reference.ready, ...[...kiln.values()].map((mf) => mf.ready)]);
  });

  after(async () => {
    await Promise.allSettled([reference?.dispose(), ...[...kiln.values()].map((mf) => mf.dispose())]);
    await stack?.close();
  });

  it('has at least 25 cases', () => {
    assert.ok(cases.length >= 25, `${cases.length} cases`);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const expected = await runSteps(reference, c.steps);
      const direct = await runSteps(kiln.get('direct') as Miniflare, c.steps);
      const proxy = await runSteps(kiln.get('proxy') as Miniflare, c.steps);
      // The two modes carry the same wire calls to the same service: always identical.
      assert.deepEqual(proxy, direct, 'proxy mode differs from direct mode');
      if (c.compare === 'error') {
        for (const [i, outcome] of direct.entries()) {
          assert.ok('error' in outcome, `step ${i} should fail on Kiln: ${JSON.stringify(outcome)}`);
          assert.match(outcome.error, /^D1_ERROR: /);
          assert.ok('error' in (expected[i] as Outcome), `step ${i} fails on Miniflare too`);
        }
      } else if (c.differs) {
        assert.notDeepEqual(direct, expected, `listed as a difference but identical: ${c.differs}`);
      } else {
        assert.deepEqual(direct, expected, `kiln ${JSON.stringify(direct)}\nminiflare ${JSON.stringify(expected)}`);
      }
    });
  }

  it('exec reports the failing line and applies nothing', async () => {
    const [failed, count] = await runSteps(kiln.get('direct') as Miniflare, [
      {
        op: 'exec',
        sql: 'CREATE TABLE lines (n INTEGER);\nINSERT INTO lines VALUES (1);\nINSERT INTO nope VALUES (1);',
      },
      { op: 'all', sql: "SELECT count(*) AS n FROM sqlite_master WHERE name = 'lines'" },
    ]);
    assert.deepEqual(failed, {
      error: 'D1_EXEC_ERROR: Error in line 3: INSERT INTO nope VALUES (1);: no such table: nope: SQLITE_ERROR',
      cause: 'Error in line 3: INSERT INTO nope VALUES (1);: no such table: nope: SQLITE_ERROR',
    });
    assert.deepEqual((count as { value: { results: unknown } }).value.results, [{ n: 0 }]);
  });

  it('a huge statement is refused with a D1 error, and a batch holding one applies nothing', async () => {
    const huge = `SELECT '${'x'.repeat(120_000)}' AS v`;
    const [alone, inBatch, after] = await runSteps(kiln.get('direct') as Miniflare, [
      { op: 'all', sql: huge, params: [] },
      {
        op: 'batch',
        statements: [
          { sql: "INSERT INTO counters (name) VALUES ('huge')", params: [] },
          { sql: huge, params: [] },
        ],
      },
      { op: 'all', sql: "SELECT count(*) AS n FROM counters WHERE name = 'huge'", params: [] },
    ]);
    for (const outcome of [alone, inBatch]) {
      assert.ok(outcome && 'error' in outcome, JSON.stringify(outcome).slice(0, 200));
      assert.match(outcome.error, /^D1_ERROR: .*(too (big|long)|limit)/i);
    }
    assert.deepEqual((after as { value: { results: unknown } }).value.results, [{ n: 0 }]);
  });

  it('SQL aiming at Postgres is refused and a batch holding it applies nothing', async () => {
    const attempts = [
      'SELECT * FROM pg_catalog.pg_class',
      'SELECT * FROM information_schema.tables',
      'DROP SCHEMA public CASCADE',
      "SELECT pg_read_file('/etc/passwd') AS f",
      // Several statements in one prepare() all run (as in D1); the second one is refused here.
      'SELECT 1; DROP SCHEMA public CASCADE',
    ];
    for (const sql of attempts) {
      const [batch, after] = await runSteps(kiln.get('direct') as Miniflare, [
        {
          op: 'batch',
          statements: [
            { sql: "INSERT INTO counters (name) VALUES ('pg')", params: [] },
            { sql, params: [] },
          ],
        },
        { op: 'all', sql: "SELECT count(*) AS n FROM counters WHERE name = 'pg'", params: [] },
      ]);
      assert.ok(batch && 'error' in batch && batch.error.startsWith('D1_ERROR: '), `${sql}: ${JSON.stringify(batch)}`);
      assert.deepEqual((after as { value: { results: unknown } }).value.results, [{ n: 0 }], sql);
    }
    const [users] = await runSteps(kiln.get('direct') as Miniflare, [
      { op: 'first', sql: 'SELECT count(*) AS n FROM users', params: [], column: 'n' },
    ]);
    assert.ok(users && 'value' in users && typeof users.value === 'number' && users.value > 0);
  });

  it('round trip: Kiln export loads into Miniflare local D1 and reads back identical', async () => {
    const dump = await stack.d1.exportDatabase({ appId, resourceId: 'direct-db' });
    const target = localWorker('roundtrip-db');
    try {
      // Statements, not lines: an exported CREATE TABLE or string value may span lines, and
      // exec() would split it.
      const statements = parseSql(dump).map((s) => ({ sql: s.text, params: [] }));
      const [loaded] = await runSteps(target, [{ op: 'batch', statements }]);
      assert.ok(loaded && 'value' in loaded, JSON.stringify(loaded));
      const tables = ['users', 'posts', 'counters', 'sqlite_sequence'];
      // raw(): rows and column names only; meta.last_row_id is per-connection state, not data.
      const queries: Step[] = [
        ...tables.map((t) => ({ op: 'raw', sql: `SELECT * FROM ${t} ORDER BY 1, 2`, params: [], columnNames: true })),
        {
          op: 'raw',
          sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf%' ESCAPE '\\' ORDER BY name",
          params: [],
        },
        {
          op: 'raw',
          sql: 'SELECT name, hex(data), typeof(data), typeof(score), typeof(id) FROM users ORDER BY id',
          params: [],
          columnNames: true,
        },
      ];
      const fromKiln = await runSteps(kiln.get('direct') as Miniflare, queries);
      const fromMiniflare = await runSteps(target, queries);
      for (const outcome of fromKiln) assert.ok('value' in outcome, JSON.stringify(outcome));
      assert.deepEqual(fromMiniflare, fromKiln);
    } finally {
      await target.dispose();
    }
  });
});
