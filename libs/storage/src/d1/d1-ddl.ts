import type pg from 'pg';
import { loadCatalog, type Catalog } from './d1-catalog.js';
import { D1SqlError } from './d1-errors.js';
import { MASTER_TABLE } from './translate/identifiers.js';
import { parseSql } from './translate/parse-sql.js';
import { tableInfoFromSql } from './translate/table-info.js';
import type { DdlPlan } from './translate/translate-ddl.js';
import { renameTableInSql } from './translate/rename-table.js';
import { translateStatement } from './translate/translate-statement.js';
import { triggerFunctionName } from './translate/translate-trigger.js';

const INSERT_MASTER = `INSERT INTO ${MASTER_TABLE} (type, name, tbl_name, sql) VALUES ($1, $2, $3, $4)`;

/** Runs a translated DDL statement and keeps the emulated sqlite_master in step with it. */
export async function applyDdl(client: pg.PoolClient, plan: DdlPlan, catalog: Catalog): Promise<void> {
  switch (plan.action) {
    case 'create':
      return create(client, plan, catalog);
    case 'drop':
      return drop(client, plan, catalog);
    case 'alter':
      return alter(client, plan, catalog);
  }
}

async function create(client: pg.PoolClient, plan: DdlPlan, catalog: Catalog): Promise<void> {
  // Triggers have a namespace of their own; tables, indexes and views share one.
  const existing =
    plan.objectType === 'trigger'
      ? catalog.object(plan.name, 'trigger')
      : catalog.object(plan.name, undefined, 'trigger');
  if (existing) {
    if (plan.ifNotExists) return;
    throw new D1SqlError(
      existing.type === plan.objectType
        ? `${plan.objectType} ${plan.name} already exists`
        : `there is already a ${existing.type} named ${plan.name}`,
    );
  }
  if (plan.objectType === 'index' && !catalog.table(plan.tableName))
    throw new D1SqlError(`no such table: main.${plan.tableName}`);
  if (plan.autoincrement && !catalog.object('sqlite_sequence')) {
    await client.query('CREATE TABLE sqlite_sequence (name text COLLATE "C", seq bigint, kiln_rowid bigserial)');
    await client.query(INSERT_MASTER, [
      'table',
      'sqlite_sequence',
      'sqlite_sequence',
      'CREATE TABLE sqlite_sequence(name,seq)',
    ]);
  }
  for (const statement of plan.statements) await client.query(statement);
  const tblName =
    plan.objectType === 'index'
      ? (catalog.object(plan.tableName, 'table')?.name ?? plan.tableName)
      : plan.objectType === 'trigger'
        ? plan.tableName
        : plan.name;
  await client.query(INSERT_MASTER, [plan.objectType, plan.name, tblName, plan.masterSql ?? null]);
  if (plan.objectType === 'table' && plan.masterSql) {
    // SQLite lists the indexes behind UNIQUE and non-rowid PRIMARY KEY constraints, without SQL.
    const info = tableInfoFromSql(plan.masterSql);
    for (let i = 1; i <= (info?.uniques.length ?? 0); i++) {
      await client.query(INSERT_MASTER, ['index', `sqlite_autoindex_${plan.name}_${i}`, plan.name, null]);
    }
  }
}

async function drop(client: pg.PoolClient, plan: DdlPlan, catalog: Catalog): Promise<void> {
  if (
    ['sqlite_sequence', 'sqlite_master', 'sqlite_schema'].includes(plan.name.toLowerCase()) &&
    plan.objectType === 'table'
  )
    throw new D1SqlError(`table ${plan.name} may not be dropped`);
  const existing = catalog.object(plan.name, plan.objectType);
  if (!existing) {
    if (plan.ifExists) return;
    throw new D1SqlError(`no such ${plan.objectType}: ${plan.name}`);
  }
  for (const statement of plan.statements) await client.query(statement);
  if (plan.objectType === 'table') {
    // The table's triggers went with it; their functions did not.
    for (const trigger of catalog.rows.filter(
      (r) => r.type === 'trigger' && r.tbl_name.toLowerCase() === plan.name.toLowerCase(),
    ))
      await client.query(`DROP FUNCTION IF EXISTS "${triggerFunctionName(trigger.name)}"()`);
    await client.query(`DELETE FROM ${MASTER_TABLE} WHERE lower(tbl_name) = lower($1)`, [plan.name]);
    // CASCADE took dependent views with it.
    await client.query(
      `DELETE FROM ${MASTER_TABLE} WHERE type = 'view' AND to_regclass(format('%I', lower(name))) IS NULL`,
    );
    if (catalog.object('sqlite_sequence'))
      await client.query('DELETE FROM sqlite_sequence WHERE lower(name) = lower($1)', [plan.name]);
  } else {
    await client.query(`DELETE FROM ${MASTER_TABLE} WHERE type = $1 AND lower(name) = lower($2)`, [
      plan.objectType,
      plan.name,
    ]);
  }
}

async function alter(client: pg.PoolClient, plan: DdlPlan, catalog: Catalog): Promise<void> {
  const row = catalog.object(plan.tableName, 'table');
  if (!row?.sql || !plan.alter) throw new D1SqlError(`no such table: ${plan.tableName}`);
  const change = plan.alter;
  if (change.kind === 'rename_table' && catalog.object(change.newName)) {
    throw new D1SqlError(`there is already another table or index with this name: ${change.newName}`);
  }
  if (change.kind === 'add_column' || change.kind === 'rename_column' || change.kind === 'drop_column') {
    const name = change.kind === 'add_column' ? '' : change.kind === 'rename_column' ? change.from : change.column;
    const info = catalog.table(plan.tableName);
    if (name && !info?.columns.some((c) => c.name.toLowerCase() === name.toLowerCase()))
      throw new D1SqlError(`no such column: "${name}"`);
  }
  for (const statement of plan.statements) await client.query(statement);
  const sql = rewriteCreateSql(row.sql, change);
  if (change.kind === 'rename_table') {
    await client.query(
      `UPDATE ${MASTER_TABLE} SET name = $2, tbl_name = $2, sql = $3 WHERE type = 'table' AND lower(name) = lower($1)`,
      [plan.tableName, change.newName, sql],
    );
    await client.query(
      `UPDATE ${MASTER_TABLE} SET tbl_name = $2 WHERE type IN ('index', 'trigger') AND lower(tbl_name) = lower($1)`,
      [plan.tableName, change.newName],
    );
    if (catalog.object('sqlite_sequence'))
      await client.query('UPDATE sqlite_sequence SET name = $2 WHERE lower(name) = lower($1)', [
        plan.tableName,
        change.newName,
      ]);
    await renameInTriggers(client, catalog, plan.tableName, change.newName);
  } else {
    await client.query(`UPDATE ${MASTER_TABLE} SET sql = $2 WHERE type = 'table' AND lower(name) = lower($1)`, [
      plan.tableName,
      sql,
    ]);
  }
}

/**
 * Triggers naming a renamed table (on it, or in their body) get SQLite's rewritten text, and
 * their functions are translated again from it: a function body names tables by name.
 */
async function renameInTriggers(client: pg.PoolClient, before: Catalog, from: string, to: string): Promise<void> {
  const triggers = before.rows.filter((r) => r.type === 'trigger' && r.sql);
  if (triggers.length === 0) return;
  const after = await loadCatalog(client);
  for (const trigger of triggers) {
    const sql = renameTableInSql(trigger.sql ?? '', from, to);
    if (sql === trigger.sql) continue;
    await client.query(`UPDATE ${MASTER_TABLE} SET sql = $2 WHERE type = 'trigger' AND name = $1`, [trigger.name, sql]);
    const [parsed] = parseSql(sql);
    const translated = parsed ? translateStatement(parsed, [], after) : undefined;
    if (translated?.kind !== 'ddl') continue;
    await client.query(`DROP FUNCTION IF EXISTS "${triggerFunctionName(trigger.name)}"() CASCADE`);
    for (const statement of translated.plan.statements) await client.query(statement);
  }
}

/** SQLite edits the stored CREATE TABLE text in place; so do we, through the parser's ranges. */
function rewriteCreateSql(sql: string, change: NonNullable<DdlPlan['alter']>): string {
  const parsed = parseSql(sql)[0];
  if (!parsed || parsed.node.type !== 'create_table_stmt') return sql;
  const stmt = parsed.node;
  const defs = stmt.columns?.expr.items ?? [];
  switch (change.kind) {
    case 'add_column': {
      const lastColumn = [...defs].reverse().find((d) => d.type === 'column_definition');
      const at = lastColumn?.range?.[1] ?? sql.lastIndexOf(')');
      return `${sql.slice(0, at)}, ${change.columnText}${sql.slice(at)}`;
    }
    case 'rename_table': {
      const range = stmt.name.range;
      return range ? `${sql.slice(0, range[0])}"${change.newName}"${sql.slice(range[1])}` : sql;
    }
    case 'rename_column': {
      const def = defs.find(
        (d) => d.type === 'column_definition' && d.name.name.toLowerCase() === change.from.toLowerCase(),
      );
      const range = def?.type === 'column_definition' ? def.name.range : undefined;
      if (!range) return sql;
      // SQLite quotes the new name only when the ALTER quoted it or the old name was quoted.
      const bare = !change.quoted && /^[A-Za-z0-9_\u0080-\uffff]/.test(sql.slice(range[0], range[1]));
      const name = bare ? change.to : `"${change.to.replace(/"/g, '""')}"`;
      return `${sql.slice(0, range[0])}${name}${sql.slice(range[1])}`;
    }
    case 'drop_column': {
      const index = defs.findIndex(
        (d) => d.type === 'column_definition' && d.name.name.toLowerCase() === change.column.toLowerCase(),
      );
      const def = defs[index];
      const previous = defs[index - 1];
      if (!def?.range) return sql;
      const start = previous?.range ? previous.range[1] : def.range[0];
      const end = previous?.range ? def.range[1] : (defs[index + 1]?.range?.[0] ?? def.range[1]);
      return sql.slice(0, start) + sql.slice(end);
    }
  }
}
