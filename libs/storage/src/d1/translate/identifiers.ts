import { D1SqlError } from '../d1-errors.js';

/**
 * SQLite names are case-insensitive, quoted or not; Postgres names are folded when unquoted and
 * exact when quoted. Every name is stored folded to lower case and always emitted quoted, so any
 * spelling the app uses reaches the same object. The declared spelling is kept in the catalog.
 */
export function pgName(name: string): string {
  return `"${name.toLowerCase().replace(/"/g, '""')}"`;
}

/** An output column name must keep the app's spelling exactly (`SELECT x AS "Total"`). */
export function pgExactName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The hidden rowid column every table gets (SQLite tables all have one). */
export const ROWID_COLUMN = 'kiln_rowid';
export const ROWID_NAMES = new Set(['rowid', '_rowid_', 'oid']);
export const MASTER_TABLE = 'kiln_master';

/**
 * Names that would reach Postgres itself. pg_catalog is searched before any search_path, so
 * `pg_*` names must never get through; `kiln_*` are ours.
 */
export function assertSafeName(name: string): void {
  if (isReservedName(name)) throw new D1SqlError(`access to ${name} is prohibited`, 'SQLITE_AUTH');
}

/** Names that would reach Postgres' catalog or Kiln's own objects rather than the app's. */
export function isReservedName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith('pg_') || lower === 'information_schema' || (lower.startsWith('kiln_') && lower !== ROWID_COLUMN)
  );
}

/** `main.t` and `temp.t` are the same database to D1; any other qualifier names another schema. */
export function assertSchemaQualifier(schema: string, object: string): void {
  const lower = schema.toLowerCase();
  if (lower !== 'main' && lower !== 'temp') throw new D1SqlError(`no such table: ${schema}.${object}`);
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
