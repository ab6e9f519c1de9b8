import { z } from 'zod';
import { ZAppFilePath, ZExecResult, ZInstanceError, type TAgentServerMessage, type TExecResult } from '@kiln/contracts';

/**
 * What the pipeline talks through. The API wires the real implementations (the sandbox runner's
 * REST client, Postgres checkpoints, the session WebSocket); tests use in-memory ones. Data that
 * comes back from another process is described by zod schemas so the implementations can
 * validate it at their edge.
 */

// --- sandbox (the session's preview container) ---

export const ZSandboxFile = z.object({ path: ZAppFilePath, content: z.string() });
export type TSandboxFile = z.infer<typeof ZSandboxFile>;

export const ZPreviewInstance = z.object({
  instanceId: z.string().min(1),
  /** Where the preview is served (`/preview/:instanceId/` or a preview host). */
  previewURL: z.string().min(1),
});
export type TPreviewInstance = z.infer<typeof ZPreviewInstance>;

/** `runtime`: an error of the running preview, kept with the others when a phase ends with it. */
export const ZDiagnosticSource = z.enum(['typecheck', 'lint', 'build', 'runtime']);

/** One static-analysis finding; `line`/`column` are 1-based, 0 when the tool gave none. */
export const ZDiagnostic = z.object({
  file: z.string(),
  line: z.number().int().nonnegative(),
  column: z.number().int().nonnegative(),
  /** The tool's rule or error code: `TS2304`, `no-unused-vars`. */
  code: z.string(),
  message: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  source: ZDiagnosticSource,
});
export type TDiagnostic = z.infer<typeof ZDiagnostic>;

export const ZStaticAnalysisReport = z.object({
  diagnostics: z.array(ZDiagnostic),
  /** The tools' output as they printed it, for the model and for humans. */
  rawOutput: z.string().optional(),
});
export type TStaticAnalysisReport = z.infer<typeof ZStaticAnalysisReport>;

export const ZReadiness = z.object({ ready: z.boolean(), previewURL: z.string() });
export type TReadiness = z.infer<typeof ZReadiness>;

export { ZExecResult };
export type { TExecResult };

/**
 * Something that went wrong in the running preview — the runner's own contract
 * (`ZInstanceError`): a console error or warning, a runtime failure, or a request the app
 * answered with a 5xx. Only `error`s go to the fix loop.
 */
export const ZSandboxRuntimeError = ZInstanceError;
export type TSandboxRuntimeError = z.infer<typeof ZSandboxRuntimeError>;

export interface TProbeResult {
  path: string;
  status: number;
  /** The start of a server error's body (an uncaught exception's message), or why nothing answered. */
  detail?: string;
}

export interface CreatePreviewRequest {
  sessionId: string;
  /** A template folder name (validated by the pipeline against its template list). */
  template: string;
  /** The session's current files, written over the template. */
  files: TSandboxFile[];
}

/**
 * The session's preview container. The pipeline calls `createPreview` when a run starts or
 * resumes (after a crash the old container may be gone), so it must be safe to call again for
 * the same session: the implementation may reuse a live instance and overwrite its files.
 */
export interface Sandbox {
  createPreview(request: CreatePreviewRequest, signal?: AbortSignal): Promise<TPreviewInstance>;
  writeFiles(instanceId: string, files: TSandboxFile[], signal?: AbortSignal): Promise<void>;
  deleteFiles(instanceId: string, paths: string[], signal?: AbortSignal): Promise<void>;
  /** argv without a shell, in the app folder; a timeout ends it with `timedOut: true`. */
  exec(
    instanceId: string,
    command: string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<TExecResult>;
  /**
   * Makes the preview run what the build just wrote and resolves once it does (or failed to:
   * that failure is then among the runtime errors). Optional: a sandbox whose preview picks up
   * builds by itself need not have it.
   */
  applyBuild?(instanceId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Requests `paths` (GET) from the running preview, so that errors that only happen when the
   * code runs are logged and show in `getRuntimeErrors`. Resolves with each answer's status (0:
   * no answer). Optional: a sandbox without it finds runtime errors some other way.
   */
  probe?(instanceId: string, paths: string[], signal?: AbortSignal): Promise<TProbeResult[]>;
  /** tsc + lint over the app's current files. */
  runStaticAnalysis(instanceId: string, signal?: AbortSignal): Promise<TStaticAnalysisReport>;
  /** What went wrong in the preview at or after `since` (ISO 8601), oldest first. */
  getRuntimeErrors(
    instanceId: string,
    options?: { since?: string; signal?: AbortSignal },
  ): Promise<TSandboxRuntimeError[]>;
  /** Waits until the preview answers HTTP (or `timeoutMs` passes). */
  waitForReady(instanceId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<TReadiness>;
}

// --- checkpoints (the actor's state; Postgres in the API) ---

export interface Checkpoint {
  /** 1 for the first save of a session, then +1 per save. */
  revision: number;
  /** JSON-serializable session state; validated by the pipeline when loaded. */
  state: unknown;
}

/**
 * Durable session state. `save` is a compare-and-set on the revision: it stores the state as
 * `expectedRevision + 1` only if the stored revision is still `expectedRevision` (0 = none yet),
 * and otherwise throws `AgentError('CHECKPOINT_CONFLICT')` — a second owner must never overwrite
 * the first one's progress.
 */
export interface CheckpointStore {
  load(sessionId: string): Promise<Checkpoint | undefined>;
  save(sessionId: string, state: unknown, expectedRevision: number): Promise<{ revision: number }>;
}

// --- events (the session WebSocket) ---

/** Receives the session's events in order; a slow sink slows the pipeline (it is awaited). */
export interface EventSink {
  emit(event: TAgentServerMessage): void | Promise<void>;
}
