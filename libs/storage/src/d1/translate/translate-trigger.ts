import { createHash } from 'node:crypto';
import { D1SqlError } from '../d1-errors.js';
import { items, keywordText, kid, kids, nameOf, type N } from './cst.js';
import { pgName } from './identifiers.js';
import { SqlEmitter } from './translate-expr.js';
import { translateStatement, type CatalogLookup } from './translate-statement.js';

/**
 * The Postgres trigger and function behind a SQLite trigger: named from a hash of the (folded)
 * SQLite name, so any name fits Postgres' 63 bytes, and after the `kiln_rowid` trigger, which
 * Postgres fires first (it fires a table's triggers in name order).
 */
export function triggerFunctionName(name: string): string {
  return `kiln_trg_${createHash('sha256').update(name.toLowerCase()).digest('hex').slice(0, 24)}`;
}

export interface TriggerPlan {
  name: string;
  table: string;
  statements: string[];
}

/**
 * `CREATE TRIGGER name BEFORE|AFTER INSERT|UPDATE [OF cols]|DELETE ON t [FOR EACH ROW] [WHEN e]
 * BEGIN ...; END` as a plpgsql row trigger. The body's statements are translated like the app's
 * (NEW./OLD. name the row); a SELECT runs as PERFORM, for its RAISE(). Each write adds its row
 * count to `kiln.trigger_changes`, which the executor adds to meta.changes (SQLite's
 * total_changes counts trigger writes, changes() does not). As with SQLite's default
 * (recursive_triggers off), a trigger does not fire again from its own body's writes.
 */
export function translateTrigger(e: SqlEmitter, node: N, catalog: CatalogLookup): TriggerPlan {
  const name = nameOf(kid(node, 'name'));
  const tableNode = kid(kid(node, 'target') ?? node, 'table');
  const table = nameOf(tableNode?.type === 'member_expr' ? kid(tableNode, 'property') : tableNode);
  const time = keywordText(node.timeKw) || 'BEFORE';
  const event = kid(node, 'event');
  const action = keywordText(event?.eventKw);
  if (time === 'INSTEAD OF') {
    if (catalog.table(table)) throw new D1SqlError(`cannot create INSTEAD OF trigger on table: ${table}`);
    throw new D1SqlError('INSTEAD OF triggers are not supported by Kiln D1');
  }
  if (catalog.isView?.(table)) throw new D1SqlError(`cannot create ${time} trigger on view: ${table}`);
  const info = catalog.table(table);
  if (!info) throw new D1SqlError(`no such table: main.${table}`);
  const columns = items(kid(event ?? node, 'columns')).map((c) => pgName(nameOf(c)));
  const when = kid(kids(node, 'clauses').find((c) => c.type === 'when_clause') ?? node, 'expr');
  const program = kid(kid(node, 'body') ?? node, 'program');
  const body = kids(program, 'statements').filter((s) => s.type !== 'empty');
  const { text, base } = e.ctx.source;
  const lines = body.map((statement) => {
    const translated = translateStatement({ node: statement as never, text, start: base }, [], catalog, {
      trigger: true,
    });
    if (translated.kind !== 'dml') throw new D1SqlError('only INSERT, UPDATE, DELETE and SELECT can be in a trigger');
    if (!translated.writes) return `PERFORM * FROM (${translated.sql}) AS kiln_select;`;
    return `${translated.sql};\n  GET DIAGNOSTICS kiln_rows = ROW_COUNT;\n  PERFORM kiln_sqlite.trigger_changes(kiln_rows);`;
  });
  // WHEN reads NEW./OLD. like the body: it is emitted in trigger mode too.
  const condition = when ? new SqlEmitter({ ...e.ctx, trigger: true }).cond(when) : undefined;
  // BEFORE row triggers hand back the row to write; AFTER triggers' result is ignored.
  const pass = time === 'AFTER' ? 'NULL' : action === 'DELETE' ? 'OLD' : 'NEW';
  const work = lines.join('\n  ');
  const fn = triggerFunctionName(name);
  const source = [
    'DECLARE kiln_rows bigint;',
    'BEGIN',
    `  IF NOT kiln_sqlite.trigger_enter(TG_NAME) THEN RETURN ${pass}; END IF;`,
    condition ? `  IF COALESCE(${condition}, false) THEN\n  ${work}\n  END IF;` : `  ${work}`,
    '  PERFORM kiln_sqlite.trigger_leave(TG_NAME);',
    `  RETURN ${pass};`,
    'END',
  ].join('\n');
  const tag = dollarTag(source);
  const events = `${action}${columns.length ? ` OF ${columns.join(', ')}` : ''}`;
  return {
    name,
    table: info.name,
    statements: [
      `CREATE FUNCTION "${fn}"() RETURNS trigger LANGUAGE plpgsql AS ${tag}\n${source}\n${tag}`,
      `CREATE TRIGGER "${fn}" ${time} ${events} ON ${pgName(info.name)} FOR EACH ROW EXECUTE FUNCTION "${fn}"()`,
    ],
  };
}

/** A dollar-quote tag the function body does not contain (app text could hold any other). */
function dollarTag(source: string): string {
  let n = 0;
  while (source.includes(`$kiln${n}$`)) n++;
  return `$kiln${n}$`;
}
