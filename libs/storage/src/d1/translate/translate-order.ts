import { items, keywordText, kid, operatorOf, type N } from './cst.js';
import type { SqlEmitter } from './translate-expr.js';
import { comparesNocase, folded, isJsonValue } from './translate-operators.js';

/** ORDER BY: a bare `ORDER BY x` is ascending, NULLs first, as SQLite sorts them. */
export function translateOrderBy(e: SqlEmitter, node: N): string {
  return `ORDER BY ${items(kid(node, 'specifications'))
    .map((spec) =>
      spec.type === 'sort_specification'
        ? e.emit(spec)
        : sortKeys(e, spec)
            .map((key) => `${key} NULLS FIRST`)
            .join(', '),
    )
    .join(', ')}`;
}

/** SQLite sorts NULLs first (they are the smallest value); Postgres sorts them last. */
export function translateSortSpec(e: SqlEmitter, node: N): string {
  const expr = kid(node, 'expr');
  if (!expr) return e.generic(node);
  const desc = kid(node, 'direction')?.type === 'sort_direction_desc';
  const nulls = node.nullHandlingKw ? keywordText(node.nullHandlingKw) : desc ? 'NULLS LAST' : 'NULLS FIRST';
  return sortKeys(e, expr)
    .map((key) => `${key}${desc ? ' DESC' : ''} ${nulls}`)
    .join(', ');
}

/**
 * What to sort an expression by, as SQLite would: a NOCASE value folded, a JSON value (jsonb) in
 * SQLite's order of values (NULL, numbers, then text by bytes). Where ORDER BY may only name
 * result columns (DISTINCT, UNION), the expression itself.
 */
function sortKeys(e: SqlEmitter, expr: N): string[] {
  if (e.scopes.plainOrder) return [e.emit(expr)];
  if (comparesNocase(e, expr)) return [folded(e, expr)];
  if (!isJsonValue(e, expr)) return [e.emit(expr)];
  const value = e.emit(expr);
  return [
    `kiln_sqlite.value_rank(${value})`,
    `kiln_sqlite.value_num(${value})`,
    `kiln_sqlite.jtext(${value}) COLLATE "C"`,
  ];
}

/** `LIMIT -1` (any negative count) means no limit; `LIMIT a, b` is offset a, count b. */
export function translateLimit(e: SqlEmitter, node: N): string {
  const count = kid(node, 'count');
  const offset = kid(node, 'offset');
  let out = '';
  if (count) {
    const literal = constantNumber(count);
    if (literal !== undefined) out = literal < 0 ? 'LIMIT ALL' : `LIMIT ${literal}`;
    else {
      const text = e.loose(count);
      out = `LIMIT CASE WHEN (${text})::bigint < 0 THEN NULL ELSE (${text})::bigint END`;
    }
  }
  if (offset) {
    const literal = constantNumber(offset);
    out +=
      literal !== undefined ? ` OFFSET ${Math.max(0, literal)}` : ` OFFSET GREATEST((${e.loose(offset)})::bigint, 0)`;
  }
  return out;
}

function constantNumber(node: N): number | undefined {
  if (node.type === 'number_literal') return Number(node.text);
  if (node.type === 'prefix_op_expr' && operatorOf(node) === '-') {
    const inner = kid(node, 'expr');
    const value = inner ? constantNumber(inner) : undefined;
    return value === undefined ? undefined : -value;
  }
  return undefined;
}
