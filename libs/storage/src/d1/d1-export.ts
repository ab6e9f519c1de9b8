import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { TenantRef } from '../gateway/wire.js';
import type { D1Executor } from './d1-executor.js';
import type { D1ResultValue } from './d1-results.js';
import { parseSql } from './translate/parse-sql.js';
import { pgName, ROWID_COLUMN } from './translate/identifiers.js';

/** What the export needs from the service: a transaction on one database. */
export interface D1Transactions {
  transaction<T>(
    ref: TenantRef,
    work: (executor: D1Executor) => Promise<T>,
    options?: { readOnly?: boolean },
  ): Promise<T>;
}

const SKIPPED_ON_IMPORT = new Set([
  'start_transaction_stmt',
  'commit_transaction_stmt',
  'rollback_transaction_stmt',
  'pragma_stmt',
]);

/** A value as a SQLite literal, so SQLite reads back the same type. */
export function sqliteLiteral(value: D1ResultValue): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return `X'${Buffer.from(value).toString('hex').toUpperCase()}'`;
  if (typeof value === 'number')
    return Number.isFinite(value) ? String(value) : value > 0 ? '9e999' : value < 0 ? '-9e999' : 'NULL';
  return `'${value.replace(/'/g, "''")}'`;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * The database as SQLite SQL, in the shape of Miniflare's/wrangler's export: tables with their
 * rows, then indexes and views, so `wrangler d1 execute --file` or any SQLite loads it back.
 */
export async function exportDatabase(service: D1Transactions, ref: TenantRef): Promise<string> {
  return service.transaction(
    ref,
    async (executor) => {
      const catalog = await executor.currentCatalog();
      const lines = ['PRAGMA defer_foreign_keys=TRUE;'];
      for (const row of catalog.tables()) {
        if (row.name === 'sqlite_sequence') continue;
        lines.push(`${row.sql ?? ''};`);
        const info = catalog.table(row.name);
        if (!info) continue;
        const names = info.columns.map((c) => c.name);
        const data = await executor.rawRows(
          `SELECT ${names.map(pgName).join(', ')} FROM ${pgName(row.name)} ORDER BY "${ROWID_COLUMN}"`,
        );
        const columnList = names.map(quoteIdent).join(',');
        for (const values of data)
          lines.push(
            `INSERT INTO ${quoteIdent(row.name)} (${columnList}) VALUES(${values.map(sqliteLiteral).join(',')});`,
          );
      }
      if (catalog.object('sqlite_sequence')) {
        lines.push('DELETE FROM sqlite_sequence;');
        for (const [name, seq] of await executor.rawRows('SELECT name, seq FROM sqlite_sequence ORDER BY kiln_rowid')) {
          lines.push(
            `INSERT INTO sqlite_sequence VALUES(${sqliteLiteral(name ?? null)},${sqliteLiteral(seq ?? null)});`,
          );
        }
      }
      // Triggers last, as sqlite3 .dump writes them: loading the rows must not fire them.
      for (const type of ['index', 'view', 'trigger'])
        for (const row of catalog.rows) if (row.type === type && row.sql) lines.push(`${row.sql};`);
      return `${lines.join('\n')}\n`;
    },
    { readOnly: true },
  );
}

/** Loads SQLite SQL (an export or a `sqlite3 .dump`) in one transaction; BEGIN/COMMIT/PRAGMA lines are skipped. */
export async function importSql(service: D1Transactions, ref: TenantRef, sql: string): Promise<number> {
  const statements = parseSql(sql).filter((s) => !SKIPPED_ON_IMPORT.has(s.node.type));
  return service.transaction(ref, async (executor) => {
    await executor.pgClient.query('SET CONSTRAINTS ALL DEFERRED');
    for (const statement of statements) await executor.run({ sql: statement.text, params: [] });
    return statements.length;
  });
}

/** `db.dump()`: a real SQLite database file, built from the export. */
export async function dumpDatabaseFile(service: D1Transactions, ref: TenantRef): Promise<Buffer> {
  const sql = await exportDatabase(service, ref);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-d1-dump-'));
  try {
    const file = join(dir, 'db.sqlite');
    const db = new DatabaseSync(file);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
