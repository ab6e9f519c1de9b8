import { storageType } from './affinity.js';
import { isNode, items, kid, kids, nameOf, type N } from './cst.js';
import { pgName, ROWID_COLUMN } from './identifiers.js';
import { ParamNumbering } from './params.js';
import { parseSql } from './parse-sql.js';
import type { TableInfo } from './table-info.js';
import { keyColumn } from './translate-ddl.js';
import { SqlEmitter } from './translate-expr.js';
import type { CatalogLookup } from './translate-statement.js';

/** One thing two rows can collide on: a UNIQUE constraint, the rowid, or a unique index. */
export interface ReplaceKey {
  /** The key's parts as Postgres expressions over the table's columns. */
  parts: string[];
  /** Every column the parts (and the predicate) read. */
  columns: string[];
  /** A partial index's predicate: only rows it holds for collide. */
  where?: string;
}

/**
 * The keys REPLACE resolves: the rowid, UNIQUE/PRIMARY KEY constraints, and CREATE UNIQUE INDEX
 * indexes, including ones on expressions (`lower(email)`) and partial ones (`WHERE deleted IS
 * NULL`), whose stored SQL is translated like any other.
 */
export function replaceKeys(info: TableInfo, indexSql: readonly string[], catalog: CatalogLookup): ReplaceKey[] {
  const keys: ReplaceKey[] = [...(info.rowidAlias ? [[info.rowidAlias]] : []), ...info.uniques].map((key) => ({
    parts: key.map((c) => keyColumn(info, c)),
    columns: key,
  }));
  for (const sql of indexSql) {
    const [parsed] = parseSql(sql);
    const node = parsed?.node as unknown as N | undefined;
    if (!parsed || node?.type !== 'create_index_stmt') continue;
    const e = new SqlEmitter({
      source: { text: parsed.text, base: parsed.start },
      params: new ParamNumbering(),
      values: [],
      catalog,
    });
    const specs = items(kid(node, 'columns')).map((spec) => kid(spec, 'expr') ?? spec);
    const where = kid(kids(node, 'clauses').find((c) => c.type === 'where_clause') ?? node, 'expr');
    keys.push({
      parts: specs.map((expr) => (expr.type === 'identifier' ? keyColumn(info, nameOf(expr)) : `(${e.value(expr)})`)),
      columns: [...specs, ...(where ? [where] : [])].flatMap(columnNames),
      where: where ? e.cond(where) : undefined,
    });
  }
  return keys;
}

/** The column names an expression reads. */
function columnNames(node: N): string[] {
  if (node.type === 'identifier') return [nameOf(node)];
  if (node.type === 'member_expr') return columnNames(kid(node, 'property') ?? node);
  if (node.type === 'func_call') return columnNames(kid(node, 'args') ?? { type: 'empty' });
  return Object.entries(node).flatMap(([key, value]) => {
    if (key === 'name' && node.type === 'func_call') return [];
    if (Array.isArray(value)) return value.filter(isNode).flatMap(columnNames);
    return isNode(value) ? columnNames(value) : [];
  });
}

/**
 * SQLite's REPLACE deletes every row that conflicts with a new one, on any UNIQUE constraint or
 * the rowid, then inserts: the new row gets a new rowid (max(rowid)+1 counted before the delete)
 * and columns the INSERT does not name take their defaults. Postgres' ON CONFLICT keeps the old
 * row, so the statement becomes: new rows in a CTE, a DELETE of the rows they collide with, and an
 * INSERT that first reads the DELETE's result (which makes Postgres run it to completion) and
 * hands the largest deleted rowid to the rowid trigger as a floor.
 *
 * Only keys whose columns the INSERT names can collide: the others take defaults, which are NULL
 * or generated in generated apps. Returns undefined when no key can collide.
 */
export function replaceInsert(
  info: TableInfo,
  allKeys: readonly ReplaceKey[],
  columns: string[],
  source: { values: string[][] } | { select: string },
  table: string,
  alias: string,
): string | undefined {
  const named = columns.length ? columns : info.columns.map((c) => c.name);
  const lower = named.map((c) => c.toLowerCase());
  const keys = allKeys.filter((key) => key.columns.every((c) => lower.includes(c.toLowerCase())));
  if (keys.length === 0) return undefined;
  const typeOf = (name: string) =>
    storageType(info.columns.find((c) => c.name.toLowerCase() === name.toLowerCase())?.type ?? '');
  const body =
    'values' in source
      ? `VALUES ${source.values.map((row) => `(${row.map((v, i) => `(${v})::${typeOf(named[i] ?? '')}`).join(', ')})`).join(', ')}`
      : source.select;
  const cols = named.map((c) => pgName(c)).join(', ');
  // Inside the subquery the key's columns are kiln_new's (every one of them is named there).
  const collides = keys
    .map((key) => {
      const list = key.parts.join(', ');
      const filter = key.where ? ` WHERE ${key.where}` : '';
      return `((${list}) IN (SELECT ${list} FROM kiln_new${filter})${key.where ? ` AND ${key.where}` : ''})`;
    })
    .join(' OR ');
  return (
    `WITH kiln_new (${cols}) AS (${body}), ` +
    `kiln_replaced AS (DELETE FROM ${table} WHERE ${collides} RETURNING "${ROWID_COLUMN}") ` +
    `INSERT INTO ${table}${alias} (${cols}) SELECT * FROM kiln_new ` +
    `WHERE kiln_sqlite.rowid_floor((SELECT max("${ROWID_COLUMN}") FROM kiln_replaced))`
  );
}
