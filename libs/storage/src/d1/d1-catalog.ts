import type pg from 'pg';
import { D1SqlError } from './d1-errors.js';
import type { D1ResultValue } from './d1-results.js';
import { MASTER_TABLE } from './translate/identifiers.js';
import { tableInfoFromSql, type TableInfo } from './translate/table-info.js';
import type { CatalogLookup } from './translate/translate-statement.js';

export interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
  /** For tables: NOCASE columns under the ICU collation Kiln used before (no folded key indexes). */
  legacy_nocase?: boolean;
}

/**
 * The database's schema as SQLite would report it, read from the emulated sqlite_master. Table
 * details come from re-parsing the stored CREATE TABLE text, exactly as SQLite itself does.
 */
export class Catalog implements CatalogLookup {
  private readonly parsed = new Map<string, TableInfo | undefined>();

  constructor(readonly rows: MasterRow[]) {}

  object(name: string, type?: string, except?: string): MasterRow | undefined {
    const lower = name.toLowerCase();
    return this.rows.find((r) => r.name.toLowerCase() === lower && (!type || r.type === type) && r.type !== except);
  }

  table(name: string): TableInfo | undefined {
    const lower = name.toLowerCase();
    if (!this.parsed.has(lower)) {
      const row = this.object(name, 'table');
      const info = row?.sql ? tableInfoFromSql(row.sql) : undefined;
      if (info) info.foldedKeys = !row?.legacy_nocase;
      this.parsed.set(lower, info);
    }
    return this.parsed.get(lower);
  }

  tables(): MasterRow[] {
    return this.rows.filter((r) => r.type === 'table');
  }

  /** The stored CREATE UNIQUE INDEX statements on the table (REPLACE resolves conflicts on them). */
  uniqueIndexes(table: string): string[] {
    return this.rows
      .filter(
        (r) =>
          r.type === 'index' &&
          r.sql &&
          r.tbl_name.toLowerCase() === table.toLowerCase() &&
          /^CREATE\s+UNIQUE/i.test(r.sql),
      )
      .map((r) => r.sql ?? '');
  }

  hasTriggers(table: string): boolean {
    const lower = table.toLowerCase();
    return this.rows.some((r) => r.type === 'trigger' && r.tbl_name.toLowerCase() === lower);
  }

  isView(name: string): boolean {
    return this.object(name, 'view') !== undefined;
  }

  allTables(): TableInfo[] {
    return this.tables().flatMap((r) => this.table(r.name) ?? []);
  }
}

export async function loadCatalog(client: pg.PoolClient | pg.Pool): Promise<Catalog> {
  // Tables made before NOCASE columns were stored byte-wise have an ICU collation on them and keep
  // their NOCASE keys as plain UNIQUE constraints, which upserts must name as their arbiter.
  const result = await client.query<MasterRow>(
    `SELECT type, name, tbl_name, sql,
            type = 'table' AND EXISTS (
              SELECT 1 FROM pg_attribute a JOIN pg_collation co ON co.oid = a.attcollation
               WHERE a.attrelid = to_regclass(format('%I', lower(name)))
                 AND co.collname = 'nocase' AND co.collnamespace = 'kiln_sqlite'::regnamespace) AS legacy_nocase
       FROM ${MASTER_TABLE} ORDER BY kiln_rowid`,
  );
  return new Catalog(result.rows);
}

export interface PragmaResult {
  columns: string[];
  rows: D1ResultValue[][];
}

const empty = (columns: string[]): PragmaResult => ({ columns, rows: [] });

/** The PRAGMAs tools and ORMs read (drizzle-kit, wrangler, admin UIs), answered from the catalog. */
export function answerPragma(
  catalog: Catalog,
  name: string,
  arg: string | undefined,
  value: string | undefined,
): PragmaResult {
  switch (name) {
    case 'table_info':
    case 'table_xinfo': {
      const info = arg ? catalog.table(arg) : undefined;
      const columns = ['cid', 'name', 'type', 'notnull', 'dflt_value', 'pk'];
      if (name === 'table_xinfo') columns.push('hidden');
      if (!info) return empty(columns);
      return {
        columns,
        rows: info.columns.map((c, i) => {
          const row: D1ResultValue[] = [i, c.name, c.type, c.notNull ? 1 : 0, c.defaultText, c.pk];
          if (name === 'table_xinfo') row.push(0);
          return row;
        }),
      };
    }
    case 'table_list': {
      const rows: D1ResultValue[][] = catalog.rows
        .filter((r) => r.type === 'table' || r.type === 'view')
        .map((r) => [
          'main',
          r.name,
          r.type,
          r.type === 'table' ? (catalog.table(r.name)?.columns.length ?? 0) : 0,
          0,
          0,
        ]);
      rows.push(['main', 'sqlite_schema', 'table', 5, 0, 0], ['temp', 'sqlite_temp_schema', 'table', 5, 0, 0]);
      return { columns: ['schema', 'name', 'type', 'ncol', 'wr', 'strict'], rows };
    }
    case 'index_list': {
      const columns = ['seq', 'name', 'unique', 'origin', 'partial'];
      if (!arg) return empty(columns);
      const indexes = catalog.rows
        .filter((r) => r.type === 'index' && r.tbl_name.toLowerCase() === arg.toLowerCase())
        .reverse();
      return {
        columns,
        rows: indexes.map((r, i) => {
          const auto = r.sql === null;
          const unique = auto || /^CREATE\s+UNIQUE/i.test(r.sql ?? '') ? 1 : 0;
          const origin = auto ? (isPrimaryKeyIndex(catalog, r) ? 'pk' : 'u') : 'c';
          return [i, r.name, unique, origin, r.sql && /\bWHERE\b/i.test(r.sql) ? 1 : 0];
        }),
      };
    }
    case 'foreign_key_list': {
      const info = arg ? catalog.table(arg) : undefined;
      const columns = ['id', 'seq', 'table', 'from', 'to', 'on_update', 'on_delete', 'match'];
      if (!info) return empty(columns);
      // SQLite numbers foreign keys from the last declared one.
      const fks = [...info.foreignKeys].reverse();
      return {
        columns,
        rows: fks.flatMap((fk, id) =>
          fk.from.map((from, seq) => [id, seq, fk.table, from, fk.to[seq] ?? null, fk.onUpdate, fk.onDelete, 'NONE']),
        ),
      };
    }
    case 'foreign_keys':
      return value === undefined ? { columns: ['foreign_keys'], rows: [[1]] } : empty([]);
    case 'defer_foreign_keys':
    case 'optimize':
      return value === undefined && name === 'defer_foreign_keys'
        ? { columns: ['defer_foreign_keys'], rows: [[0]] }
        : empty([]);
    default:
      throw new D1SqlError('not authorized', 'SQLITE_AUTH');
  }
}

function isPrimaryKeyIndex(catalog: Catalog, row: MasterRow): boolean {
  const info = catalog.table(row.tbl_name);
  return !!info && !info.rowidAlias && info.primaryKey.length > 0 && row.name.endsWith('_1');
}
