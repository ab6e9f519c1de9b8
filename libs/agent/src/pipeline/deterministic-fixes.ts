import { posix } from 'node:path';
import type { TDiagnostic } from './ports.js';

/**
 * Fixes that need no model, for the mistakes models make most with multi-file TypeScript:
 *
 * - a relative import without the extension NodeNext requires (TS2834/TS2835: tsc names the
 *   right specifier, or the file is found next to it);
 * - a relative import of a file that exists under another folder (TS2307: exactly one file of
 *   the app has that name);
 * - a name used but never imported (TS2304/TS2552) that exactly one other file exports.
 *
 * Each fix is only applied when it is unambiguous; anything else is left to the model.
 */
export interface DeterministicFix {
  path: string;
  content: string;
  note: string;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs'];

export function deterministicFixes(
  files: ReadonlyMap<string, string>,
  diagnostics: readonly TDiagnostic[],
): DeterministicFix[] {
  const working = new Map(files);
  const notes = new Map<string, string[]>();
  for (const d of diagnostics) {
    const content = working.get(d.file);
    if (content === undefined) continue;
    const fixed = fixOne(working, d, content);
    if (!fixed || fixed.content === content) continue;
    working.set(d.file, fixed.content);
    notes.set(d.file, [...(notes.get(d.file) ?? []), fixed.note]);
  }
  return [...notes].map(([path, fileNotes]) => ({ path, content: working.get(path)!, note: fileNotes.join('; ') }));
}

function fixOne(
  files: ReadonlyMap<string, string>,
  d: TDiagnostic,
  content: string,
): { content: string; note: string } | undefined {
  switch (d.code) {
    case 'TS2834':
    case 'TS2835':
      return fixMissingExtension(files, d, content);
    case 'TS2307':
      return fixWrongRelativePath(files, d, content);
    case 'TS2304':
    case 'TS2552':
      return fixMissingImport(files, d, content);
    default:
      return undefined;
  }
}

const QUOTED = /['"]([^'"]+)['"]/g;

/** The quoted specifiers in a message, in order: `Cannot find module './a'` → ['./a']. */
function quoted(message: string): string[] {
  return [...message.matchAll(QUOTED)].map((m) => m[1]!);
}

function fixMissingExtension(
  files: ReadonlyMap<string, string>,
  d: TDiagnostic,
  content: string,
): { content: string; note: string } | undefined {
  const specifier = specifierOnLine(content, d.line);
  if (specifier === undefined || !specifier.startsWith('.')) return undefined;
  // TS2835 says "Did you mean './x.js'?"; TS2834 does not, so look for the file.
  let replacement =
    d.code === 'TS2835' ? quoted(d.message).find((s) => s.startsWith('.') && s !== specifier) : undefined;
  if (replacement === undefined) {
    const base = posix.join(posix.dirname(d.file), specifier);
    if (SOURCE_EXTENSIONS.some((ext) => files.has(base + ext))) replacement = `${specifier}.js`;
    else if (SOURCE_EXTENSIONS.some((ext) => files.has(`${base}/index${ext}`))) replacement = `${specifier}/index.js`;
  }
  if (replacement === undefined) return undefined;
  return {
    content: replaceSpecifierOnLine(content, d.line, specifier, replacement),
    note: `${d.file}:${d.line} import '${specifier}' → '${replacement}'`,
  };
}

function fixWrongRelativePath(
  files: ReadonlyMap<string, string>,
  d: TDiagnostic,
  content: string,
): { content: string; note: string } | undefined {
  const specifier = quoted(d.message)[0];
  if (specifier === undefined || !specifier.startsWith('.')) return undefined;
  const { stem, ext } = splitExtension(posix.basename(specifier));
  const candidates = [...files.keys()].filter((p) => {
    const name = splitExtension(posix.basename(p));
    return p !== d.file && name.stem === stem && SOURCE_EXTENSIONS.includes(name.ext);
  });
  if (candidates.length !== 1) return undefined;
  const target = candidates[0]!;
  let relative = posix.relative(posix.dirname(d.file), splitExtension(target).path);
  if (!relative.startsWith('.')) relative = `./${relative}`;
  // Keep the extension style the model used: `.js` for NodeNext, none for bundlers.
  const replacement = ext === '' ? relative : `${relative}${ext === '.ts' ? '.js' : ext}`;
  if (replacement === specifier) return undefined;
  const line = lineOfSpecifier(content, specifier, d.line);
  if (line === undefined) return undefined;
  return {
    content: replaceSpecifierOnLine(content, line, specifier, replacement),
    note: `${d.file}:${line} import '${specifier}' → '${replacement}' (${target})`,
  };
}

function fixMissingImport(
  files: ReadonlyMap<string, string>,
  d: TDiagnostic,
  content: string,
): { content: string; note: string } | undefined {
  const name = quoted(d.message)[0];
  if (name === undefined || !/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
  const exporters: { path: string; typeOnly: boolean }[] = [];
  for (const [path, text] of files) {
    if (path === d.file || !SOURCE_EXTENSIONS.includes(splitExtension(path).ext)) continue;
    const kind = exportKind(text, name);
    if (kind) exporters.push({ path, typeOnly: kind === 'type' });
  }
  if (exporters.length !== 1) return undefined;
  const { path: source, typeOnly } = exporters[0]!;
  let specifier = posix.relative(posix.dirname(d.file), splitExtension(source).path);
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  if (usesJsExtensions(files)) specifier += '.js';
  const statement = `import ${typeOnly ? 'type ' : ''}{ ${name} } from '${specifier}';`;
  return { content: insertImport(content, statement), note: `${d.file}: ${statement}` };
}

/** `value`/`type` when `text` exports `name` (declaration or export list), else undefined. */
export function exportKind(text: string, name: string): 'value' | 'type' | undefined {
  const n = name.replace(/\$/g, '\\$');
  const declaration = new RegExp(
    `^\\s*export\\s+(?:declare\\s+)?(?:default\\s+)?(?:async\\s+)?(function\\*?|const|let|var|class|abstract\\s+class|enum|interface|type)\\s+${n}\\b`,
    'm',
  ).exec(text);
  if (declaration) return /^(interface|type)$/.test(declaration[1]!) ? 'type' : 'value';
  for (const list of text.matchAll(/^\s*export\s+(type\s+)?\{([^}]*)\}\s*(?:from\s|;|$)/gm)) {
    if (/\bfrom\s/.test(list[0])) continue;
    const names = list[2]!.split(',').map((s) =>
      s
        .trim()
        .split(/\s+as\s+/)
        .pop()!
        .replace(/^type\s+/, ''),
    );
    if (names.includes(name)) return list[1] ? 'type' : 'value';
  }
  return undefined;
}

function usesJsExtensions(files: ReadonlyMap<string, string>): boolean {
  for (const text of files.values()) {
    if (/from\s+['"]\.{1,2}\/[^'"]*\.js['"]/.test(text)) return true;
  }
  return false;
}

function insertImport(content: string, statement: string): string {
  const lines = content.split('\n');
  let last = -1;
  for (const [i, line] of lines.entries()) {
    if (/^\s*import\s/.test(line) && /from\s+['"][^'"]+['"];?\s*$|^\s*import\s+['"][^'"]+['"];?\s*$/.test(line))
      last = i;
  }
  lines.splice(last + 1, 0, statement);
  return lines.join('\n');
}

function specifierOnLine(content: string, line: number): string | undefined {
  const text = content.split('\n')[line - 1];
  if (text === undefined) return undefined;
  return /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/.exec(text)?.[1];
}

function lineOfSpecifier(content: string, specifier: string, hint: number): number | undefined {
  const lines = content.split('\n');
  const has = (i: number) => lines[i - 1]?.includes(`'${specifier}'`) || lines[i - 1]?.includes(`"${specifier}"`);
  if (has(hint)) return hint;
  const index = lines.findIndex((_, i) => has(i + 1));
  return index < 0 ? undefined : index + 1;
}

function replaceSpecifierOnLine(content: string, line: number, from: string, to: string): string {
  const lines = content.split('\n');
  const text = lines[line - 1]!;
  lines[line - 1] = text.replace(`'${from}'`, `'${to}'`).replace(`"${from}"`, `"${to}"`);
  return lines.join('\n');
}

function splitExtension(path: string): { path: string; stem: string; ext: string } {
  const ext = posix.extname(path);
  const known = SOURCE_EXTENSIONS.includes(ext) ? ext : '';
  const bare = known ? path.slice(0, -known.length) : path;
  return { path: bare, stem: posix.basename(bare), ext: known };
}
