import type { ColumnDefinition, CreateTableStmt, Node, TableConstraint } from 'sql-parser-cst';
import { parseSql } from './parse-sql.js';

export interface ColumnInfo {
  name: string;
  /** The declared type as written (`VARCHAR(10)`), '' when none. */
  type: string;
  notNull: boolean;
  /** The DEFAULT clause's text as written, as `PRAGMA table_info` shows it. */
  defaultText: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
  /** Declared COLLATE NOCASE: compared, sorted and kept unique with ASCII case folded. */
  nocase: boolean;
}

export interface ForeignKeyInfo {
  table: string;
  from: string[];
  to: string[];
  onUpdate: string;
  onDelete: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** The INTEGER PRIMARY KEY column that is the rowid, if any. */
  rowidAlias?: string;
  autoincrement: boolean;
  primaryKey: string[];
  /** UNIQUE constraints (and a non-rowid PRIMARY KEY), each a list of columns, in declaration order. */
  uniques: string[][];
  foreignKeys: ForeignKeyInfo[];
  /** CHECK constraints in declaration order, as SQLite names them in errors (name, else text). */
  checks: string[];
  /** False for a table whose NOCASE keys are plain UNIQUE constraints (made by an older Kiln). */
  foldedKeys?: boolean;
}

type Source = { text: string; base: number };

const slice = (src: Source, node: Node | undefined): string =>
  node?.range ? src.text.slice(node.range[0] - src.base, node.range[1] - src.base) : '';

function identName(node: Node | undefined): string {
  if (!node) return '';
  if (node.type === 'identifier') return node.name;
  if (node.type === 'index_specification') return identName(node.expr);
  if (node.type === 'member_expr') return identName(node.property);
  if (node.type === 'string_literal') return node.value;
  return '';
}

function listNames(node: Node | undefined): string[] {
  if (!node) return [];
  if (node.type === 'paren_expr') return listNames(node.expr);
  if (node.type === 'list_expr') return node.items.map((item) => identName(item));
  return [identName(node)];
}

/** Reads a CREATE TABLE statement (as stored in sqlite_master) into what the catalog needs. */
export function tableInfoFromSql(sql: string): TableInfo | undefined {
  const parsed = parseSql(sql)[0];
  if (!parsed || parsed.node.type !== 'create_table_stmt') return undefined;
  return tableInfoFromCreate(parsed.node, { text: parsed.text, base: parsed.start });
}

export function tableInfoFromCreate(stmt: CreateTableStmt, src: Source): TableInfo {
  const info: TableInfo = {
    name: identName(stmt.name),
    columns: [],
    autoincrement: false,
    primaryKey: [],
    uniques: [],
    foreignKeys: [],
    checks: [],
  };
  const items = stmt.columns?.expr.items ?? [];
  for (const item of items) {
    if (item.type === 'column_definition') addColumn(info, item, src);
  }
  for (const item of items) {
    if (item.type !== 'column_definition') addTableConstraint(info, item as TableConstraint, src);
  }
  info.primaryKey.forEach((name, i) => {
    const column = info.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (column) column.pk = i + 1;
  });
  if (info.primaryKey.length === 1) {
    const column = info.columns.find((c) => c.pk === 1);
    // Only the exact type name INTEGER makes a rowid alias; `INT PRIMARY KEY` does not.
    if (column && column.type.toUpperCase() === 'INTEGER') info.rowidAlias = column.name;
  }
  if (!info.rowidAlias && info.primaryKey.length > 0) info.uniques.unshift(info.primaryKey);
  return info;
}

function addColumn(info: TableInfo, def: ColumnDefinition, src: Source): void {
  const column: ColumnInfo = {
    name: def.name.name,
    type: slice(src, def.dataType),
    notNull: false,
    defaultText: null,
    pk: 0,
    nocase: false,
  };
  info.columns.push(column);
  for (const c of def.constraints) {
    const constraint = c.type === 'constraint' ? c.constraint : c;
    switch (constraint.type) {
      case 'constraint_check':
        info.checks.push(checkName(c, constraint.expr, src));
        break;
      case 'constraint_not_null':
        column.notNull = true;
        break;
      case 'constraint_primary_key':
        info.primaryKey = [column.name];
        break;
      case 'constraint_auto_increment':
        info.autoincrement = true;
        break;
      case 'constraint_unique':
        info.uniques.push([column.name]);
        break;
      case 'constraint_default': {
        const { value: expr, notNull } = splitDefault(constraint.expr);
        if (notNull) column.notNull = true;
        // `DEFAULT x COLLATE y` parses as one expression; the collation belongs to the column.
        const collated = expr.type === 'binary_expr' && expr.operator === 'COLLATE';
        if (collated && identName(expr.right).toUpperCase() === 'NOCASE') column.nocase = true;
        column.defaultText = slice(src, collated ? expr.left : expr);
        break;
      }
      case 'constraint_collate':
        column.nocase = identName(constraint.collation).toUpperCase() === 'NOCASE';
        break;
      case 'references_specification':
        info.foreignKeys.push(foreignKey(constraint, [column.name]));
        break;
      default:
        break;
    }
  }
}

function checkName(wrapper: Node, expr: Node, src: Source): string {
  if (wrapper.type === 'constraint' && wrapper.name) return identName(wrapper.name.name);
  const inner = expr.type === 'paren_expr' ? expr.expr : expr;
  return slice(src, inner);
}

function addTableConstraint(info: TableInfo, item: TableConstraint, src: Source): void {
  const wrapped = item as Node;
  const constraint = (wrapped.type === 'constraint' ? wrapped.constraint : item) as Node;
  if (constraint.type === 'constraint_check') info.checks.push(checkName(item, constraint.expr, src));
  if (constraint.type === 'constraint_primary_key') info.primaryKey = listNames(constraint.columns);
  else if (constraint.type === 'constraint_unique') info.uniques.push(listNames(constraint.columns));
  else if (constraint.type === 'constraint_foreign_key') {
    info.foreignKeys.push(foreignKey(constraint.references, listNames(constraint.columns)));
  }
}

function foreignKey(ref: Node, from: string[]): ForeignKeyInfo {
  const fk: ForeignKeyInfo = { table: '', from, to: [], onUpdate: 'NO ACTION', onDelete: 'NO ACTION' };
  if (ref.type !== 'references_specification') return fk;
  fk.table = identName(ref.table);
  fk.to = listNames(ref.columns);
  for (const option of ref.options) {
    if (option.type !== 'referential_action') continue;
    const action = [option.actionKw]
      .flat()
      .map((kw) => kw.text.toUpperCase())
      .join(' ');
    if (option.eventKw.text.toUpperCase() === 'DELETE') fk.onDelete = action;
    else fk.onUpdate = action;
  }
  return fk;
}

/**
 * SQLite's DEFAULT takes a literal or a parenthesised expression, so in `DEFAULT x NOT NULL` the
 * NOT NULL is a column constraint; the parser reads it as the postfix `x NOT NULL` (x IS NOT NULL).
 */
export function splitDefault(expr: Node): { value: Node; notNull: boolean } {
  if (expr.type === 'postfix_op_expr') {
    const op = (Array.isArray(expr.operator) ? expr.operator : [expr.operator]).map((k) => k.name).join(' ');
    if (op === 'NOT NULL' || op === 'NOTNULL') return { value: expr.expr, notNull: true };
  }
  return { value: expr, notNull: false };
}
