import type pg from 'pg';
import { systemClock, type Clock } from '../clock.js';
import type { BindingService, TenantRef, WireRequest, WireResponse } from '../gateway/wire.js';
import type { Catalog } from './d1-catalog.js';
import { ColumnNamer } from './d1-columns.js';
import { D1RequestError, D1SqlError } from './d1-errors.js';
import { D1Executor, type D1Query, type SessionState } from './d1-executor.js';
import { dumpDatabaseFile, exportDatabase, importSql } from './d1-export.js';
import { isBlank, parseBody, readBody } from './d1-request.js';
import { successElement, type D1ResultValue } from './d1-results.js';
import { createDatabaseSql, schemaFor } from './d1-schema.js';

export interface D1ServiceOptions {
  /** What `datetime('now')` and CURRENT_TIMESTAMP see; tests pass a ManualClock. */
  clock?: Clock;
  /**
   * How stale meta.size_after may be (ms, 1000): a write measures the database again only when its
   * last measure is older, so a burst of writes pays for one measure. 0 measures after every write.
   */
  sizeRefreshMs?: number;
}

type Format = 'ROWS_AND_COLUMNS' | 'NONE' | 'ARRAY_OF_OBJECTS';
const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Cloudflare D1 over Postgres, speaking the wire protocol of workerd's D1 shim
 * (shared/notes/remote-bindings.md §6). Each D1 database is a Postgres schema; each request is
 * one Postgres transaction, which is what makes batch() all-or-nothing.
 */
export class D1Service implements BindingService {
  private readonly clock: Clock;
  private readonly ensured = new Set<string>();
  private readonly catalogs = new Map<string, Catalog>();
  private readonly sessions = new Map<string, SessionState>();
  /** Each database's last measured size (meta.size_after) and when it was measured. */
  private readonly sizes = new Map<string, { size: number; at: number }>();
  private readonly sizeRefreshMs: number;
  private readonly namer = new ColumnNamer();
  private bookmark = 0;

  constructor(
    private readonly pool: pg.Pool,
    options: D1ServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.sizeRefreshMs = options.sizeRefreshMs ?? 1000;
  }

  async handle(ref: TenantRef, req: WireRequest): Promise<WireResponse> {
    const path = req.url.pathname.replace(/\/+$/, '');
    if (path.endsWith('/dump')) {
      req.body.resume();
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: await dumpDatabaseFile(this, ref),
      };
    }
    if (req.method !== 'POST' || (!path.endsWith('/query') && !path.endsWith('/execute'))) {
      req.body.resume();
      return json(404, { success: false, error: `Unknown D1 endpoint: ${req.method} ${path}` });
    }
    const format = (req.url.searchParams.get('resultsFormat') ?? 'ARRAY_OF_OBJECTS') as Format;
    try {
      const body = parseBody(await readBody(req.body));
      const isExec = path.endsWith('/execute') && body.isArray && body.queries.every((q) => q.params.length === 0);
      const answer = isExec ? await this.exec(ref, body.queries, format) : await this.batch(ref, body.queries, format);
      return {
        ...json(200, answer),
        headers: { ...JSON_HEADERS, 'x-cf-d1-session-commit-token': this.nextBookmark() },
      };
    } catch (error) {
      if (error instanceof D1SqlError) return json(200, { success: false, error: error.d1Message });
      if (error instanceof D1RequestError) return json(200, { success: false, error: error.message });
      throw error;
    }
  }

  private async batch(ref: TenantRef, queries: D1Query[], format: Format): Promise<unknown[]> {
    const live = queries.filter((q) => !isBlank(q.sql));
    if (live.length === 0) throw new D1RequestError('No SQL statements detected.');
    return this.transaction(ref, async (executor) => {
      const results = await executor.runBatch(live);
      await this.settleSize(ref, executor, true);
      return results.map((result) => successElement(result, format));
    });
  }

  /**
   * exec(): one entry per line. The shim reports the line of the first failed element, so a
   * failure answers with the lines before it (blank ones padded) and the error in its place.
   */
  private async exec(ref: TenantRef, lines: D1Query[], format: Format): Promise<unknown[]> {
    if (lines.every((q) => isBlank(q.sql))) throw new D1RequestError('No SQL statements detected.');
    let failure: unknown[] | undefined;
    const result = await this.transaction(ref, async (executor) => {
      const out: unknown[] = [];
      const padded: unknown[] = [];
      for (const line of lines) {
        if (isBlank(line.sql)) {
          padded.push({ success: true, results: [], meta: {} });
          continue;
        }
        try {
          const element = successElement(await executor.run(line), format);
          out.push(element);
          padded.push(element);
        } catch (error) {
          if (!(error instanceof D1SqlError)) throw error;
          // The transaction has failed: the lines before report the last known size.
          await this.settleSize(ref, executor, false);
          failure = [...padded, { success: false, error: error.d1Message }];
          throw error;
        }
      }
      await this.settleSize(ref, executor, true);
      return out;
    }).catch((error: unknown) => {
      if (failure) return failure;
      throw error;
    });
    return result;
  }

  private async settleSize(ref: TenantRef, executor: D1Executor, canQuery: boolean): Promise<void> {
    const schema = schemaFor(ref);
    const known = this.sizes.get(schema);
    const now = performance.now();
    const fresh = known !== undefined && now - known.at < this.sizeRefreshMs;
    const size = await executor.settleSize(known?.size, canQuery && !fresh);
    if (size !== undefined && !fresh) this.sizes.set(schema, { size, at: now });
  }

  /** Runs `work` in one transaction with the database's schema as the only search path. */
  async transaction<T>(
    ref: TenantRef,
    work: (executor: D1Executor) => Promise<T>,
    options: { readOnly?: boolean } = {},
  ): Promise<T> {
    const schema = schemaFor(ref);
    const client = await this.pool.connect();
    const session = this.sessions.get(schema) ?? { lastRowId: 0, totalChanges: 0, changes: 0 };
    const draft = { ...session };
    try {
      if (!this.ensured.has(schema)) {
        await client.query(createDatabaseSql(schema));
        this.ensured.add(schema);
      }
      await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      await client.query("SELECT set_config('search_path', $1, true), set_config('kiln.now', $2, true)", [
        schema,
        String(this.clock.now()),
      ]);
      const executor = new D1Executor(client, draft, this.namer, this.catalogs.get(schema), () =>
        this.catalogs.delete(schema),
      );
      const result = await work(executor);
      await client.query('COMMIT');
      this.sessions.set(schema, draft);
      const loaded = executor.loadedCatalog;
      if (loaded) this.catalogs.set(schema, loaded);
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // last_insert_rowid and total_changes are SQLite connection state: a rollback keeps them.
      this.sessions.set(schema, draft);
      this.catalogs.delete(schema);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The database as SQLite SQL (CREATE TABLE + INSERTs, then indexes and views). */
  exportDatabase(ref: TenantRef): Promise<string> {
    return exportDatabase(this, ref);
  }

  /** Loads SQLite SQL in one transaction; returns how many statements ran. */
  importSql(ref: TenantRef, sql: string): Promise<number> {
    return importSql(this, ref, sql);
  }

  /** User tables (as SQLite names them) with their row counts. */
  listTables(ref: TenantRef): Promise<{ name: string; rows: number }[]> {
    return this.transaction(
      ref,
      async (executor) => {
        const catalog = await executor.currentCatalog();
        const out: { name: string; rows: number }[] = [];
        for (const table of catalog.tables()) {
          if (table.name.toLowerCase().startsWith('sqlite_')) continue;
          const [row] = await executor.rawRows(
            `SELECT count(*) FROM "${table.name.toLowerCase().replace(/"/g, '""')}"`,
          );
          out.push({ name: table.name, rows: Number(row?.[0] ?? 0) });
        }
        return out;
      },
      { readOnly: true },
    );
  }

  /** An admin query in a READ ONLY transaction: any write fails and nothing is applied. */
  readOnlyQuery(ref: TenantRef, sql: string): Promise<{ columns: string[]; rows: D1ResultValue[][] }> {
    return this.transaction(
      ref,
      async (executor) => {
        const result = await executor.run({ sql, params: [] });
        return { columns: result.columns, rows: result.rows };
      },
      { readOnly: true },
    );
  }

  /** Empties the database: every table, index and view is gone. */
  wipe(ref: TenantRef): Promise<void> {
    return this.dropDatabase(ref);
  }

  /** Drops the database's schema and everything in it. */
  async dropDatabase(ref: TenantRef): Promise<void> {
    const schema = schemaFor(ref);
    await this.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    this.ensured.delete(schema);
    this.catalogs.delete(schema);
    this.sessions.delete(schema);
    this.sizes.delete(schema);
    this.namer.forget();
  }

  private nextBookmark(): string {
    this.bookmark++;
    return `00000000-${this.bookmark.toString(16).padStart(8, '0')}-00004f6a-${'0'.repeat(32)}`;
  }
}

function json(status: number, value: unknown): WireResponse {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(value) };
}
