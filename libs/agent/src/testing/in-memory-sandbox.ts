import { dirname } from 'node:path';
import ts from 'typescript';
import type { TExecResult } from '@kiln/contracts';
import type {
  CreatePreviewRequest,
  Sandbox,
  TDiagnostic,
  TPreviewInstance,
  TReadiness,
  TSandboxFile,
  TSandboxRuntimeError,
  TStaticAnalysisReport,
} from '../pipeline/ports.js';

/**
 * TEST FIXTURE. A sandbox that keeps the app's files in memory and analyses them with the real
 * TypeScript compiler, so the fix loop is exercised against real diagnostics (not canned ones).
 * `exec` understands one command, the build (`npm run build`): it transpiles every source file
 * and fails on syntax errors, as a bundler would. Runtime errors are what the `runtime` option
 * derives from the current files, plus what a test reports through `reportRuntimeError`.
 */
export interface InMemorySandboxOptions {
  /** Template name → its files. */
  templates: Record<string, Record<string, string>>;
  compilerOptions?: ts.CompilerOptions;
  /** What the running app would log for the current files (a stand-in for running it). */
  runtime?: (files: ReadonlyMap<string, string>) => Omit<TSandboxRuntimeError, 'time'>[];
}

interface Instance {
  id: string;
  files: Map<string, string>;
  runtimeErrors: TSandboxRuntimeError[];
}

const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Workers have fetch's Request/Response; the DOM lib declares them (workers-types is not installed).
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  isolatedModules: true,
};

/** Library files are parsed once per process: they never change and parsing them is the slow part. */
const libCache = new Map<string, ts.SourceFile>();

export class InMemorySandbox implements Sandbox {
  readonly instances = new Map<string, Instance>();
  /** Every call, for assertions: `createPreview`, `writeFiles`, `exec`, … */
  readonly calls: { method: string; instanceId?: string; detail?: string }[] = [];
  private nextId = 1;

  constructor(private readonly options: InMemorySandboxOptions) {}

  createPreview(request: CreatePreviewRequest): Promise<TPreviewInstance> {
    const template = this.options.templates[request.template];
    if (!template) return Promise.reject(new Error(`unknown template ${request.template}`));
    const id = (this.nextId++).toString(16).padStart(16, '0');
    const files = new Map(Object.entries(template));
    for (const f of request.files) files.set(f.path, f.content);
    this.instances.set(id, { id, files, runtimeErrors: [] });
    this.calls.push({ method: 'createPreview', instanceId: id, detail: request.template });
    return Promise.resolve({ instanceId: id, previewURL: `/preview/${id}/` });
  }

  writeFiles(instanceId: string, files: TSandboxFile[]): Promise<void> {
    const instance = this.instance(instanceId);
    for (const f of files) instance.files.set(f.path, f.content);
    this.calls.push({ method: 'writeFiles', instanceId, detail: files.map((f) => f.path).join(',') });
    return Promise.resolve();
  }

  deleteFiles(instanceId: string, paths: string[]): Promise<void> {
    const instance = this.instance(instanceId);
    for (const p of paths) instance.files.delete(p);
    this.calls.push({ method: 'deleteFiles', instanceId, detail: paths.join(',') });
    return Promise.resolve();
  }

  exec(instanceId: string, command: string[]): Promise<TExecResult> {
    const instance = this.instance(instanceId);
    this.calls.push({ method: 'exec', instanceId, detail: command.join(' ') });
    const started = performance.now();
    if (command.join(' ') !== 'npm run build') {
      return Promise.resolve({
        exitCode: 127,
        timedOut: false,
        oomKilled: false,
        stdout: '',
        stderr: `in-memory sandbox: unknown command ${command.join(' ')}`,
        durationMs: performance.now() - started,
      });
    }
    const errors: string[] = [];
    for (const [path, content] of instance.files) {
      if (!/\.(ts|tsx)$/.test(path)) continue;
      const out = ts.transpileModule(content, {
        fileName: path,
        reportDiagnostics: true,
        compilerOptions: DEFAULT_OPTIONS,
      });
      for (const d of out.diagnostics ?? [])
        errors.push(`${path}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    return Promise.resolve({
      exitCode: errors.length ? 1 : 0,
      timedOut: false,
      oomKilled: false,
      stdout: errors.length ? '' : `built ${instance.files.size} files\n`,
      stderr: errors.join('\n'),
      durationMs: performance.now() - started,
    });
  }

  runStaticAnalysis(instanceId: string): Promise<TStaticAnalysisReport> {
    const instance = this.instance(instanceId);
    this.calls.push({ method: 'runStaticAnalysis', instanceId });
    return Promise.resolve(typecheck(instance.files, this.options.compilerOptions ?? DEFAULT_OPTIONS));
  }

  getRuntimeErrors(instanceId: string, options: { since?: string } = {}): Promise<TSandboxRuntimeError[]> {
    const instance = this.instance(instanceId);
    const time = new Date().toISOString();
    const observed = (this.options.runtime?.(instance.files) ?? []).map((e) => ({ ...e, time }));
    return Promise.resolve(
      [...instance.runtimeErrors, ...observed].filter((e) => !options.since || e.time >= options.since),
    );
  }

  waitForReady(instanceId: string): Promise<TReadiness> {
    this.instance(instanceId);
    return Promise.resolve({ ready: true, previewURL: `/preview/${instanceId}/` });
  }

  reportRuntimeError(instanceId: string, error: Omit<TSandboxRuntimeError, 'time'>): void {
    this.instance(instanceId).runtimeErrors.push({ ...error, time: new Date().toISOString() });
  }

  /** The files of the most recently created instance. */
  latestFiles(): Map<string, string> {
    const last = [...this.instances.values()].at(-1);
    return new Map(last?.files ?? []);
  }

  private instance(id: string): Instance {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`no instance ${id}`);
    return instance;
  }
}

/** Runs the TypeScript checker over in-memory files (paths relative to the app root). */
export function typecheck(files: ReadonlyMap<string, string>, options: ts.CompilerOptions): TStaticAnalysisReport {
  const root = '/app/';
  const libDir = dirname(ts.getDefaultLibFilePath(options));
  const toApp = (fileName: string) => (fileName.startsWith(root) ? fileName.slice(root.length) : undefined);
  const host: ts.CompilerHost = {
    getSourceFile(fileName, languageVersion) {
      const app = toApp(fileName);
      if (app !== undefined) {
        const text = files.get(app);
        return text === undefined ? undefined : ts.createSourceFile(fileName, text, languageVersion, true);
      }
      let lib = libCache.get(fileName);
      if (!lib) {
        const text = ts.sys.readFile(fileName);
        if (text === undefined) return undefined;
        lib = ts.createSourceFile(fileName, text, languageVersion, true);
        libCache.set(fileName, lib);
      }
      return lib;
    },
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    getDefaultLibLocation: () => libDir,
    writeFile: () => {},
    getCurrentDirectory: () => root,
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (f) => {
      const app = toApp(f);
      return app !== undefined ? files.has(app) : ts.sys.fileExists(f);
    },
    readFile: (f) => {
      const app = toApp(f);
      return app !== undefined ? files.get(app) : ts.sys.readFile(f);
    },
    directoryExists: (d) => {
      const app = toApp(d.endsWith('/') ? d : `${d}/`);
      if (app === undefined) return ts.sys.directoryExists(d);
      return app === '' || [...files.keys()].some((p) => p.startsWith(app));
    },
    getDirectories: () => [],
  };
  const roots = [...files.keys()].filter((p) => /\.(ts|tsx|mts)$/.test(p)).map((p) => root + p);
  const program = ts.createProgram({ rootNames: roots, options, host });
  const diagnostics: TDiagnostic[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? toApp(d.file.fileName) : undefined;
    const position = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    diagnostics.push({
      file: file ?? '',
      line: position ? position.line + 1 : 0,
      column: position ? position.character + 1 : 0,
      code: `TS${d.code}`,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      severity: d.category === ts.DiagnosticCategory.Error ? 'error' : 'warning',
      source: 'typecheck',
    });
  }
  return {
    diagnostics,
    rawOutput: diagnostics.map((d) => `${d.file}(${d.line},${d.column}): error ${d.code}: ${d.message}`).join('\n'),
  };
}
