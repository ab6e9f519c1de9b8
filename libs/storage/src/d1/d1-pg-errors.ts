import type { DatabaseError } from 'pg';
import type { Catalog } from './d1-catalog.js';
import { D1SqlError } from './d1-errors.js';

const isPgError = (error: unknown): error is DatabaseError =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  typeof error.code === 'string' &&
  'severity' in error;

function displayTable(catalog: Catalog, name: string | undefined): string {
  return name ? (catalog.object(name, 'table')?.name ?? name) : '?';
}

function displayColumn(catalog: Catalog, table: string | undefined, column: string): string {
  const info = table ? catalog.table(table) : undefined;
  return info?.columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.name ?? column;
}

/**
 * Rewords a Postgres error as the SQLite error an app written against D1 matches on. Anything
 * without a SQLite counterpart keeps Postgres' text under SQLITE_ERROR.
 */
export function fromPgError(error: unknown, catalog: Catalog, source = ''): D1SqlError | undefined {
  if (!isPgError(error)) return undefined;
  const table = error.table;
  const shown = displayTable(catalog, table);
  const make = (message: string, code = 'SQLITE_ERROR', extended?: string) =>
    new D1SqlError(message, code, extended, { cause: error });
  switch (error.code) {
    case '23505': {
      const columns = /^Key \((.*)\)=/.exec(error.detail ?? '')?.[1]?.split(', ') ?? [];
      // A NOCASE key's index is on kiln_sqlite.fold_ascii(column).
      const bare = (c: string) => c.replace(/^kiln_sqlite\.fold_ascii\((.*)\)$/, '$1').replace(/^"|"$/g, '');
      const names = columns.map((c) => `${shown}.${displayColumn(catalog, table, bare(c))}`).join(', ');
      // An index on expressions: SQLite names the index instead of columns.
      const index = error.constraint ? catalog.object(error.constraint, 'index') : undefined;
      if (index && columns.some((c) => bare(c).includes('(')))
        return make(`UNIQUE constraint failed: index '${index.name}'`, 'SQLITE_CONSTRAINT', 'SQLITE_CONSTRAINT_UNIQUE');
      const primary = error.constraint?.endsWith('_pkey') ?? false;
      return make(
        `UNIQUE constraint failed: ${names}`,
        'SQLITE_CONSTRAINT',
        primary ? 'SQLITE_CONSTRAINT_PRIMARYKEY' : 'SQLITE_CONSTRAINT_UNIQUE',
      );
    }
    case '23502':
      return make(
        `NOT NULL constraint failed: ${shown}.${displayColumn(catalog, table, error.column ?? '?')}`,
        'SQLITE_CONSTRAINT',
        'SQLITE_CONSTRAINT_NOTNULL',
      );
    case '23514': {
      const index = /^kiln_ck_(\d+)$/.exec(error.constraint ?? '')?.[1];
      const check = index !== undefined && table ? catalog.table(table)?.checks[Number(index)] : undefined;
      return make(
        `CHECK constraint failed: ${check ?? error.constraint ?? shown}`,
        'SQLITE_CONSTRAINT',
        'SQLITE_CONSTRAINT_CHECK',
      );
    }
    case '23503':
      return make('FOREIGN KEY constraint failed', 'SQLITE_CONSTRAINT', 'SQLITE_CONSTRAINT_FOREIGNKEY');
    case '42P01': {
      const name = /relation "([^"]+)" does not exist/.exec(error.message)?.[1] ?? '?';
      // The translator drops a `main.` qualifier; SQLite names the table as the app wrote it.
      const qualified = new RegExp(`\\bmain\\s*\\.\\s*["\`[]?${escapeRegExp(name)}\\b`, 'i').test(source);
      return make(`no such table: ${qualified ? 'main.' : ''}${name}`);
    }
    case '42703': {
      const name = /column "?([^"]+?)"? does not exist/.exec(error.message)?.[1] ?? '?';
      return make(`no such column: ${name}${offsetOf(source, name)}`);
    }
    case '42702': {
      const name = /column reference "([^"]+)" is ambiguous/.exec(error.message)?.[1] ?? '?';
      return make(`ambiguous column name: ${name}`);
    }
    case '42601':
      return make(`near "${/at or near "([^"]*)"/.exec(error.message)?.[1] ?? ''}": syntax error`);
    case '22032':
      return make('malformed JSON');
    case 'KLN01':
      // RAISE(ABORT|FAIL|ROLLBACK, 'message') in a trigger.
      return make(error.message, 'SQLITE_CONSTRAINT', 'SQLITE_CONSTRAINT_TRIGGER');
    case '22P02':
    case '42804':
    case '42883':
      return make(`datatype mismatch (${error.message})`, 'SQLITE_MISMATCH');
    case '22003':
      return make('integer overflow');
    case '54001':
      return make('Expression tree is too large (maximum depth 1000)');
    case '25006':
      return make('attempt to write a readonly database', 'SQLITE_READONLY');
    case '42P07':
      return make(`table ${shown} already exists`);
    default:
      return make(error.message);
  }
}

/**
 * workerd appends SQLite's error offset (sqlite3_error_offset) to the message. Postgres' position
 * is in the translated SQL, so the offset is found again in the app's text: the first use of the
 * name as a whole word outside string literals.
 */
function offsetOf(source: string, name: string): string {
  if (!source || name.includes('.')) return '';
  const blanked = source.replace(/'(?:[^']|'')*'/g, (m) => ' '.repeat(m.length));
  const at = new RegExp(`(?<![\\w"\`\\]])["\`[]?${escapeRegExp(name)}(?![\\w])`, 'i').exec(blanked)?.index;
  return at === undefined ? '' : ` at offset ${at}`;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
