import { storageType } from './affinity.js';
import { pgName, ROWID_COLUMN } from './identifiers.js';
import type { TableInfo } from './table-info.js';

/**
 * SQLite's REPLACE deletes every row that conflicts with a new one, on any UNIQUE constraint or
 * the rowid, then inserts: the new row gets a new rowid (max(rowid)+1 counted before the delete)
 * and columns the INSERT does not name take their defaults. Postgres' ON CONFLICT keeps the old
 * row, so the statement becomes: new rows in a CTE, a DELETE of the rows they collide with, and an
 * INSERT that first reads the DELETE's result (which makes Postgres run it to completion) and
 * hands the largest deleted rowid to the rowid trigger as a floor.
 *
 * Only constraints whose columns the INSERT names can collide: the others take defaults, which
 * are NULL or generated in generated apps. Returns undefined when no constraint can collide.
 */
export function replaceInsert(
  info: TableInfo,
  columns: string[],
  source: { values: string[][] } | { select: string },
  table: string,
  alias: string,
): string | undefined {
  const named = columns.length ? columns : info.columns.map((c) => c.name);
  const lower = named.map((c) => c.toLowerCase());
  const keys = [...(info.rowidAlias ? [[info.rowidAlias]] : []), ...info.uniques].filter((key) =>
    key.every((c) => lower.includes(c.toLowerCase())),
  );
  if (keys.length === 0) return undefined;
  const typeOf = (name: string) =>
    storageType(info.columns.find((c) => c.name.toLowerCase() === name.toLowerCase())?.type ?? '');
  const body =
    'values' in source
      ? `VALUES ${source.values.map((row) => `(${row.map((v, i) => `(${v})::${typeOf(named[i] ?? '')}`).join(', ')})`).join(', ')}`
      : source.select;
  const cols = named.map((c) => pgName(c)).join(', ');
  const collides = keys
    .map((key) => {
      const list = key.map((c) => pgName(c)).join(', ');
      return `(${list}) IN (SELECT ${list} FROM kiln_new)`;
    })
    .join(' OR ');
  return (
    `WITH kiln_new (${cols}) AS (${body}), ` +
    `kiln_replaced AS (DELETE FROM ${table} WHERE ${collides} RETURNING "${ROWID_COLUMN}") ` +
    `INSERT INTO ${table}${alias} (${cols}) SELECT * FROM kiln_new ` +
    `WHERE kiln_sqlite.rowid_floor((SELECT max("${ROWID_COLUMN}") FROM kiln_replaced))`
  );
}
