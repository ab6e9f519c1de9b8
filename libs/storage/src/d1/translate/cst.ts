import { show, type Node } from 'sql-parser-cst';

/**
 * sql-parser-cst's node types are a large union; the translator walks them generically, so it
 * reads fields through these helpers instead of narrowing every variant.
 */
export interface N {
  type: string;
  range?: [number, number];
  [key: string]: unknown;
}

export const isNode = (value: unknown): value is N =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { type?: unknown }).type === 'string';

export function kid(node: N, key: string): N | undefined {
  const value = node[key];
  return isNode(value) ? value : undefined;
}

export function kids(node: N | undefined, key: string): N[] {
  if (!node) return [];
  const value = node[key];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

/** Items of a `list_expr`, or of a `paren_expr` around one. */
export function items(node: N | undefined): N[] {
  if (!node) return [];
  if (node.type === 'paren_expr') return items(kid(node, 'expr'));
  if (node.type === 'list_expr') return kids(node, 'items');
  return [node];
}

export const nameOf = (node: N | undefined): string =>
  node && typeof node.name === 'string' ? node.name : node && typeof node.text === 'string' ? node.text : '';

/** A keyword field (one keyword or several) as upper-case words. */
export function keywordText(value: unknown): string {
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter(isNode)
    .map((k) => (typeof k.text === 'string' ? k.text : '').toUpperCase())
    .join(' ');
}

export const operatorOf = (node: N): string => {
  const op = node.operator;
  return (
    Array.isArray(op)
      ? op.map((k) => (isNode(k) ? String(k.text) : String(k))).join(' ')
      : isNode(op)
        ? String(op.text)
        : String(op)
  ).toUpperCase();
};

/** A node that prints as the given text: how translated pieces are put back for `show()`. */
export const raw = (text: string): N => ({ type: 'identifier', text, name: text });

export const showNode = (node: N): string => show(node as unknown as Node);

export function whitespace(node: N, side: 'leading' | 'trailing'): string {
  const ws = node[side];
  return Array.isArray(ws) ? ws.map((w: { text?: string }) => w.text ?? '').join('') : '';
}
