import { items, kid, kids, nameOf, type N } from './cst.js';
import { pgName } from './identifiers.js';
import type { TableInfo } from './table-info.js';
import { keyColumn } from './translate-ddl.js';
import type { SqlEmitter } from './translate-expr.js';

/**
 * `ON CONFLICT … DO UPDATE SET …` as SQLite reads it: bare names in DO UPDATE are the target
 * table's, a missing conflict target is the primary key (or first UNIQUE), and a NOCASE key is
 * named by its folded value (the unique index it has).
 */
export function upsert(e: SqlEmitter, clause: N, info: TableInfo | undefined): string {
  const target = kid(clause, 'conflictTarget');
  const action = kid(clause, 'action');
  let targetText = '';
  if (target) {
    const cols = items(target).map((spec) => {
      const expr = kid(spec, 'expr') ?? spec;
      return expr.type === 'identifier' ? keyColumn(info, nameOf(expr)) : e.emit(expr);
    });
    const where = kid(target, 'where') ?? kids(clause, 'clauses').find((c) => c.type === 'where_clause');
    targetText = `(${cols.join(', ')})${where ? ` ${e.emit(where)}` : ''}`;
  }
  if (action?.type === 'upsert_action_nothing') return `ON CONFLICT ${targetText} DO NOTHING`;
  if (!target && info)
    targetText = `(${conflictColumns(info)
      .map((c) => keyColumn(info, c))
      .join(', ')})`;
  const set = kid(action ?? clause, 'set');
  const where = kid(action ?? clause, 'where');
  e.columnQualifier = info ? pgName(info.name) : undefined;
  try {
    const assignments = items(kid(set ?? clause, 'assignments')).map((a) => {
      const column = kid(a, 'column');
      const expr = kid(a, 'expr');
      return column && expr ? `${pgName(nameOf(column))} = ${e.loose(expr)}` : e.emit(a);
    });
    return `ON CONFLICT ${targetText} DO UPDATE SET ${assignments.join(', ')}${where ? ` ${e.emit(where)}` : ''}`;
  } finally {
    e.columnQualifier = undefined;
  }
}

function conflictColumns(info: TableInfo): string[] {
  if (info.rowidAlias) return [info.rowidAlias];
  return info.uniques[0] ?? [];
}

/**
 * REPLACE where `replaceInsert` cannot restate the INSERT (a WITH clause, DEFAULT VALUES): an
 * upsert on the primary key (or first UNIQUE) that resets unnamed columns to their defaults, as
 * on a fresh row; the row keeps its rowid.
 */
export function replaceClause(info: TableInfo, columns: string[]): string {
  const target = conflictColumns(info);
  if (target.length === 0) return '';
  const named = columns.length ? columns.map((c) => c.toLowerCase()) : info.columns.map((c) => c.name.toLowerCase());
  const sets = info.columns
    .filter((c) => !target.some((t) => t.toLowerCase() === c.name.toLowerCase()))
    .map((c) =>
      named.includes(c.name.toLowerCase())
        ? `${pgName(c.name)} = EXCLUDED.${pgName(c.name)}`
        : `${pgName(c.name)} = DEFAULT`,
    );
  const keys = target.map((c) => keyColumn(info, c)).join(', ');
  if (sets.length === 0) return `ON CONFLICT (${keys}) DO NOTHING`;
  return `ON CONFLICT (${keys}) DO UPDATE SET ${sets.join(', ')}`;
}
