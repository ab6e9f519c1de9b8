import { D1SqlError } from '../d1-errors.js';
import { castType } from './affinity.js';
import { isNode, items, keywordText, kid, kids, nameOf, operatorOf, raw, showNode, whitespace, type N } from './cst.js';
import {
  assertSafeName,
  assertSchemaQualifier,
  MASTER_TABLE,
  pgExactName,
  pgName,
  ROWID_COLUMN,
  ROWID_NAMES,
} from './identifiers.js';
import { paramCast, type D1Value, type ParamNumbering } from './params.js';
import { translateCall } from './translate-functions.js';

export interface EmitContext {
  /** The statement text and its offset in the request SQL, for slicing original spans. */
  source: { text: string; base: number };
  params: ParamNumbering;
  values: readonly D1Value[];
}

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
const MASTER_NAMES = new Set(['sqlite_master', 'sqlite_schema', 'sqlite_temp_master', 'sqlite_temp_schema']);
const COLLATIONS: Record<string, string> = { NOCASE: 'kiln_sqlite.nocase', BINARY: '"C"', RTRIM: '"C"' };

/**
 * Emits Postgres SQL for a SQLite expression tree. Node types it does not special-case are
 * printed by sql-parser-cst's own printer with every child translated first, so any name or
 * function reachable in the tree has gone through the checks here.
 */
export class SqlEmitter {
  /** Output-column aliases (lower → as written) visible to ORDER BY / GROUP BY. */
  aliases = new Map<string, string>();
  /** Set while emitting a table position, where names are tables rather than columns. */
  private concreteParams = false;
  private subqueries = 0;
  /** In an upsert's DO UPDATE, SQLite reads bare column names as the target table's. */
  columnQualifier: string | undefined;

  constructor(readonly ctx: EmitContext) {}

  slice(node: N): string {
    const { text, base } = this.ctx.source;
    return node.range ? text.slice(node.range[0] - base, node.range[1] - base) : showNode(node);
  }

  emit(node: N): string {
    return whitespace(node, 'leading') + this.inner(node) + whitespace(node, 'trailing');
  }

  /** An expression where SQLite wants a truth value: any number or text works there. */
  cond(node: N): string {
    const text = this.emit(node);
    return isBoolish(node) ? text : `kiln_sqlite.truthy(${text})`;
  }

  /** An expression whose value is used as a number (arithmetic, function arguments). */
  value(node: N): string {
    const text = this.emit(node);
    if (isBoolish(node)) return `(${text})::int`;
    return text;
  }

  /** Parameters here get a concrete type from their bound value (Postgres cannot infer one). */
  concrete(node: N): string {
    const saved = this.concreteParams;
    this.concreteParams = true;
    try {
      return this.value(node);
    } finally {
      this.concreteParams = saved;
    }
  }

  /** Unknown-typed parameters let Postgres coerce them to the column's type, as affinity does. */
  loose(node: N): string {
    const saved = this.concreteParams;
    this.concreteParams = false;
    try {
      return this.value(node);
    } finally {
      this.concreteParams = saved;
    }
  }

  tableName(node: N): string {
    if (node.type === 'member_expr') {
      const object = kid(node, 'object');
      const property = kid(node, 'property');
      if (!object || !property) throw new D1SqlError('unsupported table reference');
      assertSchemaQualifier(nameOf(object), nameOf(property));
      return whitespace(node, 'leading') + this.tableName(property) + whitespace(node, 'trailing');
    }
    if (node.type !== 'identifier') return this.emit(node);
    const name = nameOf(node);
    if (MASTER_NAMES.has(name.toLowerCase()))
      return whitespace(node, 'leading') + MASTER_TABLE + whitespace(node, 'trailing');
    assertSafeName(name);
    return whitespace(node, 'leading') + pgName(name) + whitespace(node, 'trailing');
  }

  /** A FROM item: tables, aliased tables, joins, subqueries. */
  fromItem(node: N, aliased = false): string {
    switch (node.type) {
      case 'identifier':
      case 'member_expr':
        return this.tableName(node);
      case 'alias': {
        const expr = kid(node, 'expr');
        const alias = kid(node, 'alias');
        if (!expr || !alias) return this.generic(node);
        const asKw = kid(node, 'asKw');
        return `${whitespace(node, 'leading')}${this.fromItem(expr, true)} ${asKw ? 'AS ' : ''}${this.emit(alias)}${whitespace(node, 'trailing')}`;
      }
      case 'join_expr': {
        const copy: N = { ...node };
        const left = kid(node, 'left');
        const right = kid(node, 'right');
        const spec = kid(node, 'specification');
        if (left) copy.left = raw(this.fromItem(left));
        if (right) copy.right = raw(this.fromItem(right));
        if (spec) copy.specification = raw(this.emit(spec));
        const operator = node.operator;
        // SQLite accepts a bare comma join; so does Postgres. `JOIN` without ON is a cross join there.
        if (!spec && isNode(operator) && String(operator.text).toUpperCase() === 'JOIN')
          copy.operator = raw('CROSS JOIN');
        if (Array.isArray(operator) && !spec && operator.length === 1) copy.operator = raw('CROSS JOIN');
        return showNode(copy);
      }
      case 'paren_expr': {
        const inner = kid(node, 'expr');
        if (!inner) return this.generic(node);
        // Postgres (before 16) insists on an alias for a subquery in FROM; SQLite does not.
        const sub = inner.type === 'select_stmt' || inner.type === 'compound_select_stmt';
        return `(${sub ? this.emit(inner) : this.fromItem(inner)})${sub && !aliased ? ` AS "kiln_subquery_${this.subqueries++}"` : ''}`;
      }
      default:
        return this.emit(node);
    }
  }

  private inner(node: N): string {
    switch (node.type) {
      case 'identifier':
        return this.columnQualifier && !ROWID_NAMES.has(nameOf(node).toLowerCase())
          ? `${this.columnQualifier}.${this.identifier(nameOf(node))}`
          : this.identifier(nameOf(node));
      case 'member_expr':
        return this.member(node);
      case 'all_columns':
        return '*';
      case 'number_literal':
        return numberLiteral(String(node.text));
      case 'string_literal':
        return String(node.text);
      case 'blob_literal':
        return `'\\x${Buffer.from(node.value as number[]).toString('hex')}'::bytea`;
      case 'boolean_literal':
        return keywordTextOf(node, 'valueKw') === 'TRUE' ? '1' : '0';
      case 'null_literal':
        return 'NULL';
      case 'parameter':
        return this.parameter(String(node.text));
      case 'binary_expr':
        return this.binary(node);
      case 'prefix_op_expr':
        return this.prefix(node);
      case 'postfix_op_expr':
        return this.postfix(node);
      case 'func_call':
        return translateCall(this, node);
      case 'cast_expr':
        return this.cast(node);
      case 'paren_expr': {
        const inner = kid(node, 'expr');
        if (inner && (inner.type === 'select_stmt' || inner.type === 'compound_select_stmt'))
          return `(${this.emit(inner)})`;
        return inner ? `(${this.emit(inner)})` : '()';
      }
      case 'case_expr':
        return this.caseExpr(node);
      case 'between_expr':
        return this.generic(node);
      case 'where_clause':
      case 'having_clause': {
        const expr = kid(node, 'expr');
        const kw = node.type === 'where_clause' ? 'WHERE' : 'HAVING';
        return expr ? `${kw} ${this.cond(expr)}` : this.generic(node);
      }
      case 'join_on_specification': {
        const expr = kid(node, 'expr');
        return expr ? `ON ${this.cond(expr)}` : this.generic(node);
      }
      case 'from_clause': {
        const expr = kid(node, 'expr');
        return expr ? `FROM ${this.fromItem(expr)}` : this.generic(node);
      }
      case 'data_type_name':
      case 'modified_data_type':
        return castType(this.slice(node));
      case 'sort_specification':
        return this.sortSpec(node);
      case 'limit_clause':
        return this.limit(node);
      default:
        return this.generic(node);
    }
  }

  /** SQLite sorts NULLs first (they are the smallest value); Postgres sorts them last. */
  private sortSpec(node: N): string {
    const expr = kid(node, 'expr');
    if (!expr) return this.generic(node);
    const desc = kid(node, 'direction')?.type === 'sort_direction_desc';
    const nulls = node.nullHandlingKw ? keywordText(node.nullHandlingKw) : desc ? 'NULLS LAST' : 'NULLS FIRST';
    return `${this.emit(expr)}${desc ? ' DESC' : ''} ${nulls}`;
  }

  /** `LIMIT -1` (any negative count) means no limit; `LIMIT a, b` is offset a, count b. */
  private limit(node: N): string {
    const count = kid(node, 'count');
    const offset = kid(node, 'offset');
    let out = '';
    if (count) {
      const literal = constantNumber(count);
      if (literal !== undefined) out = literal < 0 ? 'LIMIT ALL' : `LIMIT ${literal}`;
      else {
        const text = this.loose(count);
        out = `LIMIT CASE WHEN (${text})::bigint < 0 THEN NULL ELSE (${text})::bigint END`;
      }
    }
    if (offset) {
      const literal = constantNumber(offset);
      out +=
        literal !== undefined
          ? ` OFFSET ${Math.max(0, literal)}`
          : ` OFFSET GREATEST((${this.loose(offset)})::bigint, 0)`;
    }
    return out;
  }

  private identifier(name: string): string {
    const lower = name.toLowerCase();
    if (ROWID_NAMES.has(lower)) return `"${ROWID_COLUMN}"`;
    const alias = this.aliases.get(lower);
    if (alias !== undefined) return pgExactName(alias);
    if (MASTER_NAMES.has(lower)) return MASTER_TABLE;
    assertSafeName(name);
    return pgName(name);
  }

  private member(node: N): string {
    const object = kid(node, 'object');
    const property = kid(node, 'property');
    if (!object || !property) return this.generic(node);
    if (object.type === 'member_expr') {
      // schema.table.column
      const schema = kid(object, 'object');
      const table = kid(object, 'property');
      assertSchemaQualifier(nameOf(schema), nameOf(table));
      return `${this.tableName(table ?? object)}.${property.type === 'all_columns' ? '*' : this.columnName(property)}`;
    }
    if (object.type !== 'identifier') return this.generic(node);
    const qualifier = nameOf(object).toLowerCase();
    const head = qualifier === 'excluded' ? 'EXCLUDED' : this.tableName(object);
    if (property.type === 'all_columns') return `${head}.*`;
    return `${head}.${this.columnName(property)}`;
  }

  private columnName(node: N): string {
    const name = nameOf(node);
    if (ROWID_NAMES.has(name.toLowerCase())) return `"${ROWID_COLUMN}"`;
    assertSafeName(name);
    return pgName(name);
  }

  private parameter(text: string): string {
    const index = this.ctx.params.indexOf(text);
    const value = this.ctx.values[index - 1];
    if (Array.isArray(value)) return `$${index}::bytea`;
    return this.concreteParams ? `$${index}${paramCast(value)}` : `$${index}`;
  }

  private binary(node: N): string {
    const op = operatorOf(node);
    const left = kid(node, 'left');
    const right = kid(node, 'right');
    if (!left || !right) return this.generic(node);
    switch (op) {
      case 'AND':
      case 'OR':
        return `${this.cond(left)} ${op} ${this.cond(right)}`;
      case '||':
        return `(${this.concrete(left)})::text || (${this.concrete(right)})::text`;
      case '/':
      case '%':
        // SQLite gives NULL for division by zero where Postgres raises.
        return `${this.arith(left, right)} ${op} NULLIF(${this.arith(right, left)}, 0)`;
      case 'LIKE':
      case 'NOT LIKE':
        return this.like(left, right, op === 'NOT LIKE');
      case 'GLOB':
      case 'NOT GLOB':
        return `${op === 'NOT GLOB' ? 'NOT ' : ''}kiln_sqlite.glob((${this.value(right)})::text, (${this.value(left)})::text)`;
      case 'MATCH':
      case 'NOT MATCH':
      case 'REGEXP':
      case 'NOT REGEXP':
        throw new D1SqlError(`no such function: ${op.replace('NOT ', '')}`);
      case '->':
        return `kiln_sqlite.json_arrow((${this.concrete(left)})::text, (${this.concrete(right)})::text)`;
      case '->>':
        return `kiln_sqlite.json_arrow2((${this.concrete(left)})::text, (${this.concrete(right)})::text)`;
      case 'COLLATE': {
        const collation = COLLATIONS[nameOf(right).toUpperCase()];
        if (!collation) throw new D1SqlError(`no such collation sequence: ${nameOf(right)}`);
        return `${this.emit(left)} COLLATE ${collation}`;
      }
      case 'IS':
        return `${this.compareSide(left, right)} IS NOT DISTINCT FROM ${this.compareSide(right, left)}`;
      case 'IS NOT':
        return `${this.compareSide(left, right)} IS DISTINCT FROM ${this.compareSide(right, left)}`;
      case '==':
        return `${this.compareSide(left, right)} = ${this.compareSide(right, left)}`;
      case 'IN':
      case 'NOT IN': {
        if (right.type === 'identifier' || right.type === 'member_expr') {
          return `${this.emit(left)} ${op} (SELECT * FROM ${this.tableName(right)})`;
        }
        return `${this.compareSide(left, right)} ${op} ${this.emit(right)}`;
      }
      default:
        if (COMPARISONS.has(op)) return `${this.compareSide(left, right)} ${op} ${this.compareSide(right, left)}`;
        if (ARITHMETIC.has(op)) return `${this.arith(left, right)} ${op} ${this.arith(right, left)}`;
        return this.generic(node);
    }
  }

  private like(left: N, right: N, negate: boolean): string {
    let pattern = right;
    let escape = `''`;
    if (right.type === 'binary_expr' && operatorOf(right) === 'ESCAPE') {
      pattern = kid(right, 'left') ?? right;
      const escapeNode = kid(right, 'right');
      if (escapeNode) escape = this.emit(escapeNode);
    }
    // SQLite's LIKE folds ASCII case only: ILIKE under the "C" collation does exactly that, and
    // SQLite has no default escape character where Postgres uses backslash.
    return `(${this.concrete(left)})::text COLLATE "C" ${negate ? 'NOT ILIKE' : 'ILIKE'} (${this.concrete(pattern)})::text ESCAPE ${escape}`;
  }

  /** A comparison operand: truth values compare as 0/1, JSON values as number or text. */
  private compareSide(side: N, other: N): string {
    if (isJsonValue(side))
      return `${isNumeric(other, this.ctx.values, this.ctx.params) ? 'kiln_sqlite.jnum' : 'kiln_sqlite.jtext'}(${this.emit(side)})`;
    if (isBoolish(side) && !isBoolish(other)) return `(${this.emit(side)})::int`;
    return this.emit(side);
  }

  private arith(side: N, _other: N): string {
    if (isJsonValue(side)) return `kiln_sqlite.jnum(${this.emit(side)})`;
    return this.value(side);
  }

  private prefix(node: N): string {
    const op = operatorOf(node);
    const expr = kid(node, 'expr');
    if (!expr) return this.generic(node);
    if (op === 'NOT') return `NOT ${this.cond(expr)}`;
    if (op === 'EXISTS') return `EXISTS ${this.emit(expr)}`;
    if (op === '-' || op === '+' || op === '~') return `${op}${this.value(expr)}`;
    return this.generic(node);
  }

  private postfix(node: N): string {
    const op = operatorOf(node);
    const expr = kid(node, 'expr');
    if (!expr) return this.generic(node);
    if (op === 'ISNULL' || op === 'IS NULL') return `${this.emit(expr)} IS NULL`;
    if (op === 'NOTNULL' || op === 'NOT NULL' || op === 'IS NOT NULL') return `${this.emit(expr)} IS NOT NULL`;
    return this.generic(node);
  }

  private cast(node: N): string {
    const arg = kid(kid(node, 'args') ?? node, 'expr');
    const expr = arg ? kid(arg, 'expr') : undefined;
    const dataType = arg ? kid(arg, 'dataType') : undefined;
    if (!expr || !dataType) return this.generic(node);
    const target = castType(this.slice(dataType));
    const value = this.concrete(expr);
    // Postgres refuses '12abc'::bigint; SQLite takes the numeric prefix.
    if (target === 'bigint') return `kiln_sqlite.cast_int((${value})::text)`;
    if (target === 'double precision' || target === 'numeric') return `kiln_sqlite.num_prefix((${value})::text)`;
    if (target === 'bytea') return `convert_to((${value})::text, 'UTF8')`;
    return `(${value})::text`;
  }

  private caseExpr(node: N): string {
    const subject = kid(node, 'expr');
    const parts = ['CASE'];
    if (subject) parts.push(this.emit(subject));
    for (const clause of kids(node, 'clauses')) {
      const result = kid(clause, 'result');
      if (clause.type === 'case_when') {
        const condition = kid(clause, 'condition');
        if (!condition || !result) return this.generic(node);
        parts.push(`WHEN ${subject ? this.emit(condition) : this.cond(condition)} THEN ${this.value(result)}`);
      } else if (clause.type === 'case_else' && result) {
        parts.push(`ELSE ${this.value(result)}`);
      }
    }
    parts.push('END');
    return parts.join(' ');
  }

  /** Every child translated, then sql-parser-cst's printer for the node itself. */
  generic(node: N): string {
    const copy: N = { ...node, leading: undefined, trailing: undefined };
    for (const [key, value] of Object.entries(node)) {
      if (key === 'leading' || key === 'trailing' || key === 'range') continue;
      if (isNode(value)) copy[key] = raw(this.emit(value));
      else if (Array.isArray(value)) copy[key] = value.map((v: unknown) => (isNode(v) ? raw(this.emit(v)) : v));
    }
    return showNode(copy);
  }

  /** View columns are stored folded like every other name, so later references find them. */
  viewItem(node: N): string {
    if (node.type === 'alias') {
      const expr = kid(node, 'expr');
      const alias = kid(node, 'alias');
      if (expr && alias) return `${this.concrete(expr)} AS ${pgName(nameOf(alias))}`;
    }
    const plain = node.type === 'all_columns' || node.type === 'identifier' || node.type === 'member_expr';
    return plain ? this.emit(node) : `${this.concrete(node)} AS ${pgName(this.slice(node).trim())}`;
  }

  /** Select-list items of the statement the app sees: named as SQLite names them. */
  selectItem(node: N): string {
    if (node.type === 'alias') {
      const expr = kid(node, 'expr');
      const alias = kid(node, 'alias');
      if (!expr || !alias) return this.generic(node);
      return `${this.concrete(expr)} AS ${pgExactName(nameOf(alias))}`;
    }
    if (node.type === 'all_columns' || (node.type === 'member_expr' && kid(node, 'property')?.type === 'all_columns')) {
      return this.emit(node);
    }
    if (node.type === 'identifier' && !ROWID_NAMES.has(nameOf(node).toLowerCase())) return this.emit(node);
    if (
      node.type === 'member_expr' &&
      kid(node, 'property')?.type === 'identifier' &&
      !ROWID_NAMES.has(nameOf(kid(node, 'property')).toLowerCase())
    ) {
      return this.emit(node);
    }
    // SQLite names an expression column by its text as written.
    return `${this.concrete(node)} AS ${pgExactName(this.slice(node).trim())}`;
  }
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

function keywordTextOf(node: N, key: string): string {
  const kw = kid(node, key);
  return kw ? String(kw.text).toUpperCase() : '';
}

function numberLiteral(text: string): string {
  if (/^0x/i.test(text)) return BigInt.asIntN(64, BigInt(text)).toString();
  return text;
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
