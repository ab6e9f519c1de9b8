import type { TableInfo } from './table-info.js';

type Event = 'delete' | 'update';

/**
 * The tables (lower-case names) whose rows a DELETE or UPDATE of `table` can change through
 * foreign-key actions, transitively. D1's meta.changes counts those rows too (SQLite's
 * total_changes does); Postgres reports only the statement's own rows.
 */
export function cascadeTargets(table: string, event: Event, all: readonly TableInfo[]): string[] {
  const out = new Set<string>();
  const queue: [string, Event][] = [[table.toLowerCase(), event]];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [parent, change] = next;
    for (const child of all) {
      for (const fk of child.foreignKeys) {
        if (fk.table.toLowerCase() !== parent) continue;
        const action = change === 'delete' ? fk.onDelete : fk.onUpdate;
        if (action !== 'CASCADE' && action !== 'SET NULL' && action !== 'SET DEFAULT') continue;
        const name = child.name.toLowerCase();
        if (out.has(name)) continue;
        out.add(name);
        queue.push([name, change === 'delete' && action === 'CASCADE' ? 'delete' : 'update']);
      }
    }
  }
  return [...out];
}
