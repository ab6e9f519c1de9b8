import { parse, type Program, type Statement } from 'sql-parser-cst';
import { D1SqlError } from '../d1-errors.js';

export interface ParsedStatement {
  node: Statement;
  /** The statement's own text, without the separating semicolon. */
  text: string;
  start: number;
}

/**
 * Parses SQLite SQL into statements. sql-parser-cst's grammar is SQLite's, so what it refuses
 * SQLite refuses too; the message is reworded to SQLite's `near "X": syntax error`, with the
 * offset D1 appends.
 */
export function parseSql(sql: string): ParsedStatement[] {
  const cached = PARSED.get(sql);
  if (cached) {
    // Least recently used goes first: a hit moves the entry to the end.
    PARSED.delete(sql);
    PARSED.set(sql, cached);
    return [...cached];
  }
  const parsed = parseUncached(sql);
  if (sql.length <= CACHE_MAX_SQL) {
    PARSED.set(sql, parsed);
    if (PARSED.size > CACHE_ENTRIES) PARSED.delete(PARSED.keys().next().value as string);
  }
  return [...parsed];
}

/**
 * Parsing costs ~0.2 ms a statement, as much as a Postgres round trip, and apps send the same
 * statement texts again and again (a 100-row batch is one text 100 times). The trees are never
 * modified after parsing (the emitter copies nodes), so they are shared.
 */
const PARSED = new Map<string, ParsedStatement[]>();
const CACHE_ENTRIES = 512;
const CACHE_MAX_SQL = 8_000;

function parseUncached(sql: string): ParsedStatement[] {
  let program: Program;
  try {
    program = parse(sql, {
      dialect: 'sqlite',
      includeRange: true,
      includeSpaces: true,
      includeNewlines: true,
      paramTypes: ['?', '?nr', ':name', '@name', '$name'],
    });
  } catch (error) {
    throw syntaxError(sql, error);
  }
  const out: ParsedStatement[] = [];
  for (const node of program.statements) {
    if (node.type === 'empty' || !node.range) continue;
    out.push({ node, text: sql.slice(node.range[0], node.range[1]), start: node.range[0] });
  }
  return out;
}

function syntaxError(sql: string, error: unknown): D1SqlError {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.startsWith('Syntax Error')) return new D1SqlError(message, 'SQLITE_ERROR', undefined, { cause: error });
  const unexpected = /Unexpected "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  if (!unexpected) return new D1SqlError('incomplete input', 'SQLITE_ERROR', undefined, { cause: error });
  const where = /-->[^\n]*:(\d+):(\d+)/.exec(message);
  const offset = where
    ? lineColumnToOffset(sql, Number(where[1]), Number(where[2]))
    : Math.max(0, sql.indexOf(unexpected));
  // A parameter sigil with no name after it is not a token at all to SQLite's tokenizer.
  if (/^[:@$#](?![A-Za-z0-9_])/.test(sql.slice(offset)))
    return new D1SqlError(
      `unrecognized token: "${sql.charAt(offset)}" at offset ${offset}`,
      'SQLITE_ERROR',
      undefined,
      {
        cause: error,
      },
    );
  // SQLite reports the whole token; the parser reports what it could not match, often shorter.
  const token = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(offset))?.[0] ?? unexpected;
  return new D1SqlError(`near "${token}": syntax error at offset ${offset}`, 'SQLITE_ERROR', undefined, {
    cause: error,
  });
}

function lineColumnToOffset(sql: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = sql.indexOf('\n', offset) + 1;
  return offset + column - 1;
}
