import type pg from 'pg';

/** A value as D1 answers it: integers and reals as numbers, blobs as arrays of byte values. */
export type D1ResultValue = null | number | string | number[];

const INT8 = 20;
const NUMERIC = 1700;
const BOOL = 16;
const BYTEA = 17;
const JSONB = 3802;
const NUMBERS = new Set([21, 23, 26, 700, 701, INT8, NUMERIC]);

/** Postgres text values → SQLite's value types. Comparisons come back as 1/0, as in SQLite. */
export const resultTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number) => {
    if (NUMBERS.has(oid)) return (value: string) => Number(value);
    if (oid === BOOL) return (value: string) => (value === 't' ? 1 : 0);
    if (oid === BYTEA) return (value: string) => Array.from(Buffer.from(value.slice(2), 'hex'));
    if (oid === JSONB) return parseSqlValue;
    return (value: string) => value;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The jsonb our JSON functions return holds an SQL value (containers were wrapped as text). */
function parseSqlValue(value: string): D1ResultValue {
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed === 'number' || typeof parsed === 'string') return parsed;
  if (typeof parsed === 'boolean') return parsed ? 1 : 0;
  if (parsed === null) return null;
  return JSON.stringify(parsed);
}

export interface D1Meta {
  served_by: string;
  served_by_region: string;
  served_by_primary: boolean;
  duration: number;
  changes: number;
  last_row_id: number;
  changed_db: boolean;
  size_after: number;
  rows_read: number;
  rows_written: number;
}

export interface StatementResult {
  columns: string[];
  rows: D1ResultValue[][];
  meta: D1Meta;
}

export function rowsToObjects(columns: string[], rows: D1ResultValue[][]): Record<string, D1ResultValue>[] {
  return rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i] ?? null])));
}

/** The JSON element D1 gives for one successful statement. */
export function successElement(result: StatementResult, format: 'ROWS_AND_COLUMNS' | 'NONE' | 'ARRAY_OF_OBJECTS') {
  return {
    success: true,
    results:
      format === 'ROWS_AND_COLUMNS'
        ? { columns: result.columns, rows: result.rows }
        : rowsToObjects(result.columns, result.rows),
    meta: result.meta,
  };
}
