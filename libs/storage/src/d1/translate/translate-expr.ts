import { D1SqlError } from '../d1-errors.js';
import { castType } from './affinity.js';
import { isNode, items, keywordText, kid, nameOf, raw, showNode, whitespace, type N } from './cst.js';
import {
  assertSafeName,
  assertSchemaQualifier,
  isReservedName,
  MASTER_TABLE,
  pgExactName,
  pgName,
  ROWID_COLUMN,
  ROWID_NAMES,
} from './identifiers.js';
import { emitJsonTable, isJsonTableCall } from './json-table.js';
import { inlineValue, paramCast, type D1Value, type ParamNumbering } from './params.js';
import { Scopes } from './scopes.js';
import { translateCall } from './translate-functions.js';
import { translateLimit, translateOrderBy, translateSortSpec } from './translate-order.js';
import type { CatalogLookup } from './translate-statement.js';
import {
  isBoolish,
  isJsonValue,
  translateBetween,
  translateBinary,
  translateCase,
  translateCast,
  translatePostfix,
  translatePrefix,
  translateRaise,
} from './translate-operators.js';

export interface EmitContext {
  /** The statement text and its offset in the request SQL, for slicing original spans. */
  source: { text: string; base: number };
  params: ParamNumbering;
  values: readonly D1Value[];
  /** Write bound values into the SQL (for a batch sent as one multi-statement query). */
  inlineParams?: boolean;
  /** The database's tables, for telling a table's column from a JSON table function's. */
  catalog?: CatalogLookup;
  /** A trigger body: NEW./OLD. name the row, RAISE() is allowed, parameters are not. */
  trigger?: boolean;
}

const MASTER_NAMES = new Set(['sqlite_master', 'sqlite_schema', 'sqlite_temp_master', 'sqlite_temp_schema']);

/**
 * Emits Postgres SQL for a SQLite expression tree. Node types it does not special-case are
 * printed by sql-parser-cst's own printer with every child translated first, so any name or
 * function reachable in the tree has gone through the checks here.
 */
export class SqlEmitter {
  /** Output-column aliases (lower → as written) visible to ORDER BY / GROUP BY. */
  aliases = new Map<string, string>();
  /** Result column names too long for Postgres, by the stand-in name used in the SQL. */
  readonly longNames = new Map<string, string>();
  /** Output-column aliases of computed expressions (lower → expression), for HAVING. */
  aliasExprs = new Map<string, N>();
  /** Set while emitting a table position, where names are tables rather than columns. */
  private concreteParams = false;
  private subqueries = 0;
  /**
   * Set for the SELECT of INSERT … SELECT, to the target columns' types: Postgres coerces its bare
   * literals to them itself; JSON values (jsonb) are cast from their text.
   */
  insertSource: string[] | undefined;
  /** In an upsert's DO UPDATE, SQLite reads bare column names as the target table's. */
  columnQualifier: string | undefined;
  /** The tables and JSON table functions in scope of the statements being emitted. */
  readonly scopes: Scopes;

  constructor(readonly ctx: EmitContext) {
    this.scopes = new Scopes(ctx.catalog);
  }

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
    // A JSON table's value is a jsonb scalar; functions take it as SQLite's text form.
    if (this.isJsonValue(node)) return `kiln_sqlite.jtext(${text})`;
    return text;
  }

  /** Whether the expression is a JSON table function's key/value/atom (a jsonb scalar). */
  isJsonValue(node: N): boolean {
    if (node.type === 'paren_expr') {
      const inner = kid(node, 'expr');
      if (!inner) return false;
      if (inner.type === 'select_stmt')
        return this.scopes.firstColumn(inner, (expr) => isJsonValue(this, expr)) ?? false;
      return this.isJsonValue(inner);
    }
    return this.scopes.isJsonValueColumn(node);
  }

  /** Where jsonb is fine as is (results, typeof, JSON builders): the value keeps its type. */
  typedValue(node: N): string {
    return this.isJsonValue(node) ? this.emit(node) : this.concrete(node);
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
    // As far as the app can tell, Postgres' catalog tables do not exist (SQLite's answer too).
    if (isReservedName(name)) throw new D1SqlError(`no such table: ${name}`);
    return whitespace(node, 'leading') + pgName(name) + whitespace(node, 'trailing');
  }

  /** A FROM item: tables, aliased tables, joins, subqueries. */
  fromItem(node: N, aliased = false): string {
    switch (node.type) {
      case 'identifier':
      case 'member_expr':
        return this.tableName(node);
      case 'func_call':
        if (isJsonTableCall(node)) return emitJsonTable(this, node, undefined);
        return this.emit(node);
      case 'alias': {
        const expr = kid(node, 'expr');
        const alias = kid(node, 'alias');
        if (!expr || !alias) return this.generic(node);
        if (isJsonTableCall(expr))
          return `${whitespace(node, 'leading')}${emitJsonTable(this, expr, alias)}${whitespace(node, 'trailing')}`;
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
        return translateBinary(this, node);
      case 'prefix_op_expr':
        return translatePrefix(this, node);
      case 'postfix_op_expr':
        return translatePostfix(this, node);
      case 'func_call':
        return translateCall(this, node);
      case 'cast_expr':
        return translateCast(this, node);
      case 'paren_expr': {
        const inner = kid(node, 'expr');
        return inner ? `(${this.emit(inner)})` : '()';
      }
      case 'select_stmt':
        return this.scopes.within(node, () => this.generic(node));
      case 'compound_select_stmt': {
        const left = kid(node, 'left');
        const right = kid(node, 'right');
        if (!left || !right) return this.generic(node);
        return `${this.emit(left)} ${keywordText(node.operator)} ${this.compoundTail(right)}`;
      }
      case 'select_clause': {
        const columns = kid(node, 'columns');
        if (!columns) return this.generic(node);
        const types = this.insertSource;
        this.insertSource = undefined;
        const list = items(columns).map((c, i) => {
          const expr = c.type === 'alias' ? (kid(c, 'expr') ?? c) : c;
          if (!types) return this.binaryLiteral(c) ?? this.emit(c);
          return isJsonValue(this, expr) && types[i]
            ? `(kiln_sqlite.jtext(${this.emit(expr)}))::${types[i]}`
            : this.emit(c);
        });
        return `${this.generic({ ...node, columns: undefined }).trimEnd()} ${list.join(', ')}${whitespace(columns, 'trailing')}`;
      }
      case 'case_expr':
        return translateCase(this, node);
      case 'raise_expr':
        return translateRaise(this, node);
      case 'between_expr':
        return translateBetween(this, node);
      case 'where_clause': {
        const expr = kid(node, 'expr');
        return expr ? `WHERE ${this.cond(expr)}` : this.generic(node);
      }
      case 'having_clause': {
        const expr = kid(node, 'expr');
        if (!expr) return this.generic(node);
        // SQLite lets HAVING name an output column; Postgres needs the expression itself.
        const saved = this.aliases;
        this.aliases = new Map([...saved].filter(([lower]) => !this.aliasExprs.has(lower)));
        try {
          return `HAVING ${this.cond(expr)}`;
        } finally {
          this.aliases = saved;
        }
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
        return translateSortSpec(this, node);
      case 'order_by_clause':
        return translateOrderBy(this, node);
      case 'limit_clause':
        return translateLimit(this, node);
      default:
        return this.generic(node);
    }
  }

  /** The last SELECT of a compound, whose ORDER BY sorts the whole compound by result columns. */
  compoundTail(node: N): string {
    return node.type === 'select_stmt' ? this.scopes.within(node, () => this.generic(node), true) : this.emit(node);
  }

  private identifier(name: string): string {
    const lower = name.toLowerCase();
    if (ROWID_NAMES.has(lower)) return `"${ROWID_COLUMN}"`;
    const expr = this.aliasExprs.get(lower);
    if (expr && !this.aliases.has(lower)) {
      // Inside HAVING: the aliased expression, which may name a column of the same name.
      this.aliasExprs.delete(lower);
      try {
        return `(${this.value(expr)})`;
      } finally {
        this.aliasExprs.set(lower, expr);
      }
    }
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
    const row = this.ctx.trigger && (qualifier === 'new' || qualifier === 'old');
    const head = qualifier === 'excluded' ? 'EXCLUDED' : row ? qualifier.toUpperCase() : this.tableName(object);
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
    if (this.ctx.trigger) throw new D1SqlError('trigger cannot use variables');
    const index = this.ctx.params.indexOf(text);
    const value = this.ctx.values[index - 1];
    if (this.ctx.inlineParams)
      return this.concreteParams && !Array.isArray(value)
        ? `${inlineValue(value)}${paramCast(value)}`
        : inlineValue(value);
    if (Array.isArray(value)) return `$${index}::bytea`;
    if (this.concreteParams) return `$${index}${paramCast(value)}`;
    return this.ctx.params.seenLoose(index) ? inlineValue(value) : `$${index}`;
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
      if (expr && alias) return `${this.typedValue(expr)} AS ${pgName(nameOf(alias))}`;
    }
    const plain = node.type === 'all_columns' || node.type === 'identifier' || node.type === 'member_expr';
    return plain ? this.emit(node) : `${this.typedValue(node)} AS ${pgName(this.slice(node).trim())}`;
  }

  /**
   * A text literal compared or sorted: SQLite compares text by bytes, a bare Postgres literal takes
   * the database's collation (the postgres image's is en_US), so it is given "C". Columns carry
   * their own collation (and must keep it: a literal's explicit one would override theirs).
   */
  binaryLiteral(node: N): string | undefined {
    if (node.type === 'string_literal') return `${this.emit(node)} COLLATE "C"`;
    if (node.type === 'alias' && kid(node, 'expr')?.type === 'string_literal') {
      const alias = kid(node, 'alias');
      return alias ? `${this.emit(kid(node, 'expr') as N)} COLLATE "C" AS ${this.emit(alias)}` : undefined;
    }
    return undefined;
  }

  /** Select-list items of the statement the app sees: named as SQLite names them. */
  selectItem(node: N): string {
    if (node.type === 'alias') {
      const expr = kid(node, 'expr');
      const alias = kid(node, 'alias');
      if (!expr || !alias) return this.generic(node);
      const value = expr.type === 'string_literal' ? this.binaryLiteral(expr) : this.typedValue(expr);
      return `${value} AS ${pgExactName(nameOf(alias))}`;
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
    if (node.type === 'string_literal')
      return `${this.binaryLiteral(node)} AS ${pgExactName(this.longName(this.slice(node).trim()))}`;
    return `${this.typedValue(node)} AS ${pgExactName(this.longName(this.slice(node).trim()))}`;
  }

  /**
   * Postgres cuts names at 63 bytes; a longer expression text gets a stand-in name that the
   * executor swaps back (see `longNames`).
   */
  private longName(name: string): string {
    if (Buffer.byteLength(name) <= 63) return name;
    const standIn = `kiln_name_${this.longNames.size + 1}`;
    this.longNames.set(standIn, name);
    return standIn;
  }
}

function keywordTextOf(node: N, key: string): string {
  const kw = kid(node, key);
  return kw ? String(kw.text).toUpperCase() : '';
}

function numberLiteral(text: string): string {
  if (/^0x/i.test(text)) return BigInt.asIntN(64, BigInt(text)).toString();
  // SQLite's 0.1 is a double (0.1 + 0.2 = 0.30000000000000004); Postgres' would be numeric.
  if (/[.e]/i.test(text)) return `${text}::float8`;
  return text;
}
