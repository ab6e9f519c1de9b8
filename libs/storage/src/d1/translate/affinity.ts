/** SQLite's five column affinities, decided from the declared type name (sqlite.org/datatype3 §3.1). */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export function affinityOf(declared: string): Affinity {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * The Postgres type a column is stored as. Postgres columns hold one type, so we pick the one
 * the affinity makes most values end up as in SQLite. NUMERIC affinity is split by name: apps
 * declare DATETIME/DATE/JSON columns and store text in them, BOOLEAN columns hold 0/1, and only
 * NUMERIC/DECIMAL columns hold numbers. Untyped columns (BLOB affinity without BLOB in the name)
 * usually hold text in generated apps, so they are text; declared BLOB is bytea.
 */
export function storageType(declared: string): string {
  const t = declared.toUpperCase();
  switch (affinityOf(declared)) {
    case 'INTEGER':
      return 'bigint';
    case 'TEXT':
      return 'text';
    case 'REAL':
      return 'double precision';
    case 'BLOB':
      return t.includes('BLOB') ? 'bytea' : 'text';
    case 'NUMERIC':
      if (t.includes('BOOL')) return 'bigint';
      if (t.includes('NUM') || t.includes('DEC')) return 'numeric';
      return 'text';
  }
}

/** `CAST(x AS type)` follows the affinity too, minus the column heuristics. */
export function castType(declared: string): string {
  switch (affinityOf(declared)) {
    case 'INTEGER':
      return 'bigint';
    case 'TEXT':
      return 'text';
    case 'REAL':
      return 'double precision';
    case 'BLOB':
      return 'bytea';
    case 'NUMERIC':
      return 'numeric';
  }
}
