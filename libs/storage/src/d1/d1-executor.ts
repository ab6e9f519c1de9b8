import type pg from 'pg';
import { Catalog, answerPragma, loadCatalog } from './d1-catalog.js';
import type { ColumnNamer } from './d1-columns.js';
import { applyDdl } from './d1-ddl.js';
import { D1RequestError, D1SqlError } from './d1-errors.js';
import { fromPgError } from './d1-pg-errors.js';
import { resultTypes, type D1Meta, type D1ResultValue, type StatementResult } from './d1-results.js';
import { MAX_BOUND_PARAMETERS, toPgValue, type D1Value } from './translate/params.js';
import { parseSql } from './translate/parse-sql.js';
import { ROWID_RESULT, translateStatement, type Translated } from './translate/translate-statement.js';

/** D1's per-statement limit (100 KB of SQL). */
export const MAX_STATEMENT_BYTES = 100_000;

/** SQL reading SQLite's connection state, which must be set before the statement runs. */
const STATE_FUNCTIONS = /kiln_sqlite\.(changes|total_changes|last_insert_rowid)\(/;

type DmlStatement = Extract<Translated, { kind: 'dml' }>;

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
  /** kiln.trigger_changes as last read (the setting lives as long as the request's transaction). */
  private triggerRows = 0;
  /** Every meta answered in this transaction: size_after is filled in once, at the end. */
  private readonly metas: D1Meta[] = [];

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
    let schemaChanged = false;
    for (const statement of statements) {
      const catalog = await this.currentCatalog();
      const translated = translateStatement(statement, query.params, catalog);
      // workerd binds a prepared statement only with exactly as many values as it has placeholders
      // (SQLite alone would bind the missing ones as NULL); the message has no SQLite code.
      if (statements.length === 1 && 'paramCount' in translated && translated.paramCount !== query.params.length)
        throw new D1RequestError('Wrong number of parameter bindings for SQL query.');
      try {
        result = await this.execute(translated, query.params, catalog);
        // Miniflare's D1 reports changed_db for tables, indexes and views, not for triggers.
        if (translated.kind === 'ddl' && translated.plan.objectType !== 'trigger') schemaChanged = true;
      } catch (error) {
        throw fromPgError(error, catalog, statement.text) ?? error;
      }
    }
    return {
      columns: result.columns,
      rows: result.rows,
      meta: this.meta(before, performance.now() - started, result.read, schemaChanged),
    };
  }

  /**
   * A batch() whose entries are all single SELECT/INSERT/UPDATE/DELETE statements goes to Postgres
   * as one multi-statement query (values written in as literals), inside a savepoint: one round
   * trip instead of one per statement. Anything else (DDL, PRAGMA, changes()/last_insert_rowid()
   * reading the state between statements) and any failure run statement by statement, which also
   * gives the failing statement's exact error.
   */
  async runBatch(queries: D1Query[]): Promise<StatementResult[]> {
    const plan = queries.length > 1 ? await this.planOneTrip(queries) : undefined;
    if (plan) {
      const started = performance.now();
      let results: pg.QueryResult[] | undefined;
      try {
        const text = ['SAVEPOINT kiln_batch', ...plan.map((t) => t.sql), 'RELEASE SAVEPOINT kiln_batch'].join(';\n');
        const res = (await this.client.query({ text, rowMode: 'array', types: resultTypes })) as unknown;
        results = (res as pg.QueryResult[]).slice(1, -1);
      } catch {
        await this.client.query('ROLLBACK TO SAVEPOINT kiln_batch');
      }
      if (results) {
        const catalog = await this.currentCatalog();
        const duration = (performance.now() - started) / plan.length;
        const out: StatementResult[] = [];
        for (const [i, translated] of plan.entries()) {
          const before = { ...this.state };
          const result = await this.finishDml(translated, results[i] as pg.QueryResult, catalog);
          out.push({ columns: result.columns, rows: result.rows, meta: this.meta(before, duration, result.read) });
        }
        return out;
      }
    }
    const out: StatementResult[] = [];
    for (const query of queries) out.push(await this.run(query));
    return out;
  }

  /** The batch translated for one round trip, or undefined when it must run statement by statement. */
  private async planOneTrip(queries: D1Query[]): Promise<DmlStatement[] | undefined> {
    const catalog = await this.currentCatalog();
    const plan: DmlStatement[] = [];
    for (const query of queries) {
      if (Buffer.byteLength(query.sql) > MAX_STATEMENT_BYTES || query.params.length > MAX_BOUND_PARAMETERS) return;
      try {
        const statements = parseSql(query.sql);
        const [statement] = statements;
        if (statements.length !== 1 || !statement) return;
        const translated = translateStatement(statement, query.params, catalog, { inlineParams: true });
        if (translated.kind !== 'dml' || translated.paramCount !== query.params.length) return;
        if (translated.cascades.length || translated.triggered) return;
        if (STATE_FUNCTIONS.test(translated.sql)) return;
        plan.push(translated);
      } catch {
        return;
      }
    }
    return plan;
  }

  /**
   * Sets meta.size_after on every statement of the request: the bytes Postgres uses for the
   * database's tables with their indexes and TOAST (pg_total_relation_size, so it moves in 8 KB
   * pages and is not a SQLite file size). Measured only when the request changed the database
   * (or nothing is known yet) and Postgres can still answer; otherwise `known` is reused.
   */
  async settleSize(known: number | undefined, canQuery: boolean): Promise<number | undefined> {
    const changed = this.metas.some((m) => m.changed_db);
    let size = known;
    if (canQuery && (changed || size === undefined)) {
      const res = await this.client.query<{ size: string }>(
        "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS size FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'm')",
      );
      size = Number(res.rows[0]?.size ?? 0);
    }
    for (const meta of this.metas) meta.size_after = size ?? 0;
    return size;
  }

  /** D1's meta; changed_db is also true after DDL, which changes the database without rows. */
  private meta(before: SessionState, duration: number, read: number, schemaChanged = false): D1Meta {
    const meta: D1Meta = {
      served_by: 'kiln-d1',
      served_by_region: 'kiln',
      served_by_primary: true,
      duration,
      changes: this.state.totalChanges - before.totalChanges,
      last_row_id: this.state.lastRowId,
      changed_db:
        schemaChanged || this.state.totalChanges !== before.totalChanges || this.state.lastRowId !== before.lastRowId,
      size_after: 0,
      rows_read: read,
      rows_written: this.state.totalChanges - before.totalChanges,
    };
    this.metas.push(meta);
    return meta;
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
        if (STATE_FUNCTIONS.test(translated.sql)) {
          await this.client.query(
            "SELECT set_config('kiln.changes', $1, true), set_config('kiln.total_changes', $2, true), set_config('kiln.last_insert_rowid', $3, true)",
            [String(this.state.changes), String(this.state.totalChanges), String(this.state.lastRowId)],
          );
        }
        const cascaded = translated.cascades.length ? await this.rowsChangedIn(translated.cascades) : 0;
        const res = await this.client.query({ text: translated.sql, values, rowMode: 'array', types: resultTypes });
        const result = await this.finishDml(translated, res, catalog);
        if (translated.cascades.length)
          this.state.totalChanges += (await this.rowsChangedIn(translated.cascades)) - cascaded;
        if (translated.triggered) this.state.totalChanges += await this.triggerChanges();
        return result;
      }
    }
  }

  /**
   * Rows the statement's triggers wrote: SQLite's total_changes (D1's meta.changes) counts them,
   * changes() does not. The trigger functions add them up in a transaction-local setting.
   */
  private async triggerChanges(): Promise<number> {
    const res = await this.client.query<{ n: string | null }>(
      "SELECT current_setting('kiln.trigger_changes', true) AS n",
    );
    const total = Number(res.rows[0]?.n || 0);
    const added = total - this.triggerRows;
    this.triggerRows = total;
    return added;
  }

  /** Rows deleted or updated in these tables so far in this transaction (Postgres' own counters). */
  private async rowsChangedIn(tables: string[]): Promise<number> {
    const res = await this.client.query<{ n: string }>(
      'SELECT COALESCE(sum(n_tup_del + n_tup_upd), 0) AS n FROM pg_stat_xact_user_tables WHERE schemaname = current_schema() AND relname = ANY($1)',
      [tables],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /** Counts a DML statement's changes and rowid into the session state and names its columns. */
  private async finishDml(translated: DmlStatement, res: pg.QueryResult, catalog: Catalog) {
    const rows = res.rows as D1ResultValue[][];
    const fields = res.fields;
    let changes = 0;
    if (translated.writes) {
      changes = res.rowCount ?? 0;
      this.state.changes = changes;
      this.state.totalChanges += changes;
    }
    const at = fields.findIndex((f) => f.name === ROWID_RESULT);
    if (translated.capturesRowid) {
      for (const row of rows) {
        const id = row[at];
        if (typeof id === 'number') this.state.lastRowId = id;
      }
    } else if (at >= 0) rows.sort((a, b) => Number(a[at]) - Number(b[at]));
    if (!translated.returnsRows) return { columns: [], rows: [], changes, read: 0 };
    const { names, keep } = await this.namer.name(this.client, fields, catalog);
    const columns = names.map((name) => translated.longNames.get(name) ?? name);
    return { columns, rows: rows.map((row) => keep.map((i) => row[i] ?? null)), changes, read: rows.length };
  }
}
