import { isNode, kid, nameOf, type N } from './cst.js';
import { parseSql } from './parse-sql.js';

/** Keys under which a node names a table rather than a column. */
const TABLE_KEYS: Record<string, string[]> = {
  trigger_target: ['table'],
  insert_clause: ['table'],
  update_clause: ['tables'],
  delete_clause: ['tables'],
  from_clause: ['expr'],
  join_expr: ['left', 'right'],
};

/**
 * SQLite's ALTER TABLE … RENAME TO rewrites every reference to the table in the stored SQL of
 * triggers (`ON "new"`, `INSERT INTO "new"`, `"new".col`), quoting the new name. The references
 * are found in the parse tree: table positions, and qualifiers of column references.
 */
export function renameTableInSql(sql: string, from: string, to: string): string {
  const [parsed] = parseSql(sql);
  if (!parsed) return sql;
  const lower = from.toLowerCase();
  const ranges: [number, number][] = [];
  const mark = (node: N | undefined) => {
    if (node?.type === 'identifier' && nameOf(node).toLowerCase() === lower && node.range) ranges.push(node.range);
  };
  const table = (node: N | undefined): void => {
    if (!node) return;
    if (node.type === 'identifier') mark(node);
    else if (node.type === 'alias') table(kid(node, 'expr'));
    else if (node.type === 'list_expr') (node.items as unknown[]).filter(isNode).forEach(table);
    else if (node.type === 'member_expr') mark(kid(node, 'property'));
    else visit(node);
  };
  const visit = (node: N): void => {
    const tableKeys = TABLE_KEYS[node.type] ?? [];
    if (node.type === 'member_expr') mark(kid(node, 'object'));
    for (const [key, value] of Object.entries(node)) {
      if (tableKeys.includes(key) && isNode(value)) table(value);
      else if (isNode(value)) visit(value);
      else if (Array.isArray(value)) value.filter(isNode).forEach(visit);
    }
  };
  visit(parsed.node as unknown as N);
  const quoted = `"${to.replace(/"/g, '""')}"`;
  let out = sql;
  for (const [start, end] of ranges.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + quoted + out.slice(end);
  return out;
}
