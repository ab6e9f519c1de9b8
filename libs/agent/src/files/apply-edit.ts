/**
 * Applying the edit formats models write — search/replace blocks and unified diffs — to the
 * current content of a file. All-or-nothing: an edit either applies completely or is refused
 * with a reason; a file is never left half-edited.
 */

export type EditOutcome =
  { ok: true; content: string; repairs: string[] } | { ok: false; code: EditFailureCode; reason: string };
export type EditFailureCode =
  'EDIT_NO_MATCH' | 'EDIT_AMBIGUOUS' | 'EDIT_PARTIAL' | 'EDIT_NO_FILE' | 'UNSUPPORTED_DELETE';

// --- search/replace -------------------------------------------------------------------------

const SEARCH_MARK = /^\s*<{5,9}\s*SEARCH\b.*$/i;
const DIVIDER_MARK = /^\s*={5,9}\s*$/;
const REPLACE_MARK = /^\s*>{5,9}\s*REPLACE\b.*$/i;

export function hasSearchReplace(body: string): boolean {
  return body.split('\n').some((l) => SEARCH_MARK.test(l));
}

interface SearchReplaceBlock {
  search: string[];
  replace: string[];
}

function parseSearchReplace(body: string): SearchReplaceBlock[] | string {
  const blocks: SearchReplaceBlock[] = [];
  let state: 'out' | 'search' | 'replace' = 'out';
  let current: SearchReplaceBlock = { search: [], replace: [] };
  for (const line of body.split('\n')) {
    if (state === 'out') {
      if (SEARCH_MARK.test(line)) {
        state = 'search';
        current = { search: [], replace: [] };
      }
      // Anything between blocks (prose, fences) is ignored.
    } else if (state === 'search') {
      if (DIVIDER_MARK.test(line)) state = 'replace';
      else if (SEARCH_MARK.test(line) || REPLACE_MARK.test(line)) return 'a SEARCH section is not followed by =======';
      else current.search.push(line);
    } else if (REPLACE_MARK.test(line)) {
      blocks.push(current);
      state = 'out';
    } else if (SEARCH_MARK.test(line)) {
      return 'a REPLACE section is not closed by >>>>>>> REPLACE';
    } else current.replace.push(line);
  }
  if (state !== 'out') return `the last block stops inside its ${state.toUpperCase()} section`;
  if (blocks.length === 0) return 'no SEARCH/REPLACE block';
  return blocks;
}

export function applySearchReplace(existing: string | undefined, body: string): EditOutcome {
  const blocks = parseSearchReplace(body);
  if (typeof blocks === 'string') return { ok: false, code: 'EDIT_PARTIAL', reason: blocks };
  const repairs: string[] = [];
  if (existing === undefined) {
    // Creating a file with an empty SEARCH is how aider-style models write new files.
    if (blocks.length === 1 && blocks[0]!.search.every((l) => l.trim() === '')) {
      return { ok: true, content: joinLines(blocks[0]!.replace), repairs: ['file created from an empty SEARCH block'] };
    }
    return { ok: false, code: 'EDIT_NO_FILE', reason: 'the file to edit does not exist' };
  }
  const trailingNewline = existing.endsWith('\n');
  let lines = splitLines(existing);
  for (const [i, block] of blocks.entries()) {
    if (block.search.every((l) => l.trim() === '')) {
      return { ok: false, code: 'EDIT_AMBIGUOUS', reason: `block ${i + 1} has an empty SEARCH on an existing file` };
    }
    const found = findUnique(lines, block.search, 0);
    if (!found.ok) return { ok: false, code: found.code, reason: `block ${i + 1}: ${found.reason}` };
    if (found.fuzzy) repairs.push(`block ${i + 1} matched ignoring ${found.fuzzy}`);
    lines = [...lines.slice(0, found.index), ...block.replace, ...lines.slice(found.index + block.search.length)];
  }
  return { ok: true, content: joinLines(lines, trailingNewline), repairs };
}

// --- unified diff ---------------------------------------------------------------------------

interface Hunk {
  oldStart: number | undefined;
  oldCount: number | undefined;
  newCount: number | undefined;
  lines: { op: ' ' | '-' | '+'; text: string }[];
}

export interface DiffSection {
  oldPath: string | undefined;
  newPath: string | undefined;
  hunks: Hunk[];
}

const HUNK_HEADER = /^@@\s*(?:-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*)?@@.*$/;

export function looksLikeUnifiedDiff(body: string): boolean {
  const lines = body.split('\n');
  const first = lines.find((l) => l.trim() !== '') ?? '';
  return /^(--- |\+\+\+ |@@|diff --git |Index: )/.test(first) && lines.some((l) => HUNK_HEADER.test(l));
}

/** Splits a diff into per-file sections. Paths have `a/` / `b/` prefixes removed. */
export function parseUnifiedDiff(body: string): DiffSection[] {
  const sections: DiffSection[] = [];
  let section: DiffSection | undefined;
  let hunk: Hunk | undefined;
  const stripPrefix = (p: string) => {
    const path = p.trim().split('\t')[0]!.trim();
    if (path === '/dev/null') return undefined;
    return path.replace(/^[ab]\//, '');
  };
  for (const line of body.split('\n')) {
    if (
      line.startsWith('diff --git ') ||
      line.startsWith('Index: ') ||
      /^(new|deleted) file mode|^index [0-9a-f]/.test(line)
    ) {
      continue;
    }
    if (line.startsWith('--- ') && (!hunk || !isHunkLine(line))) {
      section = { oldPath: stripPrefix(line.slice(4)), newPath: undefined, hunks: [] };
      sections.push(section);
      hunk = undefined;
      continue;
    }
    if (line.startsWith('+++ ') && section && section.hunks.length === 0 && section.newPath === undefined) {
      section.newPath = stripPrefix(line.slice(4));
      continue;
    }
    const header = HUNK_HEADER.exec(line);
    if (header) {
      if (!section) {
        section = { oldPath: undefined, newPath: undefined, hunks: [] };
        sections.push(section);
      }
      hunk = {
        oldStart: header[1] === undefined ? undefined : Number(header[1]),
        oldCount: header[1] === undefined ? undefined : Number(header[2] ?? '1'),
        newCount: header[3] === undefined ? undefined : Number(header[4] ?? '1'),
        lines: [],
      };
      section.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    if (line.startsWith('\\')) continue; // "\ No newline at end of file"
    const op = line[0];
    if (op === ' ' || op === '-' || op === '+') hunk.lines.push({ op, text: line.slice(1) });
    // Editors and models strip the single space of empty context lines.
    else if (line === '') hunk.lines.push({ op: ' ', text: '' });
    else hunk = undefined; // prose after the hunk
  }
  for (const s of sections) {
    // A blank line that ended up after the last real line of a hunk is separator noise.
    for (const h of s.hunks)
      while (h.lines.length > 0 && h.lines.at(-1)!.op === ' ' && h.lines.at(-1)!.text === '') h.lines.pop();
  }
  return sections;
}

function isHunkLine(line: string): boolean {
  // Inside a hunk, "--- x" is a removed line "-- x" only when the hunk still expects old lines; the
  // caller treats "--- " as a new section unless we are in a hunk, which is the ambiguous case.
  return line.startsWith('--- ') && !/^--- (a\/|\/dev\/null|\S+\.\w+)/.test(line);
}

export function applyUnifiedDiff(
  existing: string | undefined,
  section: DiffSection,
  isLastSection: boolean,
): EditOutcome {
  const repairs: string[] = [];
  if (section.hunks.length === 0) return { ok: false, code: 'EDIT_PARTIAL', reason: 'the diff has no hunks' };
  if (
    section.newPath === undefined &&
    section.oldPath !== undefined &&
    section.hunks.every((h) => h.lines.every((l) => l.op === '-'))
  ) {
    return { ok: false, code: 'UNSUPPORTED_DELETE', reason: 'deleting files is not supported through diffs' };
  }
  const last = section.hunks.at(-1)!;
  if (isLastSection && last.oldCount !== undefined && last.newCount !== undefined) {
    const oldN = last.lines.filter((l) => l.op !== '+').length;
    const newN = last.lines.filter((l) => l.op !== '-').length;
    // Models miscount hunk headers all the time, so counts are not checked — except that a last
    // hunk with less than half of what its header announces, on both sides, is a cut-off answer.
    if (oldN < last.oldCount / 2 && newN < last.newCount / 2) {
      return {
        ok: false,
        code: 'EDIT_PARTIAL',
        reason: `the last hunk stops early (${oldN}/${last.oldCount} old, ${newN}/${last.newCount} new lines)`,
      };
    }
  }
  if (section.hunks.some((h) => h.lines.length === 0))
    return { ok: false, code: 'EDIT_PARTIAL', reason: 'a hunk has no lines' };

  if (existing === undefined) {
    const creates = section.oldPath === undefined || section.hunks.every((h) => h.lines.every((l) => l.op === '+'));
    if (!creates) return { ok: false, code: 'EDIT_NO_FILE', reason: 'the file to patch does not exist' };
    return { ok: true, content: joinLines(section.hunks.flatMap((h) => h.lines.map((l) => l.text))), repairs };
  }

  const trailingNewline = existing.endsWith('\n');
  let lines = splitLines(existing);
  let from = 0;
  for (const [i, hunk] of section.hunks.entries()) {
    const old = hunk.lines.filter((l) => l.op !== '+').map((l) => l.text);
    const replacement = hunk.lines.filter((l) => l.op !== '-').map((l) => l.text);
    let index: number;
    if (old.length === 0) {
      // Pure insertion: the header's position is all there is to go on.
      index = hunk.oldStart === undefined ? lines.length : Math.min(lines.length, hunk.oldStart);
    } else {
      const hint = hunk.oldStart === undefined ? undefined : hunk.oldStart - 1;
      const found = findUnique(lines, old, from, hint);
      if (!found.ok) return { ok: false, code: found.code, reason: `hunk ${i + 1}: ${found.reason}` };
      if (found.fuzzy) repairs.push(`hunk ${i + 1} matched ignoring ${found.fuzzy}`);
      index = found.index;
    }
    lines = [...lines.slice(0, index), ...replacement, ...lines.slice(index + old.length)];
    from = index + replacement.length;
  }
  return { ok: true, content: joinLines(lines, trailingNewline), repairs };
}

// --- matching -------------------------------------------------------------------------------

type Found =
  { ok: true; index: number; fuzzy?: string } | { ok: false; code: 'EDIT_NO_MATCH' | 'EDIT_AMBIGUOUS'; reason: string };

const COMPARATORS: { name: string | undefined; norm: (s: string) => string }[] = [
  { name: undefined, norm: (s) => s },
  { name: 'trailing whitespace', norm: (s) => s.trimEnd() },
  { name: 'indentation', norm: (s) => s.trim() },
];

/**
 * Finds where `needle` occurs in `lines`: exactly first, then ignoring trailing whitespace, then
 * ignoring indentation. Several matches are ambiguous unless a position hint (a hunk header)
 * picks the nearest one.
 */
function findUnique(lines: string[], needle: string[], from: number, hint?: number): Found {
  for (const { name, norm } of COMPARATORS) {
    const target = needle.map(norm);
    const hits: number[] = [];
    for (let i = 0; i + target.length <= lines.length; i++) {
      let all = true;
      for (let j = 0; j < target.length; j++) {
        if (norm(lines[i + j]!) !== target[j]) {
          all = false;
          break;
        }
      }
      if (all) hits.push(i);
    }
    const after = hits.filter((h) => h >= from);
    const candidates = after.length > 0 ? after : hits;
    if (candidates.length === 1) return { ok: true, index: candidates[0]!, ...(name ? { fuzzy: name } : {}) };
    if (candidates.length > 1) {
      if (hint !== undefined) {
        const nearest = [...candidates].sort((a, b) => Math.abs(a - hint) - Math.abs(b - hint));
        if (Math.abs(nearest[0]! - hint) !== Math.abs(nearest[1]! - hint))
          return { ok: true, index: nearest[0]!, ...(name ? { fuzzy: name } : {}) };
      }
      return { ok: false, code: 'EDIT_AMBIGUOUS', reason: `the text to replace occurs ${candidates.length} times` };
    }
  }
  return {
    ok: false,
    code: 'EDIT_NO_MATCH',
    reason: `the text to replace is not in the file (${JSON.stringify(needle[0]?.trim() ?? '')}…)`,
  };
}

function splitLines(content: string): string[] {
  const lines = content.split('\n');
  if (content.endsWith('\n')) lines.pop();
  return lines;
}

function joinLines(lines: string[], trailingNewline = true): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (trailingNewline ? '\n' : '');
}
