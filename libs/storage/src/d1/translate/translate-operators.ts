import { D1SqlError } from '../d1-errors.js';
import { castType } from './affinity.js';
import { items, keywordText, kid, kids, nameOf, operatorOf, type N } from './cst.js';
import type { SqlEmitter } from './translate-expr.js';

const COMPARISONS = new Set([
  '=',
  '==',
  '!=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  'IS',
  'IS NOT',
  'IN',
  'NOT IN',
  'LIKE',
  'NOT LIKE',
  'GLOB',
  'NOT GLOB',
  'MATCH',
  'REGEXP',
  'NOT MATCH',
  'NOT REGEXP',
]);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '&', '|', '<<', '>>']);
const COLLATIONS = new Set(['NOCASE', 'BINARY', 'RTRIM']);

export function translateBinary(e: SqlEmitter, node: N): string {
  const op = operatorOf(node);
  const left = kid(node, 'left');
  const right = kid(node, 'right');
  if (!left || !right) return e.generic(node);
  const json = jsonComparison(e, op, left, right);
  if (json !== undefined) return json;
  const nocase = nocaseComparison(e, op, left, right);
  if (nocase !== undefined) return nocase;
  switch (op) {
    case 'AND':
    case 'OR':
      return `${e.cond(left)} ${op} ${e.cond(right)}`;
    case '||':
      return `(${e.concrete(left)})::text || (${e.concrete(right)})::text`;
    case '/':
    case '%':
      // SQLite gives NULL for division by zero where Postgres raises.
      return `${arith(e, left)} ${op} NULLIF(${arith(e, right)}, 0)`;
    case 'LIKE':
    case 'NOT LIKE':
      return like(e, left, right, op === 'NOT LIKE');
    case 'GLOB':
    case 'NOT GLOB':
      return `${op === 'NOT GLOB' ? 'NOT ' : ''}kiln_sqlite.glob((${e.value(right)})::text, (${e.value(left)})::text)`;
    case 'MATCH':
    case 'NOT MATCH':
    case 'REGEXP':
    case 'NOT REGEXP':
      throw new D1SqlError(`no such function: ${op.replace('NOT ', '')}`);
    case '->':
      return `kiln_sqlite.json_arrow((${e.concrete(left)})::text, (${e.concrete(right)})::text)`;
    case '->>':
      return `kiln_sqlite.json_arrow2((${e.concrete(left)})::text, (${e.concrete(right)})::text)`;
    case 'COLLATE': {
      const collation = nameOf(right).toUpperCase();
      if (!COLLATIONS.has(collation)) throw new D1SqlError(`no such collation sequence: ${nameOf(right)}`);
      // NOCASE matters where values are compared or sorted, which fold it themselves.
      return collation === 'NOCASE' ? e.emit(left) : `${e.emit(left)} COLLATE "C"`;
    }
    case 'IS':
      return `${compareSide(e, left, right)} IS NOT DISTINCT FROM ${compareSide(e, right, left)}`;
    case 'IS NOT':
      return `${compareSide(e, left, right)} IS DISTINCT FROM ${compareSide(e, right, left)}`;
    case '==':
      return `${compareSide(e, left, right)} = ${compareSide(e, right, left)}`;
    case 'IN':
    case 'NOT IN': {
      if (right.type === 'identifier' || right.type === 'member_expr') {
        return `${e.emit(left)} ${op} (SELECT * FROM ${e.tableName(right)})`;
      }
      return `${compareSide(e, left, right)} ${op} ${e.emit(right)}`;
    }
    default:
      if (COMPARISONS.has(op)) return `${compareSide(e, left, right)} ${op} ${compareSide(e, right, left)}`;
      if (ARITHMETIC.has(op)) return `${arith(e, left)} ${op} ${arith(e, right)}`;
      return e.generic(node);
  }
}

function like(e: SqlEmitter, left: N, right: N, negate: boolean): string {
  let pattern = right;
  let escape = `''`;
  if (right.type === 'binary_expr' && operatorOf(right) === 'ESCAPE') {
    pattern = kid(right, 'left') ?? right;
    const escapeNode = kid(right, 'right');
    if (escapeNode) escape = e.emit(escapeNode);
  }
  // SQLite's LIKE folds ASCII case only: ILIKE under the "C" collation does exactly that, and
  // SQLite has no default escape character where Postgres uses backslash.
  return `(${e.concrete(left)})::text COLLATE "C" ${negate ? 'NOT ILIKE' : 'ILIKE'} (${e.concrete(pattern)})::text ESCAPE ${escape}`;
}

/** A comparison operand: truth values compare as 0/1, text literals by bytes (unless a column decides). */
function compareSide(e: SqlEmitter, side: N, other: N): string {
  if (isBoolish(side) && !isBoolish(other)) return `(${e.emit(side)})::int`;
  if (side.type === 'string_literal' && !isColumn(other)) return e.binaryLiteral(side) ?? e.emit(side);
  return e.emit(side);
}

const isColumn = (node: N): boolean =>
  node.type === 'identifier' ||
  node.type === 'member_expr' ||
  (node.type === 'paren_expr' && isColumn(kid(node, 'expr') ?? node));

const EQUALITY: Record<string, string> = {
  '=': '=',
  '==': '=',
  '!=': '<>',
  '<>': '<>',
  IS: 'IS NOT DISTINCT FROM',
  'IS NOT': 'IS DISTINCT FROM',
};
const ORDERING = new Set(['<', '<=', '>', '>=']);

/**
 * Comparisons with a JSON value (a jsonb scalar: json_extract, `->>`, a JSON table's value) are
 * made between jsonb values, so an integer never equals text and the order is SQLite's (NULL,
 * numbers, then text by bytes): Postgres' jsonb order differs. Undefined for anything else.
 */
function jsonComparison(e: SqlEmitter, op: string, left: N, right: N): string | undefined {
  const handled = EQUALITY[op] !== undefined || ORDERING.has(op) || op === 'IN' || op === 'NOT IN';
  if (!handled || !(isJsonValue(e, left) || isJsonValue(e, right))) return undefined;
  if (EQUALITY[op]) return `${asJsonb(e, left)} ${EQUALITY[op]} ${asJsonb(e, right)}`;
  if (ORDERING.has(op)) return `kiln_sqlite.value_cmp(${asJsonb(e, left)}, ${asJsonb(e, right)}) ${op} 0`;
  if (op !== 'IN' && op !== 'NOT IN') return undefined;
  const sub = right.type === 'paren_expr' ? kid(right, 'expr') : undefined;
  if (sub?.type === 'select_stmt' || sub?.type === 'compound_select_stmt') {
    const select = e.emit(sub);
    const yields = isJsonValue(e, right);
    return `${asJsonb(e, left)} ${op} (${yields ? select : `SELECT to_jsonb(kiln_in) FROM (${select}) AS kiln_sub (kiln_in)`})`;
  }
  if (right.type === 'identifier' || right.type === 'member_expr') return undefined;
  return `${asJsonb(e, left)} ${op} (${items(right)
    .map((item) => asJsonb(e, item))
    .join(', ')})`;
}

/**
 * The collation SQLite compares two operands with: an explicit COLLATE (the left one first), else
 * the left operand's column's, else the right's; only NOCASE differs from the byte order.
 */
export function comparesNocase(e: SqlEmitter, left: N, right?: N): boolean {
  const explicit = explicitCollation(left) ?? (right ? explicitCollation(right) : undefined);
  if (explicit !== undefined) return explicit === 'NOCASE';
  if (isColumn(left)) return e.scopes.isNocaseColumn(left);
  return right !== undefined && isColumn(right) && e.scopes.isNocaseColumn(right);
}

function explicitCollation(node: N): string | undefined {
  if (node.type === 'paren_expr') return explicitCollation(kid(node, 'expr') ?? node);
  if (node.type !== 'binary_expr' || operatorOf(node) !== 'COLLATE') return undefined;
  return nameOf(kid(node, 'right')).toUpperCase();
}

/** An operand with ASCII letters folded (SQLite's NOCASE), without its COLLATE. */
export function folded(e: SqlEmitter, node: N): string {
  const inner =
    explicitCollation(node) !== undefined && node.type === 'binary_expr' ? (kid(node, 'left') ?? node) : node;
  return `kiln_sqlite.fold_ascii((${e.concrete(inner)})::text)`;
}

function nocaseComparison(e: SqlEmitter, op: string, left: N, right: N): string | undefined {
  const handled = EQUALITY[op] !== undefined || ORDERING.has(op) || op === 'IN' || op === 'NOT IN';
  if (!handled) return undefined;
  if (op === 'IN' || op === 'NOT IN') {
    if (!comparesNocase(e, left)) return undefined;
    const sub = right.type === 'paren_expr' ? kid(right, 'expr') : undefined;
    if (sub?.type === 'select_stmt' || sub?.type === 'compound_select_stmt')
      return `${folded(e, left)} ${op} (SELECT kiln_sqlite.fold_ascii((kiln_in)::text) FROM (${e.emit(sub)}) AS kiln_sub (kiln_in))`;
    if (right.type === 'identifier' || right.type === 'member_expr') return undefined;
    return `${folded(e, left)} ${op} (${items(right)
      .map((item) => folded(e, item))
      .join(', ')})`;
  }
  if (!comparesNocase(e, left, right)) return undefined;
  return `${folded(e, left)} ${EQUALITY[op] ?? op} ${folded(e, right)}`;
}

/** An operand as jsonb: a JSON value as it is, anything else through to_jsonb. */
function asJsonb(e: SqlEmitter, node: N): string {
  if (isJsonValue(e, node)) return e.emit(node);
  if (isBoolish(node)) return `to_jsonb((${e.emit(node)})::int)`;
  const text = e.concrete(node);
  return `to_jsonb(${node.type === 'string_literal' || node.type === 'null_literal' ? `(${text})::text` : text})`;
}

function arith(e: SqlEmitter, side: N): string {
  if (isJsonValue(e, side)) return `kiln_sqlite.jnum(${e.emit(side)})`;
  return e.value(side);
}

/** `x BETWEEN a AND b`; with a JSON value, two comparisons in SQLite's order. */
export function translateBetween(e: SqlEmitter, node: N): string {
  const left = kid(node, 'left');
  const begin = kid(node, 'begin');
  const end = kid(node, 'end');
  if (!left || !begin || !end) return e.generic(node);
  const not = keywordText(node.betweenKw).startsWith('NOT');
  if (comparesNocase(e, left, begin) || comparesNocase(e, left, end)) {
    const value = folded(e, left);
    const test = `${value} >= ${folded(e, begin)} AND ${value} <= ${folded(e, end)}`;
    return not ? `NOT (${test})` : `(${test})`;
  }
  if (![left, begin, end].some((n) => isJsonValue(e, n))) return e.generic(node);
  const value = asJsonb(e, left);
  const test = `kiln_sqlite.value_cmp(${value}, ${asJsonb(e, begin)}) >= 0 AND kiln_sqlite.value_cmp(${value}, ${asJsonb(e, end)}) <= 0`;
  return not ? `NOT (${test})` : `(${test})`;
}

export function translatePrefix(e: SqlEmitter, node: N): string {
  const op = operatorOf(node);
  const expr = kid(node, 'expr');
  if (!expr) return e.generic(node);
  if (op === 'NOT') return `NOT ${e.cond(expr)}`;
  if (op === 'EXISTS') return `EXISTS ${e.emit(expr)}`;
  if (op === '-' || op === '+' || op === '~') return `${op}${e.value(expr)}`;
  return e.generic(node);
}

export function translatePostfix(e: SqlEmitter, node: N): string {
  const op = operatorOf(node);
  const expr = kid(node, 'expr');
  if (!expr) return e.generic(node);
  if (op === 'ISNULL' || op === 'IS NULL') return `${e.emit(expr)} IS NULL`;
  if (op === 'NOTNULL' || op === 'NOT NULL' || op === 'IS NOT NULL') return `${e.emit(expr)} IS NOT NULL`;
  return e.generic(node);
}

/** CAST follows SQLite: numeric prefixes, affinity types. */
export function translateCast(e: SqlEmitter, node: N): string {
  const arg = kid(kid(node, 'args') ?? node, 'expr');
  const expr = arg ? kid(arg, 'expr') : undefined;
  const dataType = arg ? kid(arg, 'dataType') : undefined;
  if (!expr || !dataType) return e.generic(node);
  const target = castType(e.slice(dataType));
  const value = e.concrete(expr);
  // Postgres refuses '12abc'::bigint; SQLite takes the numeric prefix.
  if (target === 'bigint') return `kiln_sqlite.cast_int((${value})::text)`;
  if (target === 'double precision' || target === 'numeric') return `kiln_sqlite.num_prefix((${value})::text)`;
  if (target === 'bytea') return `convert_to((${value})::text, 'UTF8')`;
  return `(${value})::text`;
}

export function translateCase(e: SqlEmitter, node: N): string {
  const subject = kid(node, 'expr');
  const parts = ['CASE'];
  if (subject) parts.push(e.emit(subject));
  for (const clause of kids(node, 'clauses')) {
    const result = kid(clause, 'result');
    if (clause.type === 'case_when') {
      const condition = kid(clause, 'condition');
      if (!condition || !result) return e.generic(node);
      parts.push(`WHEN ${subject ? e.emit(condition) : e.cond(condition)} THEN ${e.value(result)}`);
    } else if (clause.type === 'case_else' && result) {
      parts.push(`ELSE ${e.value(result)}`);
    }
  }
  parts.push('END');
  return parts.join(' ');
}

export function isBoolish(node: N | undefined): boolean {
  if (!node) return false;
  switch (node.type) {
    case 'paren_expr':
      return isBoolish(kid(node, 'expr'));
    case 'binary_expr': {
      const op = operatorOf(node);
      return COMPARISONS.has(op) || op === 'AND' || op === 'OR' || op === '==';
    }
    case 'between_expr':
      return true;
    case 'prefix_op_expr': {
      const op = operatorOf(node);
      return op === 'NOT' || op === 'EXISTS';
    }
    case 'postfix_op_expr':
      return true;
    default:
      return false;
  }
}

/** A jsonb scalar holding an SQL value: `->>`, json_extract with one path, a JSON table's value. */
export function isJsonValue(e: SqlEmitter, node: N): boolean {
  if (e.isJsonValue(node)) return true;
  if (node.type === 'paren_expr') return isJsonValue(e, kid(node, 'expr') ?? node);
  if (node.type === 'binary_expr') return operatorOf(node) === '->>';
  const args = items(kid(kid(kid(node, 'args') ?? node, 'expr') ?? node, 'args'));
  const name = nameOf(kid(node, 'name')).toLowerCase();
  // min()/max() of JSON values are JSON values too.
  if (node.type === 'func_call' && (name === 'min' || name === 'max') && args.length === 1 && args[0])
    return isJsonValue(e, args[0]);
  return (
    node.type === 'func_call' &&
    nameOf(kid(node, 'name')).toLowerCase() === 'json_extract' &&
    items(kid(kid(kid(node, 'args') ?? node, 'expr') ?? node, 'args')).length === 2
  );
}

/**
 * RAISE(ABORT|FAIL|ROLLBACK, 'message') fails the statement with the message, as a constraint
 * error; the batch is rolled back either way. RAISE(IGNORE) would skip the row from inside an
 * expression, which a Postgres trigger function cannot do.
 */
export function translateRaise(e: SqlEmitter, node: N): string {
  if (!e.ctx.trigger) throw new D1SqlError('RAISE() may only be used within a trigger-program');
  const [kind, message] = items(kid(node, 'args'));
  const action = keywordText(kind?.typeKw);
  if (action === 'IGNORE') throw new D1SqlError('RAISE(IGNORE) is not supported by Kiln D1');
  return `kiln_sqlite.raise((${message ? e.concrete(message) : 'NULL'})::text)`;
}
