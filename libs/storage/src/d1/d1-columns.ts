import type pg from 'pg';
import type { Catalog } from './d1-catalog.js';
import { ROWID_COLUMN, ROWID_NAMES } from './translate/identifiers.js';
import { ROWID_RESULT } from './translate/translate-statement.js';

interface RelationNames {
  relname: string;
  attnames: Map<number, string>;
}

/**
 * Postgres reports stored (folded) column names; SQLite reports the declared spelling. Result
 * fields that come straight from a table carry its OID and attribute number, which lead back
 * to the declared name through the catalog.
 */
export class ColumnNamer {
  private readonly relations = new Map<number, RelationNames>();

  /** After DDL: OIDs stay, names may not. */
  forget(): void {
    this.relations.clear();
  }

  /** Which result columns to keep (the hidden rowid only shows when asked for by name). */
  async name(
    client: pg.PoolClient,
    fields: pg.FieldDef[],
    catalog: Catalog,
  ): Promise<{ names: string[]; keep: number[] }> {
    const missing = [
      ...new Set(fields.filter((f) => f.tableID !== 0 && !this.relations.has(f.tableID)).map((f) => f.tableID)),
    ];
    if (missing.length) {
      const result = await client.query<{ oid: number; relname: string; attnum: number; attname: string }>(
        `SELECT c.oid::int AS oid, c.relname, a.attnum::int AS attnum, a.attname
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
          WHERE c.oid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`,
        [missing],
      );
      for (const row of result.rows) {
        let rel = this.relations.get(row.oid);
        if (!rel) this.relations.set(row.oid, (rel = { relname: row.relname, attnames: new Map() }));
        rel.attnames.set(row.attnum, row.attname);
      }
    }
    const names: string[] = [];
    const keep: number[] = [];
    fields.forEach((field, i) => {
      if (field.name === ROWID_RESULT) return;
      const rel = field.tableID ? this.relations.get(field.tableID) : undefined;
      const attname = rel?.attnames.get(field.columnID);
      if (attname === ROWID_COLUMN && field.name === ROWID_COLUMN) return;
      keep.push(i);
      // SQLite names `SELECT rowid` after the INTEGER PRIMARY KEY column the rowid is.
      const rowidAlias =
        rel && attname === ROWID_COLUMN && ROWID_NAMES.has(field.name.toLowerCase())
          ? catalog.table(rel.relname)?.rowidAlias
          : undefined;
      if (rowidAlias) names.push(rowidAlias);
      else if (rel && attname === field.name) {
        const declared = catalog.table(rel.relname)?.columns.find((c) => c.name.toLowerCase() === attname)?.name;
        names.push(declared ?? field.name);
      } else names.push(field.name);
    });
    return { names, keep };
  }
}
