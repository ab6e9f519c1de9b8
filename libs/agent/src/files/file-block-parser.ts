import {
  FENCE_OPEN,
  PATH_ATTRS,
  fenceWrapped,
  joinBody,
  parseAttrs,
  parseFenceInfo,
  pathFromFirstLineComment,
  pathFromHeader,
  unwrapFence,
} from './block-syntax.js';
import { sanitizeFilePath } from './file-path.js';

/**
 * Incremental parser for the files a model writes into its answer.
 *
 * The format Kiln asks for (see `FILE_FORMAT_INSTRUCTIONS`):
 *
 *     <file path="src/app.ts" purpose="what the file is for">
 *     …the whole file…
 *     </file>
 *
 *     <edit path="src/app.ts">            search/replace blocks on an existing file
 *     <<<<<<< SEARCH / ======= / >>>>>>> REPLACE
 *     </edit>
 *
 *     <diff path="src/app.ts">…unified diff…</diff>
 *
 * What models actually write is accepted too: markdown fences whose path is in the info string
 * (```ts path=src/a.ts, ```src/a.ts, ```ts:src/a.ts), in a header line just before the fence
 * (**src/a.ts**, ### src/a.ts, File: src/a.ts, `src/a.ts`:) or in a first-line comment
 * (// file: src/a.ts); ```diff fences with ---/+++ headers; VibeSDK-style shell heredocs
 * (cat > src/a.ts << 'EOF'). Fences inside a <file> are unwrapped, mis-closed tags and fences are
 * repaired where the intent is unambiguous, and a block cut off by the end of the answer is
 * reported as truncated — never emitted as a file.
 *
 * The parser works line by line on chunks of any size and only emits: it never touches files.
 */

export type BlockSyntax = 'tag' | 'fence' | 'heredoc';
export type BlockKind = 'full' | 'search-replace' | 'unified-diff';

export interface ParsedBlock {
  /** Sanitized path relative to the app; for diffs without one, taken from the ---/+++ headers later. */
  path: string | undefined;
  rawPath: string | undefined;
  purpose: string;
  syntax: BlockSyntax;
  /** What the block claims to be; the body decides in the end (`classifyBody`). */
  declaredKind: BlockKind | undefined;
  body: string;
  repairs: string[];
}

export type ParserRejectCode = 'UNSAFE_PATH' | 'MISSING_PATH' | 'TRUNCATED';

export type ParserEvent =
  | { type: 'block-start'; path: string; purpose: string }
  | { type: 'block-chunk'; path: string; chunk: string }
  | { type: 'block-end'; block: ParsedBlock }
  | { type: 'rejected'; code: ParserRejectCode; rawPath: string | undefined; reason: string }
  /** A code block with no file path: shown to the user as text, written nowhere. */
  | { type: 'unattributed-code'; language: string; lineCount: number }
  | { type: 'prose'; text: string };

export const FILE_FORMAT_INSTRUCTIONS = `Write every file as
<file path="relative/path.ext" purpose="one line">
complete file content
</file>
To change part of an existing file, use
<edit path="relative/path.ext">
<<<<<<< SEARCH
exact lines to find
=======
replacement lines
>>>>>>> REPLACE
</edit>
Paths are relative to the app root. No markdown fences inside the tags.`;

const OPEN_TAG = /^\s*<\s*(file|edit|diff)\b([^>]*?)(\/?)>(.*)$/i;
const CLOSE_TAG = /<\/\s*(file|edit|diff)\s*>/i;
const HEREDOC_OPEN = /^\s*cat\s+>{1,2}\s*(['"]?)([^'"\s]+)\1\s*<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\3\s*$/;

type Open =
  | {
      syntax: 'tag';
      tag: string;
      path: string;
      rawPath: string;
      purpose: string;
      declaredKind: BlockKind | undefined;
      lines: string[];
      repairs: string[];
    }
  /** A refused block (bad path): its body is swallowed until `until` matches. */
  | { syntax: 'skip'; until: (line: string) => RegExpExecArray | boolean | null }
  | {
      syntax: 'fence';
      char: string;
      length: number;
      depth: number;
      language: string;
      /** undefined until known; the first body line may still name it. */
      path: string | undefined;
      rawPath: string | undefined;
      pathPending: boolean;
      declaredKind: BlockKind | undefined;
      lines: string[];
      repairs: string[];
      /** Index in `lines` of the last bare fence line that could not close this fence (``` for ````). */
      lastMismatchedFence: number | undefined;
      /** Its path was refused: the body is consumed (to find the closing fence) but never emitted. */
      refused: boolean;
    }
  | { syntax: 'heredoc'; marker: string; path: string; rawPath: string; lines: string[]; repairs: string[] };

export class FileBlockParser {
  private pending = '';
  private open: Open | undefined;
  /** Recent prose lines: a fence's path is often in the line just before it. */
  private recentProse: string[] = [];
  private ended = false;

  constructor(private readonly emit: (event: ParserEvent) => void) {}

  push(chunk: string): void {
    if (this.ended) throw new Error('FileBlockParser: push after end');
    const text = this.pending + chunk;
    // A cursor rather than re-slicing the rest after each line: a whole answer pushed at once stays linear.
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      this.line(text.slice(start, nl).replace(/\r$/, ''));
      start = nl + 1;
    }
    this.pending = text.slice(start);
  }

  /**
   * The answer is over. `truncated`: it did not end normally — finish reason "length", a stream
   * that broke off, a cancellation — so an open block is cut off even if it looks repairable.
   */
  end(options: { truncated?: boolean } = {}): void {
    if (this.ended) return;
    if (this.pending !== '') {
      const last = this.pending.replace(/\r$/, '');
      this.pending = '';
      // The answer stopped inside an opening tag: a block was announced and never delivered.
      const cutTag = this.open === undefined ? /^\s*<\s*(file|edit|diff)\b[^>]*$/i.exec(last) : null;
      if (cutTag) {
        this.ended = true;
        const rawPath = /path\s*=\s*["']?([^"'\s>]*)/i.exec(last)?.[1];
        this.truncated(rawPath, `the answer stopped inside a <${cutTag[1]!.toLowerCase()}> tag`);
        return;
      }
      this.line(last);
    }
    this.ended = true;
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    const truncated = options.truncated === true;
    switch (open.syntax) {
      case 'skip':
        return;
      case 'tag': {
        const fenced = fenceWrapped(open.lines);
        if (!truncated && fenced === 'closed') {
          open.repairs.push(`missing </${open.tag}>: accepted because its code fence was closed`);
          this.finishTag(open);
        } else this.truncated(open.rawPath, `<${open.tag} path="${open.rawPath}"> was never closed`);
        return;
      }
      case 'fence': {
        if (open.refused) return;
        const isFile = open.path !== undefined || open.declaredKind === 'unified-diff';
        if (!isFile) {
          this.emit({ type: 'unattributed-code', language: open.language, lineCount: open.lines.length });
        } else if (!truncated && open.lastMismatchedFence !== undefined) {
          const after = open.lines.slice(open.lastMismatchedFence + 1);
          open.lines = open.lines.slice(0, open.lastMismatchedFence);
          open.repairs.push('fence closed by a mismatched fence line');
          this.finishFence(open);
          if (after.some((l) => l.trim() !== '')) this.emit({ type: 'prose', text: after.join('\n') });
        } else {
          this.truncated(open.rawPath, `the code block for ${open.rawPath ?? 'a diff'} was never closed`);
        }
        return;
      }
      case 'heredoc':
        this.truncated(open.rawPath, `heredoc for ${open.rawPath} has no closing ${open.marker}`);
        return;
    }
  }

  private line(line: string): void {
    const open = this.open;
    if (!open) return this.outside(line);
    switch (open.syntax) {
      case 'skip':
        if (open.until(line)) this.open = undefined;
        else if (OPEN_TAG.test(line)) {
          // A refused block that is never closed must not swallow the rest of the answer.
          this.open = undefined;
          this.line(line);
        }
        return;
      case 'tag':
        return this.inTag(open, line);
      case 'fence':
        return this.inFence(open, line);
      case 'heredoc':
        if (line.trim() === open.marker) {
          this.open = undefined;
          this.emit({
            type: 'block-end',
            block: {
              path: open.path,
              rawPath: open.rawPath,
              purpose: '',
              syntax: 'heredoc',
              declaredKind: undefined,
              body: joinBody(open.lines),
              repairs: open.repairs,
            },
          });
        } else {
          open.lines.push(line);
          this.emit({ type: 'block-chunk', path: open.path, chunk: `${line}\n` });
        }
        return;
    }
  }

  private outside(line: string): void {
    const tag = OPEN_TAG.exec(line);
    if (tag) return this.openTag(tag[1]!.toLowerCase(), tag[2] ?? '', tag[3] === '/', tag[4] ?? '');
    const heredoc = HEREDOC_OPEN.exec(line);
    if (heredoc) {
      const rawPath = heredoc[2]!;
      const verdict = sanitizeFilePath(rawPath);
      if (!verdict.ok) {
        this.emit({ type: 'rejected', code: 'UNSAFE_PATH', rawPath, reason: `${rawPath} ${verdict.reason}` });
        const marker = heredoc[4]!;
        this.open = { syntax: 'skip', until: (l) => l.trim() === marker };
        return;
      }
      this.open = {
        syntax: 'heredoc',
        marker: heredoc[4]!,
        path: verdict.path,
        rawPath,
        lines: [],
        repairs: [...verdict.repairs],
      };
      this.emit({ type: 'block-start', path: verdict.path, purpose: '' });
      return;
    }
    const fence = FENCE_OPEN.exec(line);
    if (fence) return this.openFence(fence[2]!, fence[3] ?? '');
    if (line.trim() !== '') {
      this.recentProse.push(line);
      if (this.recentProse.length > 2) this.recentProse.shift();
    } else if (this.recentProse.length > 0 && this.recentProse.at(-1) !== '') {
      this.recentProse.push('');
      if (this.recentProse.length > 2) this.recentProse.shift();
    }
    this.emit({ type: 'prose', text: line });
  }

  private openTag(tag: string, attrText: string, selfClosing: boolean, rest: string): void {
    this.recentProse = [];
    const attrs = parseAttrs(attrText);
    const rawPath = PATH_ATTRS.map((k) => attrs.get(k)).find((v) => v !== undefined);
    const declaredKind: BlockKind | undefined =
      tag === 'edit'
        ? 'search-replace'
        : tag === 'diff' || /diff/i.test(attrs.get('format') ?? '')
          ? 'unified-diff'
          : undefined;
    if (rawPath === undefined || rawPath.trim() === '') {
      this.emit({
        type: 'rejected',
        code: 'MISSING_PATH',
        rawPath: undefined,
        reason: `<${tag}> without a path attribute`,
      });
      if (!selfClosing) this.skipTag(rest);
      return;
    }
    const verdict = sanitizeFilePath(rawPath);
    if (!verdict.ok) {
      this.emit({ type: 'rejected', code: 'UNSAFE_PATH', rawPath, reason: `${rawPath} ${verdict.reason}` });
      if (!selfClosing) this.skipTag(rest);
      return;
    }
    const purpose = attrs.get('purpose') ?? attrs.get('description') ?? '';
    const open: Extract<Open, { syntax: 'tag' }> = {
      syntax: 'tag',
      tag,
      path: verdict.path,
      rawPath,
      purpose,
      declaredKind,
      lines: [],
      repairs: [...verdict.repairs],
    };
    this.emit({ type: 'block-start', path: verdict.path, purpose });
    if (selfClosing) {
      this.finishTag(open);
      return;
    }
    this.open = open;
    if (rest.trim() !== '') this.inTag(open, rest);
  }

  private skipTag(rest: string): void {
    if (CLOSE_TAG.test(rest)) return;
    this.open = { syntax: 'skip', until: (l) => CLOSE_TAG.exec(l) };
  }

  private inTag(open: Extract<Open, { syntax: 'tag' }>, line: string): void {
    const close = CLOSE_TAG.exec(line);
    if (close) {
      const before = line.slice(0, close.index);
      const after = line.slice(close.index + close[0].length);
      this.open = undefined;
      if (before.trim() !== '') this.addTagLine(open, before);
      if (close[1]!.toLowerCase() !== open.tag)
        open.repairs.push(`<${open.tag}> closed by </${close[1]!.toLowerCase()}>`);
      this.finishTag(open);
      if (after.trim() !== '') this.line(after);
      return;
    }
    // A new block before this one was closed: the model forgot the closing tag.
    const next = OPEN_TAG.exec(line);
    if (next) {
      open.repairs.push(`missing </${open.tag}>: closed at the next <${next[1]!.toLowerCase()}>`);
      this.open = undefined;
      this.finishTag(open);
      this.line(line);
      return;
    }
    this.addTagLine(open, line);
  }

  private addTagLine(open: Extract<Open, { syntax: 'tag' }>, line: string): void {
    open.lines.push(line);
    this.emit({ type: 'block-chunk', path: open.path, chunk: `${line}\n` });
  }

  private finishTag(open: Extract<Open, { syntax: 'tag' }>): void {
    // A markdown file may legitimately be one big code sample; only code files get unwrapped.
    const lines = /\.(md|mdx|markdown)$/i.test(open.path) ? open.lines : unwrapFence(open.lines, open.repairs);
    this.emit({
      type: 'block-end',
      block: {
        path: open.path,
        rawPath: open.rawPath,
        purpose: open.purpose,
        syntax: 'tag',
        declaredKind: open.declaredKind,
        body: joinBody(lines),
        repairs: open.repairs,
      },
    });
  }

  private openFence(marker: string, info: string): void {
    const { language, path: infoPath } = parseFenceInfo(info);
    const headerPath = infoPath === undefined ? this.pathFromRecentProse() : undefined;
    this.recentProse = [];
    const rawPath = infoPath ?? headerPath;
    const declaredKind: BlockKind | undefined = /^(diff|patch|udiff)$/i.test(language) ? 'unified-diff' : undefined;
    const open: Extract<Open, { syntax: 'fence' }> = {
      syntax: 'fence',
      char: marker[0]!,
      length: marker.length,
      depth: 0,
      language,
      path: undefined,
      rawPath,
      pathPending: rawPath === undefined,
      declaredKind,
      lines: [],
      repairs: [],
      lastMismatchedFence: undefined,
      refused: false,
    };
    this.open = open;
    if (rawPath !== undefined) this.setFencePath(open, rawPath, infoPath !== undefined ? 'info string' : 'header line');
  }

  /** Returns false when the path was refused (the fence is then skipped). */
  private setFencePath(open: Extract<Open, { syntax: 'fence' }>, rawPath: string, source: string): boolean {
    open.pathPending = false;
    const verdict = sanitizeFilePath(rawPath);
    if (!verdict.ok) {
      this.emit({ type: 'rejected', code: 'UNSAFE_PATH', rawPath, reason: `${rawPath} ${verdict.reason}` });
      open.rawPath = rawPath;
      open.path = undefined;
      open.refused = true;
      return false;
    }
    open.path = verdict.path;
    open.rawPath = rawPath;
    // The info string is an explicit path; a header line or a comment is a guess worth noting.
    if (source !== 'info string') open.repairs.push(`path taken from the ${source}`);
    open.repairs.push(...verdict.repairs);
    this.emit({ type: 'block-start', path: verdict.path, purpose: '' });
    return true;
  }

  private inFence(open: Extract<Open, { syntax: 'fence' }>, line: string): void {
    const fence = FENCE_OPEN.exec(line);
    const bare = fence !== null && fence[3] === '';
    if (fence && bare && fence[2]![0] === open.char && fence[2]!.length >= open.length) {
      if (open.depth === 0) {
        this.open = undefined;
        this.finishFence(open);
        return;
      }
      open.depth -= 1;
    } else if (fence && !bare && open.declaredKind !== 'unified-diff') {
      // ```lang inside a block can only open a nested fence (a closing fence has no info string):
      // a README with code samples inside a ``` block.
      open.depth += 1;
    }
    // Only a closer of the wrong size or character counts: a matching one closed a nested fence,
    // and cutting there would write half of a file whose real closer never came.
    if (fence && bare && (fence[2]![0] !== open.char || fence[2]!.length < open.length))
      open.lastMismatchedFence = open.lines.length;

    if (open.pathPending) {
      open.pathPending = false;
      const fromComment = pathFromFirstLineComment(line);
      if (fromComment !== undefined) {
        if (this.setFencePath(open, fromComment, 'first-line comment'))
          open.repairs.push('dropped the path comment line');
        return;
      }
    }
    open.lines.push(line);
    if (open.path !== undefined) this.emit({ type: 'block-chunk', path: open.path, chunk: `${line}\n` });
  }

  private finishFence(open: Extract<Open, { syntax: 'fence' }>): void {
    if (open.refused) return;
    const body = joinBody(open.lines);
    if (open.path === undefined) {
      // A diff names its files in its headers; anything else without a path is an example.
      if (open.declaredKind === 'unified-diff' || /^(--- |diff --git )/m.test(body)) {
        this.emit({
          type: 'block-end',
          block: {
            path: undefined,
            rawPath: undefined,
            purpose: '',
            syntax: 'fence',
            declaredKind: 'unified-diff',
            body,
            repairs: open.repairs,
          },
        });
      } else {
        this.emit({ type: 'unattributed-code', language: open.language, lineCount: open.lines.length });
      }
      return;
    }
    this.emit({
      type: 'block-end',
      block: {
        path: open.path,
        rawPath: open.rawPath,
        purpose: '',
        syntax: 'fence',
        declaredKind: open.declaredKind,
        body,
        repairs: open.repairs,
      },
    });
  }

  private truncated(rawPath: string | undefined, reason: string): void {
    this.emit({
      type: 'rejected',
      code: 'TRUNCATED',
      rawPath,
      reason: `${reason}: the answer ended inside it, nothing was written`,
    });
  }

  private pathFromRecentProse(): string | undefined {
    for (let i = this.recentProse.length - 1; i >= 0; i--) {
      const line = this.recentProse[i]!;
      if (line === '') continue;
      return pathFromHeader(line);
    }
    return undefined;
  }
}
