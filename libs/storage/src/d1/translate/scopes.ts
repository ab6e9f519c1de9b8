import { items, kid, kids, nameOf, type N } from './cst.js';
import { isJsonTableCall, VALUE_COLUMNS } from './json-table.js';
import type { TableInfo } from './table-info.js';
import type { CatalogLookup } from './translate-statement.js';

/** What one statement's FROM (or UPDATE/DELETE target) brings into scope, read before it is emitted. */
interface Scope {
  /** Names (lower case) the JSON table functions are reachable by: alias, else function name. */
  jsonTables: Set<string>;
  /** Tables by the name the statement reaches them by (alias, else name; lower case). */
  tables: Map<string, string>;
  /**
   * ORDER BY may only name result columns (SELECT DISTINCT, the last SELECT of a UNION), so it
   * cannot sort on derived keys such as a folded NOCASE value.
   */
  plainOrder: boolean;
}

function scopeOf(statement: N, compoundTail: boolean): Scope {
  const distinct = kids(statement, 'clauses').some(
    (c) => c.type === 'select_clause' && kids(c, 'modifiers').some((m) => m.type === 'select_distinct'),
  );
  const scope: Scope = { jsonTables: new Set(), tables: new Map(), plainOrder: distinct || compoundTail };
  const visit = (node: N | undefined, alias?: string): void => {
    if (!node) return;
    switch (node.type) {
      case 'join_expr':
        visit(kid(node, 'left'));
        visit(kid(node, 'right'));
        break;
      case 'alias':
        visit(kid(node, 'expr'), nameOf(kid(node, 'alias')));
        break;
      case 'paren_expr':
        if (kid(node, 'expr')?.type === 'join_expr') visit(kid(node, 'expr'));
        break;
      case 'func_call':
        if (isJsonTableCall(node)) scope.jsonTables.add((alias ?? nameOf(kid(node, 'name'))).toLowerCase());
        break;
      case 'identifier':
      case 'member_expr': {
        const name = nameOf(node.type === 'member_expr' ? kid(node, 'property') : node);
        scope.tables.set((alias ?? name).toLowerCase(), name);
        break;
      }
      default:
        break;
    }
  };
  for (const clause of kids(statement, 'clauses')) {
    if (clause.type === 'from_clause') visit(kid(clause, 'expr'));
    if (clause.type === 'update_clause' || clause.type === 'delete_clause')
      items(kid(clause, 'tables')).forEach((t) => visit(t));
  }
  return scope;
}

/**
 * The statements being emitted, innermost last, for resolving a column name as SQLite does (the
 * innermost statement whose tables have it): is it a JSON table's value (a jsonb scalar), or a
 * column declared COLLATE NOCASE?
 */
export class Scopes {
  private readonly stack: Scope[] = [];

  constructor(private readonly catalog: CatalogLookup | undefined) {}

  within<T>(statement: N, work: () => T, compoundTail = false): T {
    this.stack.push(scopeOf(statement, compoundTail));
    try {
      return work();
    } finally {
      this.stack.pop();
    }
  }

  /** Whether ORDER BY in the innermost statement can only name result columns. */
  get plainOrder(): boolean {
    return this.stack.at(-1)?.plainOrder ?? false;
  }

  /** Whether the expression is a JSON table's key/value/atom column (a jsonb scalar). */
  isJsonValueColumn(node: N): boolean {
    if (this.stack.every((s) => s.jsonTables.size === 0)) return false;
    const ref = columnRef(node);
    if (!ref || !VALUE_COLUMNS.has(ref.column)) return false;
    return this.resolve(ref)?.json ?? false;
  }

  /** Whether the expression is a column declared COLLATE NOCASE. */
  isNocaseColumn(node: N): boolean {
    const ref = columnRef(node);
    const found = ref ? this.resolve(ref) : undefined;
    return found?.table?.columns.find((c) => c.name.toLowerCase() === ref?.column)?.nocase ?? false;
  }

  private resolve(ref: { qualifier?: string; column: string }): { json: boolean; table?: TableInfo } | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const scope = this.stack[i] as Scope;
      if (ref.qualifier !== undefined) {
        if (scope.jsonTables.has(ref.qualifier)) return { json: true };
        const name = scope.tables.get(ref.qualifier);
        if (name !== undefined) return { json: false, table: this.catalog?.table(name) };
        continue;
      }
      for (const name of scope.tables.values()) {
        const table = this.catalog?.table(name);
        if (table?.columns.some((c) => c.name.toLowerCase() === ref.column)) return { json: false, table };
      }
      if (scope.jsonTables.size > 0 && VALUE_COLUMNS.has(ref.column)) return { json: true };
    }
    return undefined;
  }

  /** The first result column of a SELECT, judged inside that SELECT's scope. */
  firstColumn<T>(select: N, judge: (expr: N) => T): T | undefined {
    if (select.type !== 'select_stmt') return undefined;
    const clause = kids(select, 'clauses').find((c) => c.type === 'select_clause');
    const first = items(kid(clause ?? select, 'columns'))[0];
    const expr = first?.type === 'alias' ? kid(first, 'expr') : first;
    return expr ? this.within(select, () => judge(expr)) : undefined;
  }
}

function columnRef(node: N): { qualifier?: string; column: string } | undefined {
  if (node.type === 'identifier') return { column: nameOf(node).toLowerCase() };
  if (node.type !== 'member_expr') return undefined;
  const object = kid(node, 'object');
  const property = kid(node, 'property');
  if (object?.type !== 'identifier' || property?.type !== 'identifier') return undefined;
  return { qualifier: nameOf(object).toLowerCase(), column: nameOf(property).toLowerCase() };
}
