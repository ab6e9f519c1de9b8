import { D1SqlError } from '../d1-errors.js';
import { storageType } from './affinity.js';
import { cascadeTargets } from './cascades.js';
import { items, keywordText, kid, kids, nameOf, type N } from './cst.js';
import { pgName, ROWID_COLUMN, ROWID_NAMES } from './identifiers.js';
import { ParamNumbering, type D1Value } from './params.js';
import type { ParsedStatement } from './parse-sql.js';
import type { TableInfo } from './table-info.js';
import { translateDdl, type DdlPlan } from './translate-ddl.js';
import { replaceInsert, replaceKeys } from './translate-replace.js';
import { replaceClause, upsert } from './translate-upsert.js';
import { SqlEmitter } from './translate-expr.js';

/** What the translator needs to know about the database's current tables. */
export interface CatalogLookup {
  table(name: string): TableInfo | undefined;
  /** Every table, for foreign-key actions; lookups without it see no cascades. */
  allTables?(): TableInfo[];
  /** The stored CREATE UNIQUE INDEX statements on a table (REPLACE resolves them too). */
  uniqueIndexes?(table: string): string[];
  /** Whether CREATE TRIGGER made triggers on the table (their changes count in meta.changes). */
  hasTriggers?(table: string): boolean;
  isView?(name: string): boolean;
}

export const ROWID_RESULT = '__kiln_rowid';

export type Translated =
  | {
      kind: 'dml';
      sql: string;
      /** How many positional values the Postgres statement takes. */
      paramCount: number;
      /** INSERTs return the new rows' rowid in this extra column (stripped before answering). */
      capturesRowid: boolean;
      /** Whether the app asked for rows (SELECT, RETURNING); otherwise the rows are dropped. */
      returnsRows: boolean;
      writes: boolean;
      /** Tables a DELETE/UPDATE changes through foreign-key actions (their rows count as changes). */
      cascades: string[];
      /** The statement writes a table with triggers, whose own writes count as changes too. */
      triggered: boolean;
      /** Result column names longer than Postgres allows, by their stand-in. */
      longNames: ReadonlyMap<string, string>;
    }
  | { kind: 'ddl'; plan: DdlPlan; paramCount: number }
  | { kind: 'pragma'; name: string; arg?: string; value?: string }
  | { kind: 'noop' };

/** Translates one parsed SQLite statement, with D1's bound values (they decide parameter casts). */
export function translateStatement(
  parsed: ParsedStatement,
  values: readonly D1Value[],
  catalog: CatalogLookup,
  options: { inlineParams?: boolean; trigger?: boolean } = {},
): Translated {
  const node = parsed.node as unknown as N;
  const params = new ParamNumbering();
  const e = new SqlEmitter({ source: { text: parsed.text, base: parsed.start }, params, values, catalog, ...options });
  switch (node.type) {
    case 'select_stmt':
    case 'compound_select_stmt':
      return {
        kind: 'dml',
        sql: emitQuery(e, node),
        paramCount: params.count,
        capturesRowid: false,
        returnsRows: true,
        writes: false,
        cascades: [],
        triggered: false,
        longNames: e.longNames,
      };
    case 'insert_stmt': {
      const insert = emitInsert(e, node, catalog, options.trigger ?? false);
      // The rows REPLACE deletes can cascade.
      const cascades = insert.replacing ? cascadeTargets(insert.replacing, 'delete', catalog.allTables?.() ?? []) : [];
      return {
        kind: 'dml',
        sql: insert.sql,
        paramCount: params.count,
        capturesRowid: true,
        returnsRows: hasReturning(node),
        writes: true,
        cascades,
        triggered: fires(catalog, [insert.table, ...cascades]),
        longNames: e.longNames,
      };
    }
    case 'update_stmt':
    case 'delete_stmt': {
      const cascades = cascadesOf(node, catalog);
      return {
        kind: 'dml',
        sql: e.scopes.within(node, () => emitWrite(e, node, catalog)),
        paramCount: params.count,
        capturesRowid: false,
        returnsRows: hasReturning(node),
        writes: true,
        cascades,
        triggered: fires(catalog, [writtenTable(node, catalog).name, ...cascades]),
        longNames: e.longNames,
      };
    }
    case 'pragma_stmt':
      return pragma(node);
    case 'analyze_stmt':
    case 'vacuum_stmt':
    case 'reindex_stmt':
      // Postgres maintains its own statistics and storage.
      return { kind: 'noop' };
    case 'start_transaction_stmt':
    case 'commit_transaction_stmt':
    case 'rollback_transaction_stmt':
    case 'savepoint_stmt':
    case 'release_savepoint_stmt':
      // D1's wording: transactions are batch() calls, never SQL.
      throw new D1SqlError(
        "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic write coalescing.",
      );
    case 'attach_database_stmt':
    case 'detach_database_stmt':
      throw new D1SqlError('not authorized', 'SQLITE_AUTH');
    default: {
      const plan = translateDdl(e, node, parsed.text, catalog);
      if (plan) return { kind: 'ddl', plan, paramCount: params.count };
      throw new D1SqlError(`not authorized to use ${keywordText(firstKeyword(node)) || node.type}`, 'SQLITE_AUTH');
    }
  }
}

function firstKeyword(node: N): unknown {
  for (const value of Object.values(node))
    if (typeof value === 'object' && value && (value as N).type === 'keyword') return value;
  return undefined;
}

/** A SELECT the app sees: its first SELECT names the columns as SQLite does. */
export function emitQuery(e: SqlEmitter, node: N, viewColumns = false): string {
  if (node.type === 'compound_select_stmt') {
    const left = kid(node, 'left');
    const right = kid(node, 'right');
    if (!left || !right) return e.generic(node);
    const op = keywordText(node.operator);
    return `${emitQuery(e, left, viewColumns)} ${op} ${e.compoundTail(right)}`;
  }
  if (node.type !== 'select_stmt') return e.emit(node);
  return e.scopes.within(node, () => emitSelect(e, node, viewColumns));
}

function emitSelect(e: SqlEmitter, node: N, viewColumns: boolean): string {
  const outer = { aliases: e.aliases, exprs: e.aliasExprs };
  e.aliases = new Map();
  e.aliasExprs = new Map();
  const parts: string[] = [];
  for (const clause of kids(node, 'clauses')) {
    if (clause.type !== 'select_clause') {
      parts.push(e.emit(clause));
      continue;
    }
    const columns = items(kid(clause, 'columns'));
    for (const column of columns) {
      if (column.type === 'alias') {
        const alias = nameOf(kid(column, 'alias'));
        e.aliases.set(alias.toLowerCase(), viewColumns ? alias.toLowerCase() : alias);
        const expr = kid(column, 'expr');
        if (expr && !(expr.type === 'identifier' && nameOf(expr).toLowerCase() === alias.toLowerCase()))
          e.aliasExprs.set(alias.toLowerCase(), expr);
      }
    }
    const modifiers = kids(clause, 'modifiers')
      .map((m) => (m.type === 'select_distinct' ? 'DISTINCT' : m.type === 'select_all' ? 'ALL' : keywordText(m)))
      .join(' ');
    const saved = { aliases: e.aliases, exprs: e.aliasExprs };
    // Inside the select list the aliases are not yet in scope.
    e.aliases = new Map();
    e.aliasExprs = new Map();
    const list = columns.map((c) => (viewColumns ? e.viewItem(c) : e.selectItem(c))).join(', ');
    e.aliases = saved.aliases;
    e.aliasExprs = saved.exprs;
    parts.push(`SELECT ${modifiers ? `${modifiers} ` : ''}${list}`);
  }
  const out = parts.join(' ');
  // A subquery's aliases end with it; the enclosing query's are back in scope.
  e.aliases = outer.aliases;
  e.aliasExprs = outer.exprs;
  return out;
}

function cascadesOf(node: N, catalog: CatalogLookup): string[] {
  const all = catalog.allTables?.() ?? [];
  if (!all.some((t) => t.foreignKeys.length > 0)) return [];
  const table = writtenTable(node, catalog);
  return cascadeTargets(table.name, node.type === 'delete_stmt' ? 'delete' : 'update', all);
}

/** Whether a write to these tables (the statement's own and those its foreign keys change) fires triggers. */
function fires(catalog: CatalogLookup, tables: string[]): boolean {
  return tables.some((table) => catalog.hasTriggers?.(table) ?? false);
}

/** The table an UPDATE or DELETE writes. */
function writtenTable(node: N, catalog: CatalogLookup): TableInfo {
  const clause = kids(node, 'clauses').find((c) => c.type === 'update_clause' || c.type === 'delete_clause');
  const first = items(kid(clause ?? node, 'tables'))[0];
  return tableOf(catalog, first?.type === 'alias' ? kid(first, 'expr') : first);
}

function hasReturning(node: N): boolean {
  return kids(node, 'clauses').some((c) => c.type === 'returning_clause');
}

function tableOf(catalog: CatalogLookup, nameNode: N | undefined): TableInfo {
  const target = nameNode?.type === 'member_expr' ? kid(nameNode, 'property') : nameNode;
  const name = nameOf(target);
  const info = catalog.table(name);
  if (!info) throw new D1SqlError(`no such table: ${name}`);
  return info;
}

/**
 * The INSERT, its table, and the table again when it became REPLACE's delete-then-insert. In a
 * trigger body there is no RETURNING: nothing reads the rows and the rowid stays the outer one's.
 */
function emitInsert(
  e: SqlEmitter,
  node: N,
  catalog: CatalogLookup,
  inTrigger: boolean,
): { sql: string; table: string; replacing?: string } {
  const parts: string[] = [];
  let orAction = '';
  let info: TableInfo | undefined;
  let columns: string[] = [];
  let returning: N | undefined;
  let upserts = 0;
  let head = '';
  let target = '';
  let source: { values: string[][] } | { select: string } | undefined;
  for (const clause of kids(node, 'clauses')) {
    switch (clause.type) {
      case 'insert_clause': {
        info = tableOf(catalog, kid(clause, 'table'));
        orAction =
          keywordText(kid(clause, 'insertKw')) === 'REPLACE'
            ? 'REPLACE'
            : keywordText(kid(clause, 'orAction')?.actionKw);
        columns = items(kid(clause, 'columns')).map((c) => nameOf(c));
        const known = info.columns.map((d) => d.name.toLowerCase());
        const unknown = columns.find((c) => !ROWID_NAMES.has(c.toLowerCase()) && !known.includes(c.toLowerCase()));
        if (unknown !== undefined) throw new D1SqlError(`table ${info.name} has no column named ${unknown}`);
        const table = kid(clause, 'table');
        const alias = kid(clause, 'alias');
        const list = columns.length
          ? ` (${columns.map((c) => e.emit({ type: 'identifier', name: c, text: c })).join(', ')})`
          : '';
        target = table ? e.tableName(table) : '';
        head = alias ? ` AS ${e.emit(kid(alias, 'alias') ?? alias)}` : '';
        parts.push(`INSERT INTO ${target}${head}${list}`);
        break;
      }
      case 'values_clause': {
        const values = items(kid(clause, 'values')).map((row) => items(row).map((v) => e.loose(v)));
        source = { values };
        parts.push(`VALUES ${values.map((row) => `(${row.join(', ')})`).join(', ')}`);
        break;
      }
      case 'select_stmt':
      case 'compound_select_stmt': {
        const named = columns.length ? columns : (info?.columns.map((c) => c.name) ?? []);
        e.insertSource = named.map((c) =>
          storageType(info?.columns.find((d) => d.name.toLowerCase() === c.toLowerCase())?.type ?? ''),
        );
        const select = e.emit(clause);
        e.insertSource = undefined;
        source = { select };
        parts.push(select);
        break;
      }
      case 'upsert_clause':
        upserts++;
        if (upserts > 1) throw new D1SqlError('multiple ON CONFLICT clauses are not supported');
        parts.push(upsert(e, clause, info));
        break;
      case 'returning_clause':
        returning = clause;
        break;
      default:
        parts.push(e.emit(clause));
    }
  }
  if (!info) throw new D1SqlError('incomplete input');
  if (upserts === 0 && orAction === 'IGNORE') parts.push('ON CONFLICT DO NOTHING');
  let statement = parts;
  let replacing: string | undefined;
  if (upserts === 0 && orAction === 'REPLACE') {
    if (source && parts.length === 2) {
      // Undefined when no constraint can collide: then it is a plain INSERT.
      const keys = replaceKeys(info, catalog.uniqueIndexes?.(info.name) ?? [], catalog);
      const replaced = replaceInsert(info, keys, columns, source, target, head);
      if (replaced) {
        statement = [replaced];
        replacing = info.name;
      }
    } else parts.push(replaceClause(info, columns));
  }
  if (inTrigger) {
    if (returning) throw new D1SqlError('cannot use RETURNING in a trigger');
    return { sql: statement.join(' '), table: info.name, replacing };
  }
  const returned = returning ? items(kid(returning, 'columns')).map((c) => e.selectItem(c)) : [];
  // The rowid of a row an upsert updated is not an insert: xmax is 0 only for new rows.
  returned.push(`CASE WHEN xmax = 0 THEN "${ROWID_COLUMN}" END AS "${ROWID_RESULT}"`);
  statement.push(`RETURNING ${returned.join(', ')}`);
  return { sql: statement.join(' '), table: info.name, replacing };
}

function emitWrite(e: SqlEmitter, node: N, catalog: CatalogLookup): string {
  const parts: string[] = [];
  let target = '';
  for (const clause of kids(node, 'clauses')) {
    switch (clause.type) {
      case 'update_clause': {
        const tables = items(kid(clause, 'tables'));
        target = targetName(e, tables[0]);
        const action = keywordText(kid(clause, 'orAction')?.actionKw);
        if (action && action !== 'ABORT' && action !== 'FAIL' && action !== 'ROLLBACK')
          throw new D1SqlError(`UPDATE OR ${action} is not supported`);
        tables.forEach((t) => tableOf(catalog, t.type === 'alias' ? kid(t, 'expr') : t));
        parts.push(`UPDATE ${tables.map((t) => e.fromItem(t)).join(', ')}`);
        break;
      }
      case 'delete_clause': {
        const tables = items(kid(clause, 'tables'));
        target = targetName(e, tables[0]);
        tables.forEach((t) => tableOf(catalog, t.type === 'alias' ? kid(t, 'expr') : t));
        parts.push(`DELETE FROM ${tables.map((t) => e.fromItem(t)).join(', ')}`);
        break;
      }
      case 'set_clause':
        parts.push(
          `SET ${items(kid(clause, 'assignments'))
            .map((a) => {
              const column = kid(a, 'column');
              const expr = kid(a, 'expr');
              return column && expr ? `${e.emit(column)} = ${e.loose(expr)}` : e.emit(a);
            })
            .join(', ')}`,
        );
        break;
      case 'returning_clause': {
        if (e.ctx.trigger) throw new D1SqlError('cannot use RETURNING in a trigger');
        const returned = items(kid(clause, 'columns')).map((c) => e.selectItem(c));
        // SQLite returns the rows in its scan order (rowid order for most statements); the
        // executor sorts on this column, which is never shown.
        if (target) returned.push(`${target}."${ROWID_COLUMN}" AS "${ROWID_RESULT}"`);
        parts.push(`RETURNING ${returned.join(', ')}`);
        break;
      }
      case 'order_by_clause':
      case 'limit_clause':
        throw new D1SqlError(`near "${clause.type === 'limit_clause' ? 'LIMIT' : 'ORDER'}": syntax error`);
      default:
        parts.push(e.emit(clause));
    }
  }
  return parts.join(' ');
}

/** How the statement's SQL names its target table (the alias when it has one). */
function targetName(e: SqlEmitter, table: N | undefined): string {
  if (!table) return '';
  if (table.type === 'alias') {
    const alias = kid(table, 'alias');
    return alias ? pgName(nameOf(alias)) : '';
  }
  return e.tableName(table).trim();
}

function pragma(node: N): Translated {
  const body = kid(node, 'pragma');
  if (!body) throw new D1SqlError('incomplete input');
  if (body.type === 'identifier') return { kind: 'pragma', name: nameOf(body).toLowerCase() };
  const nameNode = kid(body, 'name');
  const name = (nameNode?.type === 'member_expr' ? nameOf(kid(nameNode, 'property')) : nameOf(nameNode)).toLowerCase();
  if (body.type === 'pragma_func_call') {
    const arg = kid(kid(body, 'args') ?? body, 'expr');
    return {
      kind: 'pragma',
      name,
      arg: arg ? (arg.type === 'string_literal' ? String(arg.value) : nameOf(arg)) : undefined,
    };
  }
  const value = body.value;
  const inner = typeof value === 'object' && value !== null ? (value as N).value : undefined;
  const valueText =
    typeof value === 'object' && value !== null
      ? nameOf(value as N) || (typeof inner === 'string' || typeof inner === 'number' ? String(inner) : '')
      : String(value);
  return { kind: 'pragma', name, value: valueText };
}
