import { DatabaseSync } from 'node:sqlite';
import { DoExportError } from './do-export-error.js';
import { type Encoded, encodeKvValue, encodeSqlValue } from './do-value-codec.js';

/** One object's state as the replay Worker takes it (`objects/<namespace>/<objectId>.json`). */
export interface DoDump {
  format: 'kiln-do-dump/1';
  /** The app's tables first, then indexes, views and triggers; every statement is `IF NOT EXISTS`. */
  schema: Array<{ type: string; name: string; sql: string }>;
  /** Rows per table in storage order. With `rowid`, each row starts with the rowid, which is kept. */
  tables: Array<{ name: string; columns: string[]; rowid: boolean; rows: Encoded[][] }>;
  /** KV-API entries (`ctx.storage.put`), from the `_cf_KV` table, as tagged JSON (do-value-codec.ts). */
  kv: Array<[string, Encoded]>;
  /** The alarm, in ms since the epoch, or null. */
  alarm: number | null;
}

/** workerd's own tables and SQLite's: never part of what the app wrote through `ctx.storage.sql`. */
const internal = (name: string) => name.startsWith('_cf_') || name.startsWith('sqlite_');
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const CREATE = /^CREATE (TABLE|UNIQUE INDEX|INDEX|VIEW|TRIGGER) /i;
const ORDER = ['table', 'index', 'view', 'trigger'];

/** workerd keeps a SQLite-backed object's alarm in `_cf_METADATA` (key 1), in nanoseconds. */
const ALARM_KEY = 1;

/** Reads a checkpointed object database (a snapshot from the store) into a dump. */
export function readDoDump(path: string): DoDump {
  const db = new DatabaseSync(path, { readOnly: true, readBigInts: true });
  try {
    const objects = db
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid')
      .all() as Array<{ type: string; name: string; tbl_name: string; sql: string }>;
    const schema: DoDump['schema'] = [];
    const tables: DoDump['tables'] = [];
    for (const o of objects) {
      if (internal(o.name) || internal(o.tbl_name)) continue;
      if (/^CREATE VIRTUAL TABLE/i.test(o.sql))
        throw new DoExportError(
          `virtual table ${o.name}: virtual tables (FTS) are not exported; recreate them on Cloudflare`,
        );
      // sqlite_master keeps the statement without its IF NOT EXISTS; the app's constructor usually
      // creates its tables again on Cloudflare before the replay runs.
      schema.push({ type: o.type, name: o.name, sql: o.sql.replace(CREATE, (m) => `${m}IF NOT EXISTS `) });
      if (o.type === 'table') tables.push(readTable(db, o.name));
    }
    schema.sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));
    return { format: 'kiln-do-dump/1', schema, tables, kv: readKv(db), alarm: readAlarm(db) };
  } finally {
    db.close();
  }
}

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function readTable(db: DatabaseSync, name: string): DoDump['tables'][number] {
  // hidden 0: ordinary columns; generated columns (2, 3) are computed again on insert.
  const columns = (db.prepare(`PRAGMA table_xinfo(${quote(name)})`).all() as Array<{ name: string; hidden: bigint }>)
    .filter((c) => c.hidden === 0n)
    .map((c) => c.name);
  const list = db.prepare('PRAGMA table_list').all() as Array<{ name: string; wr: bigint }>;
  // The rowid is kept (apps may use it as an id) unless a column shadows its name.
  const rowid = list.find((t) => t.name === name)?.wr === 0n && !columns.some((c) => /^(rowid|oid|_rowid_)$/i.test(c));
  const select = `SELECT ${[...(rowid ? ['rowid'] : []), ...columns.map(quote)].join(', ')} FROM ${quote(name)}${rowid ? ' ORDER BY rowid' : ''}`;
  const statement = db.prepare(select);
  // Arrays, not objects: SQLite names the rowid after an INTEGER PRIMARY KEY column, so keys collide.
  statement.setReturnArrays(true);
  const rows = (statement.all() as unknown as unknown[][]).map((row) =>
    row.map((v) => encodeSqlValue(v, `table ${name}`)),
  );
  return { name, columns, rowid, rows };
}

function readKv(db: DatabaseSync): DoDump['kv'] {
  if (!hasTable(db, '_cf_KV')) return [];
  return (
    db.prepare('SELECT key, value FROM _cf_KV ORDER BY key').all() as Array<{ key: string; value: Uint8Array }>
  ).map(({ key, value }) => [key, encodeKvValue(value, key)]);
}

function readAlarm(db: DatabaseSync): number | null {
  if (!hasTable(db, '_cf_METADATA')) return null;
  const row = db.prepare('SELECT value FROM _cf_METADATA WHERE key = ?').get(ALARM_KEY) as
    { value: unknown } | undefined;
  return typeof row?.value === 'bigint' ? Number(row.value / 1_000_000n) : null;
}
