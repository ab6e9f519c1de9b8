import type pg from 'pg';
import { Catalog, answerPragma, loadCatalog } from './d1-catalog.js';
import type { ColumnNamer } from './d1-columns.js';
import { applyDdl } from './d1-ddl.js';
import { D1RequestError, D1SqlError } from './d1-errors.js';
import { fromPgError } from './d1-pg-errors.js';
import { resultTypes, type D1Meta, type D1ResultValue, type StatementResult } from './d1-results.js';
import { MAX_BOUND_PARAMETERS, toPgValue, type D1Value } from './translate/params.js';
import { parseSql } from './translate/parse-sql.js';
import { ROWID_RESULT, translateStatement } from './translate/translate-statement.js';

/** D1's per-statement limit (100 KB of SQL). */
export const MAX_STATEMENT_BYTES = 100_000;

export interface D1Query {
  sql: string;
  params: D1Value[];
}

/** Connection-level counters SQLite keeps (last_insert_rowid, total_changes), per database. */
export interface SessionState {
  lastRowId: number;
  totalChanges: number;
  changes: number;
}

/** Runs translated statements of one D1 database inside an open transaction. */
export class D1Executor {
  private catalog: Catalog | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly state: SessionState,
    private readonly namer: ColumnNamer,
    private readonly cachedCatalog: Catalog | undefined,
    private readonly onSchemaChange: () => void,
  ) {
    this.catalog = cachedCatalog;
  }

  async currentCatalog(): Promise<Catalog> {
    this.catalog ??= await loadCatalog(this.client);
    return this.catalog;
  }

  /** For admin work beside the app's statements (export, counts) in the same transaction. */
  get pgClient(): pg.PoolClient {
    return this.client;
  }

  /** Rows of Kiln-generated SQL (never app SQL), converted like app results. */
  async rawRows(sql: string): Promise<D1ResultValue[][]> {
    const res = await this.client.query({ text: sql, rowMode: 'array', types: resultTypes });
    return res.rows as D1ResultValue[][];
  }

  get loadedCatalog(): Catalog | undefined {
    return this.catalog;
  }

  /** Runs every statement in the entry; like SQLite's exec, the last one's rows are the answer. */
  async run(query: D1Query): Promise<StatementResult> {
    const started = performance.now();
    if (Buffer.byteLength(query.sql) > MAX_STATEMENT_BYTES) throw new D1SqlError('statement too long', 'SQLITE_TOOBIG');
    if (query.params.length > MAX_BOUND_PARAMETERS) throw new D1SqlError('too many SQL variables', 'SQLITE_ERROR');
    const statements = parseSql(query.sql);
    if (statements.length === 0) throw new D1SqlError('No SQL statements detected.', 'SQLITE_ERROR');
    const before = { ...this.state };
    let result: { columns: string[]; rows: D1ResultValue[][]; changes: number; read: number } = {
      columns: [],
      rows: [],
      changes: 0,
      read: 0,
    };
    for (const statement of statements) {
      const catalog = await this.currentCatalog();
      const translated = translateStatement(statement, query.params, catalog);
      // workerd binds a prepared statement only with exactly as many values as it has placeholders
      // (SQLite alone would bind the missing ones as NULL); the message has no SQLite code.
      if (statements.length === 1 && 'paramCount' in translated && translated.paramCount !== query.params.length)
        throw new D1RequestError('Wrong number of parameter bindings for SQL query.');
      try {
        result = await this.execute(translated, query.params, catalog);
      } catch (error) {
        throw fromPgError(error, catalog) ?? error;
      }
    }
    const meta: D1Meta = {
      served_by: 'kiln-d1',
      served_by_region: 'kiln',
      served_by_primary: true,
      duration: performance.now() - started,
      changes: this.state.totalChanges - before.totalChanges,
      last_row_id: this.state.lastRowId,
      changed_db: this.state.totalChanges !== before.totalChanges || this.state.lastRowId !== before.lastRowId,
      size_after: 0,
      rows_read: result.read,
      rows_written: this.state.totalChanges - before.totalChanges,
    };
    return { columns: result.columns, rows: result.rows, meta };
  }

  private async execute(translated: ReturnType<typeof translateStatement>, params: D1Value[], catalog: Catalog) {
    switch (translated.kind) {
      case 'noop':
        return { columns: [], rows: [], changes: 0, read: 0 };
      case 'pragma': {
        const answer = answerPragma(catalog, translated.name, translated.arg, translated.value);
        return { ...answer, changes: 0, read: answer.rows.length };
      }
      case 'ddl':
        await applyDdl(this.client, translated.plan, catalog);
        this.catalog = undefined;
        this.namer.forget();
        this.onSchemaChange();
        return { columns: [], rows: [], changes: 0, read: 0 };
      case 'dml': {
        const values = Array.from({ length: translated.paramCount }, (_, i) => toPgValue(params[i]));
        if (/kiln_sqlite\.(changes|total_changes|last_insert_rowid)\(/.test(translated.sql)) {
          await this.client.query(
            "SELECT set_config('kiln.changes', $1, true), set_config('kiln.total_changes', $2, true), set_config('kiln.last_insert_rowid', $3, true)",
            [String(this.state.changes), String(this.state.totalChanges), String(this.state.lastRowId)],
          );
        }
        const res = await this.client.query({ text: translated.sql, values, rowMode: 'array', types: resultTypes });
        const rows = res.rows as D1ResultValue[][];
        const fields = res.fields;
        let changes = 0;
        if (translated.writes) {
          changes = res.rowCount ?? 0;
          this.state.changes = changes;
          this.state.totalChanges += changes;
        }
        if (translated.capturesRowid) {
          const at = fields.findIndex((f) => f.name === ROWID_RESULT);
          for (const row of rows) {
            const id = row[at];
            if (typeof id === 'number') this.state.lastRowId = id;
          }
        }
        if (!translated.returnsRows) return { columns: [], rows: [], changes, read: 0 };
        const { names, keep } = await this.namer.name(this.client, fields, catalog);
        return { columns: names, rows: rows.map((row) => keep.map((i) => row[i] ?? null)), changes, read: rows.length };
      }
    }
  }
}
