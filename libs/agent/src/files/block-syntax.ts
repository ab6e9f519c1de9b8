import { looksLikeFilePath } from './file-path.js';

/** Line-level syntax of the blocks models write: fences, tag attributes, path headers. */

export const FENCE_OPEN = /^(\s{0,3})(`{3,}|~{3,})\s*([^`]*?)\s*$/;
const ATTR = /([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;
export const PATH_ATTRS = ['path', 'filepath', 'file_path', 'file', 'filename', 'name', 'title'];

export function parseAttrs(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of text.matchAll(ATTR)) attrs.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '');
  return attrs;
}

/** ```ts path=src/a.ts | ```ts title="src/a.ts" | ```src/a.ts | ```ts:src/a.ts | ```tsx {1,3} */
export function parseFenceInfo(info: string): { language: string; path: string | undefined } {
  const attrs = parseAttrs(info);
  const attrPath = PATH_ATTRS.map((k) => attrs.get(k)).find((v) => v !== undefined);
  const first = info.split(/\s+/)[0] ?? '';
  if (attrPath !== undefined) return { language: first.includes('=') ? '' : first, path: attrPath };
  const colon = /^([\w+-]+):(\S+)$/.exec(first);
  if (colon && looksLikeFilePath(colon[2]!)) return { language: colon[1]!, path: colon[2]! };
  if (first.includes('/') || first.includes('\\') || (first.includes('.') && looksLikeFilePath(first))) {
    return { language: '', path: first };
  }
  return { language: first, path: undefined };
}

/** "**src/a.ts**", "### File: src/a.ts", "File: `src/a.ts`", "`src/a.ts`:", "Here is `src/a.ts`:", "src/a.ts" */
export function pathFromHeader(line: string): string | undefined {
  // "1. **src/a.ts**", "- `src/a.ts`": list markers in front of the header.
  const t = line.trim().replace(/^(?:\d{1,3}[.)]|[-*+])\s+(?=\S)/, '');
  const patterns = [
    /^#{1,6}\s+(?:(?:file|filename|path)\s*:\s*)?[`*]*([^`*\s]+?)[`*]*\s*:?$/i,
    /^[*_]{1,2}(?:(?:file|filename|path)\s*:\s*)?`?([^`*_\s]+?)`?[*_]{1,2}:?$/i,
    /^(?:file|filename|path)\s*:\s*[`*]*([^`*\s]+?)[`*]*$/i,
    /^`([^`\s]+)`\s*:?$/,
    /^(?:\/\/|#|--)\s*(?:file:\s*)?(\S+)$/i,
    /^(\S+?):?$/,
  ];
  for (const p of patterns) {
    const m = p.exec(t);
    if (m && looksLikeFilePath(m[1]!)) return m[1]!;
  }
  // "Here is the updated `src/App.tsx`:" — a sentence introducing the block.
  if (t.endsWith(':')) {
    const ticks = [...t.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!).filter(looksLikeFilePath);
    if (ticks.length === 1) return ticks[0];
  }
  return undefined;
}

// "// file: src/a.ts", "// src/a.ts", "# src/a.py", "<!-- src/a.html -->", a CSS block comment
export function pathFromFirstLineComment(line: string): string | undefined {
  const m =
    /^\s*(?:\/\/|#|--|;)\s*(?:file(?:path|name)?\s*:\s*)?(\S+)\s*$/i.exec(line) ??
    /^\s*(?:<!--|\/\*)\s*(?:file(?:path|name)?\s*:\s*)?(\S+)\s*(?:-->|\*\/)\s*$/i.exec(line);
  if (!m) return undefined;
  const token = m[1]!;
  return looksLikeFilePath(token) &&
    (token.includes('/') || /^file/i.test(line.replace(/^\s*(\/\/|#|--|;|<!--|\/\*)\s*/, '')))
    ? token
    : undefined;
}

type FenceWrap = 'none' | 'closed' | 'open-only';

export function fenceWrapped(lines: string[]): FenceWrap {
  const body = trimBlank(lines);
  const first = body[0];
  if (first === undefined) return 'none';
  const open = FENCE_OPEN.exec(first);
  if (!open) return 'none';
  const last = body.at(-1)!;
  const close = FENCE_OPEN.exec(last);
  return body.length > 1 && close && close[3] === '' ? 'closed' : 'open-only';
}

/**
 * A <file> body wrapped in a markdown fence (with maybe a line of prose before it or after it)
 * is unwrapped; a lone opening or closing fence line at the edges is dropped.
 */
export function unwrapFence(raw: string[], repairs: string[]): string[] {
  let lines = trimBlank(raw);
  if (lines.length === 0) return lines;
  const isFence = (l: string | undefined) => l !== undefined && FENCE_OPEN.test(l);
  const isBare = (l: string | undefined) => l !== undefined && FENCE_OPEN.exec(l)?.[3] === '';
  const proseLike = (l: string) => !/[;{}()=<>]/.test(l) && /[a-z]{3,}/i.test(l);

  // Prose before the fence: "Here is the file:" then ```ts.
  const openAt = lines.findIndex((l) => isFence(l));
  if (openAt > 0 && openAt <= 2 && lines.slice(0, openAt).every(proseLike) && !isBare(lines[openAt])) {
    repairs.push('dropped prose before the code fence');
    lines = lines.slice(openAt);
  }
  // Prose after the closing fence.
  let closeAt = -1;
  for (let i = lines.length - 1; i > 0 && i >= lines.length - 3; i--)
    if (isBare(lines[i])) {
      closeAt = i;
      break;
    }
  if (closeAt > 0 && closeAt < lines.length - 1 && isFence(lines[0]) && lines.slice(closeAt + 1).every(proseLike)) {
    repairs.push('dropped prose after the code fence');
    lines = lines.slice(0, closeAt + 1);
  }
  const opens =
    isFence(lines[0]) && !isBare(lines[0]) ? true : isBare(lines[0]) && lines.length > 1 && isBare(lines.at(-1));
  const closes = lines.length > 1 && isBare(lines.at(-1));
  if (opens && closes) {
    repairs.push('unwrapped a code fence inside the block');
    return lines.slice(1, -1);
  }
  if (opens) {
    repairs.push('dropped an unclosed code fence opener');
    return lines.slice(1);
  }
  if (closes && !lines.slice(0, -1).some(isFence)) {
    repairs.push('dropped a stray closing fence');
    return lines.slice(0, -1);
  }
  return lines;
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}

/** Blank lines right after the opening tag and right before the closing one are layout, not content. */
export function joinBody(lines: string[]): string {
  const body = trimBlank(lines);
  return body.length === 0 ? '' : `${body.join('\n')}\n`;
}
