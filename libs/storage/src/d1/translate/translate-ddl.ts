import { randomBytes } from 'node:crypto';
import { D1SqlError } from '../d1-errors.js';
import { storageType } from './affinity.js';
import { items, keywordText, kid, kids, nameOf, type N } from './cst.js';
import { assertSafeName, pgName, ROWID_COLUMN, sqlString } from './identifiers.js';
import { splitDefault, tableInfoFromCreate, type TableInfo } from './table-info.js';
import type { Node } from 'sql-parser-cst';
import type { CatalogLookup } from './translate-statement.js';
import { emitQuery } from './translate-statement.js';
import type { SqlEmitter } from './translate-expr.js';
import { comparesNocase, folded } from './translate-operators.js';
import { translateTrigger, triggerFunctionName } from './translate-trigger.js';

export type ObjectType = 'table' | 'index' | 'view' | 'trigger';

/** What a DDL statement does, for the executor to apply alongside the emulated sqlite_master. */
export interface DdlPlan {
  action: 'create' | 'drop' | 'alter';
  objectType: ObjectType;
  /** The object's name as the statement spells it. */
  name: string;
  /** For indexes, the table they are on; otherwise the object itself. */
  tableName: string;
  ifNotExists: boolean;
  ifExists: boolean;
  /** Postgres statements to run, in order. */
  statements: string[];
  /** The `sql` column of sqlite_master for created objects (SQLite's normalised text). */
  masterSql?: string;
  /** For CREATE TABLE with AUTOINCREMENT: sqlite_sequence must exist. */
  autoincrement?: boolean;
  alter?:
    | { kind: 'add_column'; columnText: string }
    | { kind: 'rename_table'; newName: string }
    | { kind: 'rename_column'; from: string; to: string; quoted: boolean }
    | { kind: 'drop_column'; column: string };
}

function objectName(node: N | undefined): string {
  if (!node) return '';
  if (node.type === 'member_expr') {
    const schema = nameOf(kid(node, 'object')).toLowerCase();
    if (schema !== 'main' && schema !== 'temp') throw new D1SqlError(`unknown database ${nameOf(kid(node, 'object'))}`);
    return nameOf(kid(node, 'property'));
  }
  return nameOf(node);
}

function createdName(node: N | undefined): string {
  const name = objectName(node);
  if (name.toLowerCase().startsWith('sqlite_')) throw new D1SqlError(`object name reserved for internal use: ${name}`);
  assertSafeName(name);
  return name;
}

/** SQLite stores `CREATE <kind> ` followed by the statement's text from the name on. */
function masterSql(kind: string, text: string, nameNode: N | undefined, base: number): string {
  const start = nameNode?.range ? nameNode.range[0] - base : 0;
  return `CREATE ${kind} ${text.slice(start)}`;
}

export function translateDdl(e: SqlEmitter, node: N, text: string, catalog: CatalogLookup): DdlPlan | undefined {
  const base = e.ctx.source.base;
  switch (node.type) {
    case 'create_table_stmt':
      return createTable(e, node, text, base);
    case 'create_index_stmt': {
      const nameNode = kid(node, 'name');
      const name = createdName(nameNode);
      const tableNode = kid(node, 'table');
      const tableName = objectName(tableNode);
      const unique = keywordText(kid(node, 'indexTypeKw')) === 'UNIQUE';
      const indexed = catalog.table(tableName);
      const columns = items(kid(node, 'columns')).map((spec) => {
        const expr = kid(spec, 'expr') ?? spec;
        const desc = kid(spec, 'direction')?.type === 'sort_direction_desc';
        const key =
          expr.type === 'identifier'
            ? keyColumn(indexed, nameOf(expr))
            : comparesNocase(e, expr)
              ? `(${folded(e, expr)})`
              : e.emit(expr);
        return `${key}${desc ? ' DESC' : ''}`;
      });
      const where = kids(node, 'clauses').find((c) => c.type === 'where_clause');
      const sql = `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${pgName(name)} ON ${tableNode ? e.tableName(tableNode) : ''} (${columns.join(', ')})${where ? ` ${e.emit(where)}` : ''}`;
      return {
        action: 'create',
        objectType: 'index',
        name,
        tableName,
        ifNotExists: kid(node, 'ifNotExistsKw') !== undefined || Array.isArray(node.ifNotExistsKw),
        ifExists: false,
        statements: [sql],
        masterSql: masterSql(unique ? 'UNIQUE INDEX' : 'INDEX', text, nameNode, base),
      };
    }
    case 'create_view_stmt': {
      const nameNode = kid(node, 'name');
      const name = createdName(nameNode);
      const select = kid(kids(node, 'clauses').find((c) => c.type === 'as_clause') ?? node, 'expr');
      if (!select) throw new D1SqlError('incomplete input');
      const columns = items(kid(node, 'columns')).map((c) => pgName(nameOf(kid(c, 'name') ?? c)));
      const sql = `CREATE VIEW ${pgName(name)}${columns.length ? ` (${columns.join(', ')})` : ''} AS ${emitQuery(e, select, true)}`;
      return {
        action: 'create',
        objectType: 'view',
        name,
        tableName: name,
        ifNotExists: Array.isArray(node.ifNotExistsKw),
        ifExists: false,
        statements: [sql],
        masterSql: masterSql('VIEW', text, nameNode, base),
      };
    }
    case 'drop_table_stmt':
    case 'drop_index_stmt':
    case 'drop_view_stmt': {
      const objectType: ObjectType =
        node.type === 'drop_table_stmt' ? 'table' : node.type === 'drop_index_stmt' ? 'index' : 'view';
      const targets = items(kid(node, objectType === 'index' ? 'indexes' : objectType === 'view' ? 'views' : 'tables'));
      const name = objectName(targets[0]);
      assertSafeName(name);
      const kind = objectType.toUpperCase();
      // CASCADE: SQLite lets a table go while views and other tables still name it.
      return {
        action: 'drop',
        objectType,
        name,
        tableName: name,
        ifNotExists: false,
        ifExists: Array.isArray(node.ifExistsKw),
        statements: [`DROP ${kind} ${pgName(name)}${objectType === 'index' ? '' : ' CASCADE'}`],
      };
    }
    case 'alter_table_stmt':
      return alterTable(e, node, catalog);
    case 'create_trigger_stmt': {
      const nameNode = kid(node, 'name');
      createdName(nameNode);
      const trigger = translateTrigger(e, node, catalog);
      return {
        action: 'create',
        objectType: 'trigger',
        name: trigger.name,
        tableName: trigger.table,
        ifNotExists: Array.isArray(node.ifNotExistsKw),
        ifExists: false,
        statements: trigger.statements,
        masterSql: masterSql('TRIGGER', text, nameNode, base),
      };
    }
    case 'drop_trigger_stmt': {
      const name = objectName(kid(node, 'trigger'));
      return {
        action: 'drop',
        objectType: 'trigger',
        name,
        tableName: name,
        ifNotExists: false,
        ifExists: Array.isArray(node.ifExistsKw),
        statements: [`DROP FUNCTION IF EXISTS "${triggerFunctionName(name)}"() CASCADE`],
      };
    }
    case 'create_virtual_table_stmt':
      throw new D1SqlError('virtual tables are not supported by Kiln D1');
    default:
      return undefined;
  }
}

function createTable(e: SqlEmitter, node: N, text: string, base: number): DdlPlan {
  const nameNode = kid(node, 'name');
  const name = createdName(nameNode);
  if (kid(node, 'asKw') || kids(node, 'clauses').some((c) => c.type === 'as_clause')) {
    throw new D1SqlError('CREATE TABLE ... AS SELECT is not supported by Kiln D1');
  }
  const info = tableInfoFromCreate(node as never, { text, base });
  const defs: string[] = [];
  let checkIndex = 0;
  for (const item of items(kid(node, 'columns'))) {
    if (item.type === 'column_definition') defs.push(columnDefinition(e, item, info, () => checkIndex++));
    else {
      const constraint = tableConstraint(e, item, info, () => checkIndex++);
      if (constraint) defs.push(constraint);
    }
  }
  if (info.rowidAlias) defs.push(`"${ROWID_COLUMN}" bigint GENERATED ALWAYS AS (${pgName(info.rowidAlias)}) STORED`);
  else defs.push(`"${ROWID_COLUMN}" bigint NOT NULL UNIQUE`);
  const table = pgName(name);
  const statements = [
    `CREATE TABLE ${table} (${defs.join(', ')})`,
    rowidTrigger(info, name),
    // UNIQUE and PRIMARY KEY on NOCASE columns: unique on the ASCII-folded value, as SQLite is.
    // (`_pkey` makes a violation of the primary key's report SQLITE_CONSTRAINT_PRIMARYKEY.)
    ...info.uniques
      .filter((key) => key.some((c) => isNocase(info, c)))
      .map(
        (key) =>
          `CREATE UNIQUE INDEX "kiln_nocase_${randomBytes(8).toString('hex')}${key === info.primaryKey ? '_pkey' : ''}" ON ${table} (${key.map((c) => keyColumn(info, c)).join(', ')})`,
      ),
  ];
  return {
    action: 'create',
    objectType: 'table',
    name,
    tableName: name,
    ifNotExists: Array.isArray(node.ifNotExistsKw),
    ifExists: false,
    statements,
    masterSql: masterSql('TABLE', text, nameNode, base),
    autoincrement: info.autoincrement,
  };
}

function columnDefinition(e: SqlEmitter, def: N, info: TableInfo, nextCheck: () => number): string {
  const name = nameOf(kid(def, 'name'));
  assertSafeName(name);
  const column = info.columns.find((c) => c.name === name);
  const type = storageType(column?.type ?? '');
  const parts = [pgName(name), type];
  let collated = false;
  for (const c of kids(def, 'constraints')) {
    const constraint = c.type === 'constraint' ? (kid(c, 'constraint') ?? c) : c;
    switch (constraint.type) {
      case 'constraint_primary_key':
        if (info.primaryKey.length === 1) parts.push('PRIMARY KEY');
        break;
      case 'constraint_not_null':
        parts.push('NOT NULL');
        break;
      case 'constraint_null':
        break;
      case 'constraint_unique':
        // A NOCASE column is kept unique by an index on its folded value (createTable).
        if (!column?.nocase) parts.push('UNIQUE');
        break;
      case 'constraint_check': {
        const expr = kid(constraint, 'expr');
        if (expr) parts.push(`CONSTRAINT kiln_ck_${nextCheck()} CHECK (${e.cond(expr)})`);
        break;
      }
      case 'constraint_default': {
        const split = splitDefault(kid(constraint, 'expr') as unknown as Node);
        let expr: N | undefined = split.value as unknown as N;
        if (split.notNull) parts.push('NOT NULL');
        if (expr?.type === 'binary_expr' && keywordText(expr.operator) === 'COLLATE') {
          collated = true;
          parts.push(`COLLATE ${collation(nameOf(kid(expr, 'right')))}`);
          expr = kid(expr, 'left');
        }
        if (expr) parts.push(`DEFAULT ${e.loose(expr)}`);
        break;
      }
      case 'constraint_collate':
        collated = true;
        parts.push(`COLLATE ${collation(nameOf(kid(constraint, 'collation')))}`);
        break;
      case 'constraint_generated': {
        const expr = kid(constraint, 'expr');
        if (expr) parts.push(`GENERATED ALWAYS AS (${e.value(expr)}) STORED`);
        break;
      }
      case 'references_specification':
        parts.push(references(e, constraint));
        break;
      case 'constraint_auto_increment':
        break;
      default:
        throw new D1SqlError(`unsupported column constraint: ${constraint.type}`);
    }
  }
  // SQLite compares text byte-wise (BINARY); the database's default collation may not.
  if (type === 'text' && !collated) parts.splice(2, 0, 'COLLATE "C"');
  return parts.join(' ');
}

/** The trigger that assigns rowids; it names the table for sqlite_sequence (AUTOINCREMENT). */
function rowidTrigger(info: TableInfo, name: string): string {
  const rowidColumn = info.rowidAlias ? info.rowidAlias.toLowerCase() : ROWID_COLUMN;
  return `CREATE TRIGGER kiln_rowid BEFORE INSERT ON ${pgName(name)} FOR EACH ROW EXECUTE FUNCTION kiln_sqlite.assign_rowid(${sqlString(rowidColumn)}, ${info.autoincrement ? "'autoinc'" : "'plain'"}, ${sqlString(name)})`;
}

export const isNocase = (info: TableInfo | undefined, column: string): boolean =>
  info?.columns.some((c) => c.nocase && c.name.toLowerCase() === column.toLowerCase()) ?? false;

/** A key column as unique indexes and ON CONFLICT targets name it: NOCASE ones folded. */
export const keyColumn = (info: TableInfo | undefined, column: string): string =>
  isNocase(info, column) && info?.foldedKeys !== false ? `(kiln_sqlite.fold_ascii(${pgName(column)}))` : pgName(column);

function collation(name: string): string {
  const upper = name.toUpperCase();
  // NOCASE columns are stored byte-wise too: the translator folds ASCII case where they are
  // compared (Postgres collations cannot fold ASCII only and keep byte order).
  if (upper === 'BINARY' || upper === 'RTRIM' || upper === 'NOCASE') return '"C"';
  throw new D1SqlError(`no such collation sequence: ${name}`);
}

function references(e: SqlEmitter, spec: N): string {
  const table = kid(spec, 'table');
  const columns = items(kid(spec, 'columns')).map((c) => e.emit(c));
  const actions = kids(spec, 'options')
    .filter((o) => o.type === 'referential_action')
    .map((o) => `ON ${keywordText(o.eventKw)} ${keywordText(o.actionKw)}`);
  // Deferrable in Postgres so imports (and defer_foreign_keys) can load rows in any order.
  const deferrable = kids(spec, 'options').some((o) => o.type === 'deferrable')
    ? ' DEFERRABLE INITIALLY DEFERRED'
    : ' DEFERRABLE INITIALLY IMMEDIATE';
  return `REFERENCES ${table ? e.tableName(table) : ''}${columns.length ? ` (${columns.join(', ')})` : ''}${actions.length ? ` ${actions.join(' ')}` : ''}${deferrable}`;
}

function tableConstraint(e: SqlEmitter, item: N, info: TableInfo, nextCheck: () => number): string | undefined {
  const named = item.type === 'constraint';
  const constraint = named ? (kid(item, 'constraint') ?? item) : item;
  const cols = (key: string) =>
    items(kid(constraint, key))
      .map((c) => e.emit(kid(c, 'expr') ?? c))
      .join(', ');
  switch (constraint.type) {
    case 'constraint_primary_key':
      return `PRIMARY KEY (${cols('columns')})`;
    case 'constraint_unique':
      if (items(kid(constraint, 'columns')).some((c) => isNocase(info, nameOf(kid(c, 'expr') ?? c)))) return undefined;
      return `UNIQUE (${cols('columns')})`;
    case 'constraint_check': {
      const expr = kid(constraint, 'expr');
      return expr ? `CONSTRAINT kiln_ck_${nextCheck()} CHECK (${e.cond(expr)})` : undefined;
    }
    case 'constraint_foreign_key': {
      const ref = kid(constraint, 'references');
      return ref ? `FOREIGN KEY (${cols('columns')}) ${references(e, ref)}` : undefined;
    }
    default:
      throw new D1SqlError(`unsupported table constraint: ${constraint.type}`);
  }
}

function alterTable(e: SqlEmitter, node: N, catalog: CatalogLookup): DdlPlan {
  const tableName = objectName(kid(node, 'table'));
  const current = catalog.table(tableName);
  if (!current) throw new D1SqlError(`no such table: ${tableName}`);
  const actions = items(kid(node, 'actions'));
  if (actions.length !== 1 || !actions[0])
    throw new D1SqlError('only one ALTER TABLE action per statement is supported');
  const action = actions[0];
  const table = pgName(tableName);
  const plan = {
    action: 'alter' as const,
    objectType: 'table' as const,
    name: tableName,
    tableName,
    ifNotExists: false,
    ifExists: false,
  };
  switch (action.type) {
    case 'alter_action_add_column': {
      const column = kid(action, 'column');
      if (!column) break;
      const info: TableInfo = tableInfoFromCreate(
        {
          type: 'create_table_stmt',
          columns: { type: 'paren_expr', expr: { type: 'list_expr', items: [column] } },
        } as never,
        e.ctx.source,
      );
      return {
        ...plan,
        statements: [
          `ALTER TABLE ${table} ADD COLUMN ${columnDefinition(e, column, info, () => 100 + Math.floor(Math.random() * 1e6))}`,
        ],
        alter: { kind: 'add_column', columnText: e.slice(column) },
      };
    }
    case 'alter_action_rename': {
      const newName = createdName(kid(action, 'newName'));
      return {
        ...plan,
        // The rowid trigger names the table in sqlite_sequence: it must follow the new name.
        statements: [
          `ALTER TABLE ${table} RENAME TO ${pgName(newName)}`,
          `DROP TRIGGER kiln_rowid ON ${pgName(newName)}`,
          rowidTrigger(current, newName),
        ],
        alter: { kind: 'rename_table', newName },
      };
    }
    case 'alter_action_rename_column': {
      const from = nameOf(kid(action, 'oldName'));
      const toNode = kid(action, 'newName');
      const to = nameOf(toNode);
      assertSafeName(to);
      const quoted = typeof toNode?.text === 'string' && /^["`[]/.test(toNode.text);
      return {
        ...plan,
        statements: [`ALTER TABLE ${table} RENAME COLUMN ${pgName(from)} TO ${pgName(to)}`],
        alter: { kind: 'rename_column', from, to, quoted },
      };
    }
    case 'alter_action_drop_column': {
      const column = nameOf(kid(action, 'column'));
      return {
        ...plan,
        statements: [`ALTER TABLE ${table} DROP COLUMN ${pgName(column)}`],
        alter: { kind: 'drop_column', column },
      };
    }
    default:
      break;
  }
  throw new D1SqlError(`unsupported ALTER TABLE action: ${action.type}`);
}
