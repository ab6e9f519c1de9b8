import { D1SqlError } from '../d1-errors.js';

/** A bound value as D1 sends it: blobs arrive as arrays of byte values. */
export type D1Value = null | number | string | number[];

export const MAX_BOUND_PARAMETERS = 100;

/**
 * Numbers placeholders the way sqlite3_bind_parameter_index does: `?` takes the largest index so
 * far plus one, `?NNN` takes NNN, and a named parameter takes a new index at its first use and
 * keeps it. D1 then binds its positional array to those indexes.
 */
export class ParamNumbering {
  private largest = 0;
  private readonly named = new Map<string, number>();
  private readonly loose = new Set<number>();

  indexOf(text: string): number {
    let index: number;
    if (text === '?') index = this.largest + 1;
    else if (text.startsWith('?')) index = Number(text.slice(1));
    else {
      const known = this.named.get(text);
      index = known ?? this.largest + 1;
      this.named.set(text, index);
    }
    if (!Number.isInteger(index) || index < 1 || index > MAX_BOUND_PARAMETERS) {
      throw new D1SqlError(`variable number must be between ?1 and ?${MAX_BOUND_PARAMETERS}`);
    }
    this.largest = Math.max(this.largest, index);
    return index;
  }

  get count(): number {
    return this.largest;
  }

  /**
   * Records a use of the index where Postgres infers its type from the context (a column it is
   * stored in); true when it was already used that way. Postgres gives a parameter one type, so
   * `VALUES (@n, @n)` into a TEXT and a REAL column needs the second use written as a literal.
   */
  seenLoose(index: number): boolean {
    const seen = this.loose.has(index);
    this.loose.add(index);
    return seen;
  }
}

/**
 * A bound value written into the SQL as an untyped literal (Postgres coerces it like a parameter).
 * Backslashes go through an E'' string, which reads the same whatever standard_conforming_strings
 * says; NUL would end the SQL text in the wire protocol (and Postgres text cannot hold it).
 */
export function inlineValue(value: D1Value | undefined): string {
  if (value === undefined || value === null) return 'NULL';
  if (Array.isArray(value)) return `E'\\\\x${Buffer.from(value).toString('hex')}'::bytea`;
  if (typeof value === 'number') return Number.isFinite(value) ? `'${String(value)}'` : 'NULL';
  if (value.includes('\0')) throw new D1SqlError('text with NUL characters is not supported', 'SQLITE_MISMATCH');
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** The Postgres cast that keeps a bound value's SQLite type where Postgres cannot infer one. */
export function paramCast(value: D1Value | undefined): string {
  if (Array.isArray(value)) return '::bytea';
  if (typeof value === 'number') return Number.isInteger(value) ? '::bigint' : '::float8';
  return '::text';
}

export function toPgValue(value: D1Value | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return Buffer.from(value);
  if (typeof value === 'number')
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value).toString() : String(value);
  return value;
}
