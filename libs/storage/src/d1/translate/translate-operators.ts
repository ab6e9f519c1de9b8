import { D1SqlError } from '../d1-errors.js';
import { castType } from './affinity.js';
import { items, kid, kids, nameOf, operatorOf, type N } from './cst.js';
import type { D1Value, ParamNumbering } from './params.js';
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
const COLLATIONS: Record<string, string> = { NOCASE: 'kiln_sqlite.nocase', BINARY: '"C"', RTRIM: '"C"' };

export function translateBinary(e: SqlEmitter, node: N): string {
  const op = operatorOf(node);
  const left = kid(node, 'left');
  const right = kid(node, 'right');
  if (!left || !right) return e.generic(node);
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
      const collation = COLLATIONS[nameOf(right).toUpperCase()];
      if (!collation) throw new D1SqlError(`no such collation sequence: ${nameOf(right)}`);
      return `${e.emit(left)} COLLATE ${collation}`;
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

/** A comparison operand: truth values compare as 0/1, JSON values as number or text. */
function compareSide(e: SqlEmitter, side: N, other: N): string {
  if (isJsonValue(side))
    return `${isNumeric(other, e.ctx.values, e.ctx.params) ? 'kiln_sqlite.jnum' : 'kiln_sqlite.jtext'}(${e.emit(side)})`;
  if (isBoolish(side) && !isBoolish(other)) return `(${e.emit(side)})::int`;
  return e.emit(side);
}

function arith(e: SqlEmitter, side: N): string {
  if (isJsonValue(side)) return `kiln_sqlite.jnum(${e.emit(side)})`;
  return e.value(side);
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

function isJsonValue(node: N): boolean {
  if (node.type === 'paren_expr') return isJsonValue(kid(node, 'expr') ?? node);
  if (node.type === 'binary_expr') return operatorOf(node) === '->>';
  return (
    node.type === 'func_call' &&
    nameOf(kid(node, 'name')).toLowerCase() === 'json_extract' &&
    items(kid(kid(kid(node, 'args') ?? node, 'expr') ?? node, 'args')).length === 2
  );
}

function isNumeric(node: N, values: readonly D1Value[], params: ParamNumbering): boolean {
  switch (node.type) {
    case 'number_literal':
      return true;
    case 'prefix_op_expr':
      return isNumeric(kid(node, 'expr') ?? node, values, params);
    case 'paren_expr':
      return isNumeric(kid(node, 'expr') ?? node, values, params);
    case 'binary_expr':
      return ARITHMETIC.has(operatorOf(node));
    case 'parameter': {
      const text = String(node.text);
      // Peek without numbering: only plain `?NNN` can be resolved ahead of time.
      const index = text.startsWith('?') && text.length > 1 ? Number(text.slice(1)) : params.count + 1;
      return typeof values[index - 1] === 'number';
    }
    default:
      return false;
  }
}
