import { D1SqlError } from '../d1-errors.js';
import { items, kid, nameOf, type N } from './cst.js';
import type { SqlEmitter } from './translate-expr.js';
import { comparesNocase, folded, isJsonValue } from './translate-operators.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

interface Call {
  e: SqlEmitter;
  node: N;
  args: N[];
  /** `DISTINCT ` when the call had it. */
  distinct: string;
  /** FILTER (...) and OVER (...) as translated text, for aggregates and window functions. */
  tail: string;
}

type Handler = (call: Call) => string;

const v = (c: Call, i: number): string => (c.args[i] ? c.e.concrete(c.args[i]) : 'NULL');
/** An argument whose type the function keeps (typeof, JSON builders, min/max): jsonb stays jsonb. */
const tv = (c: Call, i: number): string => (c.args[i] ? c.e.typedValue(c.args[i]) : 'NULL');
/** An argument used as a number: a JSON value is read as one. */
const num = (c: Call, i: number): string => {
  const arg = c.args[i];
  return arg && isJsonValue(c.e, arg) ? `kiln_sqlite.jnum(${c.e.emit(arg)})` : v(c, i);
};
const loose = (c: Call, i: number): string => (c.args[i] ? c.e.loose(c.args[i]) : 'NULL');
/** min()/max() of text literals compare them by bytes. */
const literalOrLoose = (c: Call, i: number): string => {
  const arg = c.args[i];
  return (arg && c.e.binaryLiteral(arg)) ?? loose(c, i);
};
/** A bare '…' or NULL handed to a polymorphic function: Postgres cannot type it, SQLite's is text. */
const typed = (c: Call, i: number): string => {
  const type = c.args[i]?.type;
  return type === 'string_literal' || type === 'null_literal' ? `(${v(c, i)})::text` : tv(c, i);
};
const polymorphic =
  (name: string): Handler =>
  (c) => {
    arity(c, name, 1, 1);
    return `kiln_sqlite.${name}(${typed(c, 0)})`;
  };
const all = (c: Call, from = 0): string[] => c.args.slice(from).map((a) => c.e.concrete(a));
const asText = (c: Call, from = 0): string =>
  c.args
    .slice(from)
    .map((a) => `(${c.e.concrete(a)})::text`)
    .join(', ');
const textArray = (c: Call, from = 0): string =>
  c.args.length > from ? `VARIADIC ARRAY[${asText(c, from)}]::text[]` : `VARIADIC '{}'::text[]`;

const kiln =
  (name: string, min: number, max: number): Handler =>
  (c) => {
    arity(c, name, min, max);
    return `kiln_sqlite.${name}(${all(c).join(', ')})`;
  };
const builtin =
  (pg: string, min: number, max: number): Handler =>
  (c) => {
    arity(c, pg, min, max);
    return `${pg}(${c.distinct}${all(c).join(', ')})${c.tail}`;
  };
const dateFn =
  (name: string): Handler =>
  (c) =>
    `kiln_sqlite.${name}(${textArray(c)})`;
const jsonEdit =
  (mode: string): Handler =>
  (c) => {
    const pairs: string[] = [];
    for (let i = 1; i < c.args.length; i++) {
      pairs.push(mode === 'remove' || i % 2 === 1 ? `(${v(c, i)})::text` : `to_jsonb(${typed(c, i)})::text`);
    }
    return `kiln_sqlite.json_edit('${mode}', (${v(c, 0)})::text, VARIADIC ARRAY[${pairs.join(', ')}]::text[])`;
  };

function arity(c: Call, name: string, min: number, max: number): void {
  if (c.args.length < min || c.args.length > max) {
    throw new D1SqlError(`wrong number of arguments to function ${nameOf(kid(c.node, 'name')) || name}()`);
  }
}

/**
 * SQLite's built-in functions. Anything not listed is `no such function`, which also keeps
 * Postgres' own functions (set_config, pg_read_file, dblink...) out of reach.
 */
const FUNCTIONS: Record<string, Handler> = {
  // aggregates
  count: (c) => {
    const arg = c.args[0];
    // DISTINCT compares with the column's collation: a NOCASE column's values by folded case.
    if (c.distinct && arg && c.args.length === 1 && comparesNocase(c.e, arg))
      return `count(DISTINCT ${folded(c.e, arg)})${c.tail}`;
    return `count(${c.distinct}${c.args.length === 0 || arg?.type === 'all_columns' ? '*' : all(c).join(', ')})${c.tail}`;
  },
  sum: (c) => `sum(${c.distinct}${num(c, 0)})${c.tail}`,
  avg: (c) => `avg(${c.distinct}${num(c, 0)})::float8${c.tail}`,
  total: (c) =>
    `COALESCE(sum(${c.distinct}(${c.args[0]?.type === 'string_literal' ? typed(c, 0) : num(c, 0)})::float8), 0)::float8${c.tail}`,
  min: (c) =>
    c.args.length > 1
      ? `kiln_sqlite.min_scalar(${c.args.map((_, i) => literalOrLoose(c, i)).join(', ')})`
      : `${c.args[0] && isJsonValue(c.e, c.args[0]) ? 'kiln_sqlite.value_min' : 'min'}(${c.distinct}${tv(c, 0)})${c.tail}`,
  max: (c) =>
    c.args.length > 1
      ? `kiln_sqlite.max_scalar(${c.args.map((_, i) => literalOrLoose(c, i)).join(', ')})`
      : `${c.args[0] && isJsonValue(c.e, c.args[0]) ? 'kiln_sqlite.value_max' : 'max'}(${c.distinct}${tv(c, 0)})${c.tail}`,
  group_concat: (c) =>
    `string_agg(${c.distinct}(${v(c, 0)})::text, ${c.args[1] ? `(${v(c, 1)})::text` : `','`})${c.tail}`,
  string_agg: (c) => `string_agg(${c.distinct}(${v(c, 0)})::text, (${v(c, 1)})::text)${c.tail}`,
  json_group_array: (c) => `kiln_sqlite.json_min(COALESCE(json_agg(${c.distinct}${tv(c, 0)})${c.tail}, '[]'::json))`,
  json_group_object: (c) =>
    `kiln_sqlite.json_min(COALESCE(json_object_agg(${v(c, 0)}, ${tv(c, 1)})${c.tail}, '{}'::json))`,
  // window functions
  row_number: builtin('row_number', 0, 0),
  rank: builtin('rank', 0, 0),
  dense_rank: builtin('dense_rank', 0, 0),
  percent_rank: builtin('percent_rank', 0, 0),
  cume_dist: builtin('cume_dist', 0, 0),
  ntile: builtin('ntile', 1, 1),
  lag: builtin('lag', 1, 3),
  lead: builtin('lead', 1, 3),
  first_value: builtin('first_value', 1, 1),
  last_value: builtin('last_value', 1, 1),
  nth_value: builtin('nth_value', 2, 2),
  // scalars
  coalesce: (c) => `COALESCE(${c.args.map((_, i) => loose(c, i)).join(', ')})`,
  ifnull: (c) => (arity(c, 'ifnull', 2, 2), `COALESCE(${loose(c, 0)}, ${loose(c, 1)})`),
  nullif: (c) => (arity(c, 'nullif', 2, 2), `NULLIF(${loose(c, 0)}, ${loose(c, 1)})`),
  iif: (c) => (
    arity(c, 'iif', 3, 3),
    `CASE WHEN ${c.e.cond(c.args[0] as N)} THEN ${loose(c, 1)} ELSE ${loose(c, 2)} END`
  ),
  abs: builtin('abs', 1, 1),
  // SQLite folds ASCII letters only; Postgres' lower/upper follow the server's locale.
  lower: (c) => `translate((${v(c, 0)})::text, '${UPPER}', '${LOWER}')`,
  upper: (c) => `translate((${v(c, 0)})::text, '${LOWER}', '${UPPER}')`,
  trim: (c) => `btrim((${v(c, 0)})::text${c.args[1] ? `, (${v(c, 1)})::text` : ''})`,
  ltrim: (c) => `ltrim((${v(c, 0)})::text${c.args[1] ? `, (${v(c, 1)})::text` : ''})`,
  rtrim: (c) => `rtrim((${v(c, 0)})::text${c.args[1] ? `, (${v(c, 1)})::text` : ''})`,
  replace: (c) => `replace((${v(c, 0)})::text, (${v(c, 1)})::text, (${v(c, 2)})::text)`,
  length: kiln('length', 1, 1),
  octet_length: (c) => `octet_length(${v(c, 0)})`,
  substr: (c) => `kiln_sqlite.substr((${v(c, 0)})::text, ${all(c, 1).join(', ')})`,
  substring: (c) => `kiln_sqlite.substr((${v(c, 0)})::text, ${all(c, 1).join(', ')})`,
  instr: (c) => `kiln_sqlite.instr((${v(c, 0)})::text, (${v(c, 1)})::text)`,
  hex: kiln('hex', 1, 1),
  unhex: (c) => `kiln_sqlite.unhex((${v(c, 0)})::text)`,
  randomblob: kiln('randomblob', 1, 1),
  zeroblob: kiln('zeroblob', 1, 1),
  random: kiln('random', 0, 0),
  round: (c) => `kiln_sqlite.round(${all(c).join(', ')})`,
  typeof: polymorphic('typeof'),
  quote: polymorphic('quote'),
  char: (c) => `concat(${c.args.map((_, i) => `chr((${v(c, i)})::int)`).join(', ')})`,
  unicode: (c) => `ascii((${v(c, 0)})::text)`,
  printf: (c) => `kiln_sqlite.printf((${v(c, 0)})::text, ${textArray(c, 1)})`,
  format: (c) => `kiln_sqlite.printf((${v(c, 0)})::text, ${textArray(c, 1)})`,
  sign: (c) => `sign(${v(c, 0)})::bigint`,
  changes: kiln('changes', 0, 0),
  total_changes: kiln('total_changes', 0, 0),
  last_insert_rowid: kiln('last_insert_rowid', 0, 0),
  likely: (c) => v(c, 0),
  unlikely: (c) => v(c, 0),
  sqlite_version: () => `'3.45.0'`,
  // date and time
  datetime: dateFn('datetime'),
  date: dateFn('date'),
  time: dateFn('time'),
  julianday: dateFn('julianday'),
  unixepoch: dateFn('unixepoch'),
  strftime: (c) => `kiln_sqlite.strftime((${v(c, 0)})::text, ${textArray(c, 1)})`,
  current_timestamp: () => 'kiln_sqlite.current_timestamp()',
  current_date: () => 'kiln_sqlite.current_date()',
  current_time: () => 'kiln_sqlite.current_time()',
  // JSON
  json: (c) => `kiln_sqlite.json((${v(c, 0)})::text)`,
  json_extract: (c) => `kiln_sqlite.json_extract((${v(c, 0)})::text, ${textArray(c, 1)})`,
  json_object: (c) =>
    `kiln_sqlite.json_min(json_build_object(${c.args.map((_, i) => (i % 2 ? tv(c, i) : v(c, i))).join(', ')}))`,
  json_array: (c) => `kiln_sqlite.json_min(json_build_array(${c.args.map((_, i) => tv(c, i)).join(', ')}))`,
  json_type: (c) => `kiln_sqlite.json_type(${asText(c)})`,
  json_array_length: (c) => `kiln_sqlite.json_array_length(${asText(c)})`,
  json_valid: (c) => `kiln_sqlite.json_valid((${v(c, 0)})::text)`,
  json_quote: polymorphic('json_quote'),
  json_set: jsonEdit('set'),
  json_insert: jsonEdit('insert'),
  json_replace: jsonEdit('replace'),
  json_remove: jsonEdit('remove'),
};

/** Math functions SQLite ships when built with them (D1's SQLite is). */
for (const name of [
  'ceil',
  'ceiling',
  'floor',
  'sqrt',
  'exp',
  'ln',
  'log10',
  'sin',
  'cos',
  'tan',
  'pi',
  'trunc',
  'power',
  'pow',
  'mod',
]) {
  FUNCTIONS[name] = (c) =>
    `${name === 'pow' ? 'power' : name === 'ceiling' ? 'ceil' : name}(${c.args.map((a) => `(${c.e.concrete(a)})::float8`).join(', ')})`;
}

/** SQLite's argument counts for functions whose handlers do not check them ([min, max]). */
const ARITY: Record<string, [number, number]> = {
  sum: [1, 1],
  avg: [1, 1],
  total: [1, 1],
  min: [1, Infinity],
  max: [1, Infinity],
  group_concat: [1, 2],
  coalesce: [2, Infinity],
  abs: [1, 1],
  lower: [1, 1],
  upper: [1, 1],
  trim: [1, 2],
  ltrim: [1, 2],
  rtrim: [1, 2],
  replace: [3, 3],
  length: [1, 1],
  octet_length: [1, 1],
  substr: [2, 3],
  substring: [2, 3],
  instr: [2, 2],
  hex: [1, 1],
  unhex: [1, 2],
  randomblob: [1, 1],
  zeroblob: [1, 1],
  random: [0, 0],
  round: [1, 2],
  unicode: [1, 1],
  printf: [1, Infinity],
  format: [1, Infinity],
  sign: [1, 1],
  likely: [1, 1],
  unlikely: [1, 1],
  json_extract: [1, Infinity],
  json_array_length: [1, 2],
  json_type: [1, 2],
  json_valid: [1, 2],
  json_set: [1, Infinity],
  json_insert: [1, Infinity],
  json_replace: [1, Infinity],
  json_remove: [1, Infinity],
};

export function translateCall(e: SqlEmitter, node: N): string {
  const nameNode = kid(node, 'name');
  if (!nameNode || nameNode.type !== 'identifier') throw new D1SqlError('no such function');
  const name = nameOf(nameNode).toLowerCase();
  const handler = FUNCTIONS[name];
  if (!handler) throw new D1SqlError(`no such function: ${nameOf(nameNode)}`);
  const argsNode = kid(kid(node, 'args') ?? node, 'expr');
  const args = argsNode?.type === 'func_args' ? items(kid(argsNode, 'args')) : [];
  const distinct = argsNode && kid(argsNode, 'distinctKw') ? 'DISTINCT ' : '';
  const filter = kid(node, 'filter');
  const over = kid(node, 'over');
  const tail = `${filter ? ` ${e.generic(filter)}` : ''}${over ? ` ${e.generic(over)}` : ''}`;
  const call = { e, node, args, distinct, tail };
  const counts = ARITY[name];
  if (counts) arity(call, name, counts[0], counts[1]);
  return handler(call);
}
