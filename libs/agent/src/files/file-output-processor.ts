import type { TAgentErrorCode, TAgentServerMessage } from '@kiln/contracts';
import {
  applySearchReplace,
  applyUnifiedDiff,
  hasSearchReplace,
  looksLikeUnifiedDiff,
  parseUnifiedDiff,
  type EditFailureCode,
  type EditOutcome,
} from './apply-edit.js';
import {
  FileBlockParser,
  type BlockKind,
  type ParsedBlock,
  type ParserEvent,
  type ParserRejectCode,
} from './file-block-parser.js';
import { sanitizeFilePath } from './file-path.js';

export type FileRejectCode = ParserRejectCode | EditFailureCode | 'LAZY_PLACEHOLDER';

export interface FileRejection {
  code: FileRejectCode;
  /** The path as the model wrote it (unsafe paths are reported as written, never used). */
  path: string | undefined;
  reason: string;
}

export interface WrittenFile {
  path: string;
  content: string;
  purpose: string;
  kind: BlockKind;
  repairs: string[];
}

export interface FileOutputResult {
  /** Every accepted file in order; a path written twice appears twice, the last one wins. */
  written: WrittenFile[];
  /** Final content per path after this answer. */
  files: Map<string, string>;
  rejected: FileRejection[];
  /** Code blocks that named no file (examples, shell commands): shown, never written. */
  unattributedCodeBlocks: number;
  /** The answer's text outside file blocks, line by line (what the model says about its work). */
  prose: string[];
}

export interface FileOutputProcessorOptions {
  /** Current content of a file of the app, undefined when it does not exist. */
  readFile: (path: string) => string | undefined;
  /** Session events, in VibeSDK's shapes. */
  emit?: (message: TAgentServerMessage) => void;
  /** Purpose from the phase plan when the model's block carries none. */
  purposeOf?: (path: string) => string | undefined;
}

/**
 * Turns a streamed model answer into file writes: feeds the chunks to the parser, emits
 * `file_generating` / `file_chunk_generated` while a block streams, and once a block is complete
 * resolves it against the current files (full content, search/replace, unified diff) into a
 * `file_generated` — or an `error` event naming the file and the reason. Nothing is written
 * here: the caller writes `result.written`, which only ever holds complete files.
 */
export class FileOutputProcessor {
  private readonly parser: FileBlockParser;
  private readonly started = new Set<string>();
  private readonly result: FileOutputResult = {
    written: [],
    files: new Map(),
    rejected: [],
    unattributedCodeBlocks: 0,
    prose: [],
  };

  constructor(private readonly options: FileOutputProcessorOptions) {
    this.parser = new FileBlockParser((e) => this.onParserEvent(e));
  }

  push(chunk: string): void {
    this.parser.push(chunk);
  }

  end(options: { truncated?: boolean } = {}): FileOutputResult {
    this.parser.end(options);
    return this.result;
  }

  private current(path: string): string | undefined {
    return this.result.files.has(path) ? this.result.files.get(path) : this.options.readFile(path);
  }

  private onParserEvent(event: ParserEvent): void {
    switch (event.type) {
      case 'block-start':
        this.started.add(event.path);
        this.options.emit?.({
          type: 'file_generating',
          filePath: event.path,
          filePurpose: this.purpose(event.path, event.purpose),
        });
        return;
      case 'block-chunk':
        this.options.emit?.({ type: 'file_chunk_generated', filePath: event.path, chunk: event.chunk });
        return;
      case 'block-end':
        this.resolve(event.block);
        return;
      case 'rejected':
        this.reject({ code: event.code, path: event.rawPath, reason: event.reason });
        return;
      case 'unattributed-code':
        this.result.unattributedCodeBlocks += 1;
        return;
      case 'prose':
        this.result.prose.push(event.text);
        return;
    }
  }

  private resolve(block: ParsedBlock): void {
    const kind: BlockKind =
      block.declaredKind === 'search-replace' || hasSearchReplace(block.body)
        ? 'search-replace'
        : block.declaredKind === 'unified-diff' || looksLikeUnifiedDiff(block.body)
          ? 'unified-diff'
          : 'full';

    if (kind === 'unified-diff') return this.resolveDiff(block);
    const path = block.path!;
    if (kind === 'search-replace')
      return this.accept(block, path, kind, applySearchReplace(this.current(path), block.body));
    const lazy = findLazyPlaceholder(block.body);
    if (lazy !== undefined) {
      return this.reject({
        code: 'LAZY_PLACEHOLDER',
        path,
        reason: `${path} is not a complete file: it says "${lazy.trim()}" instead of the code`,
      });
    }
    this.accept(block, path, kind, { ok: true, content: block.body, repairs: [] });
  }

  private resolveDiff(block: ParsedBlock): void {
    const sections = parseUnifiedDiff(block.body);
    if (sections.length === 0) {
      return this.reject({
        code: 'EDIT_PARTIAL',
        path: block.rawPath,
        reason: `${block.rawPath ?? 'a diff'}: no hunks in the diff`,
      });
    }
    for (const [i, section] of sections.entries()) {
      const isLast = i === sections.length - 1;
      let path = sections.length === 1 ? block.path : undefined;
      const headerPath = section.newPath ?? section.oldPath;
      if (path === undefined) {
        if (headerPath === undefined) {
          this.reject({ code: 'MISSING_PATH', path: undefined, reason: 'a diff section names no file' });
          continue;
        }
        const verdict = sanitizeFilePath(headerPath);
        if (!verdict.ok) {
          this.reject({ code: 'UNSAFE_PATH', path: headerPath, reason: `${headerPath} ${verdict.reason}` });
          continue;
        }
        path = verdict.path;
      }
      this.accept(block, path, 'unified-diff', applyUnifiedDiff(this.current(path), section, isLast));
    }
  }

  private accept(block: ParsedBlock, path: string, kind: BlockKind, outcome: EditOutcome): void {
    if (!outcome.ok) {
      this.reject({ code: outcome.code, path, reason: `${path}: ${outcome.reason}; the file was left as it was` });
      return;
    }
    const purpose = this.purpose(path, block.purpose);
    const file: WrittenFile = {
      path,
      content: outcome.content,
      purpose,
      kind,
      repairs: [...block.repairs, ...outcome.repairs],
    };
    this.result.written.push(file);
    this.result.files.set(path, outcome.content);
    if (!this.started.has(path)) {
      this.started.add(path);
      this.options.emit?.({ type: 'file_generating', filePath: path, filePurpose: purpose });
    }
    this.options.emit?.({
      type: 'file_generated',
      file: { filePath: path, fileContents: outcome.content, filePurpose: purpose },
    });
  }

  private reject(rejection: FileRejection): void {
    this.result.rejected.push(rejection);
    this.options.emit?.({
      type: 'error',
      error: `[${rejection.code}] ${rejection.reason}`,
      code: contractCode(rejection.code),
      ...(rejection.path !== undefined ? { filePath: rejection.path } : {}),
    });
  }

  private purpose(path: string, fromBlock: string): string {
    return fromBlock !== '' ? fromBlock : (this.options.purposeOf?.(path) ?? '');
  }
}

function contractCode(code: FileRejectCode): TAgentErrorCode {
  switch (code) {
    case 'TRUNCATED':
      return 'FILE_TRUNCATED';
    case 'EDIT_NO_MATCH':
    case 'EDIT_AMBIGUOUS':
    case 'EDIT_PARTIAL':
    case 'EDIT_NO_FILE':
      return 'DIFF_NOT_APPLIED';
    default:
      return 'FILE_REJECTED';
  }
}

/**
 * "// ... rest of the code unchanged" in a full-content block means the model elided part of
 * the file; writing it would delete that part.
 */
const LAZY_LINE =
  /^\s*(?:\/\/|#|--|\/\*+|<!--|\{\s*\/\*)\s*(?:\.{2,}|…)?\s*\(?\s*(?:(?:the\s+)?rest\s+of\s+(?:the\s+)?(?:code|file|component|implementation|functions?|methods?|styles?|content|imports|logic)|(?:keep\s+|all\s+)?(?:the\s+)?existing\s+(?:code|implementation|imports|functions?|methods?|content|logic|routes|styles)|(?:code|everything\s+else|other\s+(?:code|functions|methods|routes))\s+(?:remains?|stays?|is)\s+(?:the\s+)?(?:same|unchanged)|unchanged\s+(?:code|content)|same\s+as\s+(?:before|above)|previous\s+(?:code|content)\s+(?:here|unchanged))/i;
const ELLIPSIS_ONLY = /^\s*(?:\/\/|#|\/\*)\s*(?:\.{3}|…)\s*(?:\*\/)?\s*$/;

export function findLazyPlaceholder(body: string): string | undefined {
  return body.split('\n').find((l) => LAZY_LINE.test(l) || ELLIPSIS_ONLY.test(l));
}
