import { D1SqlError } from '../d1-errors.js';
import { items, kid, nameOf, type N } from './cst.js';
import { pgExactName, pgName } from './identifiers.js';
import type { SqlEmitter } from './translate-expr.js';

/** SQLite's JSON table-valued functions, and whether they walk the whole tree. */
const JSON_TABLES = new Map([
  ['json_each', false],
  ['json_tree', true],
]);

/** Their columns, in SQLite's order (the hidden `json` and `root` are not emulated). */
const COLUMNS = ['key', 'value', 'type', 'atom', 'id', 'parent', 'fullkey', 'path'];

/**
 * Columns holding an SQL value of any type (integer, real, text or NULL per row). Postgres columns
 * have one type, so these are jsonb scalars, like json_extract's results: the result reader turns
 * them back into numbers and strings, and comparisons read them as numbers or text.
 */
export const VALUE_COLUMNS = new Set(['key', 'value', 'atom']);

export function isJsonTableCall(node: N | undefined): boolean {
  return node?.type === 'func_call' && JSON_TABLES.has(nameOf(kid(node, 'name')).toLowerCase());
}

/** `json_each(x [, path]) [AS alias]` in FROM: kiln_sqlite.json_table() with SQLite's column names. */
export function emitJsonTable(e: SqlEmitter, call: N, alias: N | undefined): string {
  const name = nameOf(kid(call, 'name'));
  const argsNode = kid(kid(call, 'args') ?? call, 'expr');
  const args = argsNode?.type === 'func_args' ? items(kid(argsNode, 'args')) : [];
  const [doc, path] = args;
  if (!doc || args.length > 2) throw new D1SqlError(`wrong number of arguments to function ${name}()`);
  const recursive = JSON_TABLES.get(name.toLowerCase()) ? 'true' : 'false';
  // In argument order: `?` placeholders are numbered as they are emitted.
  const docText = e.concrete(doc);
  const pathText = path ? `(${e.concrete(path)})::text` : `'$'`;
  const as = alias ? pgName(nameOf(alias)) : pgExactName(name.toLowerCase());
  return `kiln_sqlite.json_table((${docText})::text, ${pathText}, ${recursive}) AS ${as} (${COLUMNS.map((c) => `"${c}"`).join(', ')})`;
}
