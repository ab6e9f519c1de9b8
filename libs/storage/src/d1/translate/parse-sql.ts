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
