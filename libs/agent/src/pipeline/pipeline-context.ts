import { z } from 'zod';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { EventSink, Sandbox, TSandboxFile } from './ports.js';
import type { TTemplateInfo } from './select-template.js';
import type { SessionActor } from './session-actor.js';
import { currentFiles, filePurpose, type TSessionState } from './session-state.js';

export const ZPipelineConfig = z.object({
  /** Fix rounds per phase (deterministic or model); problems left after them are reported. */
  maxFixRounds: z.number().int().min(0).max(10).default(3),
  /** Calls for the blueprint and conversation JSON, repairs included. */
  structuredAttempts: z.number().int().min(1).max(5).default(3),
  buildCommand: z.array(z.string().min(1)).min(1).default(['npm', 'run', 'build']),
  commandTimeoutMs: z.number().int().min(100).max(600_000).default(120_000),
  readyTimeoutMs: z.number().int().min(0).max(600_000).default(30_000),
  /** After the planned phases, a model reviews the app against its plan and may fix it. */
  finalReview: z.boolean().default(true),
});
export type TPipelineConfig = z.infer<typeof ZPipelineConfig>;
export type TPipelineConfigInput = z.input<typeof ZPipelineConfig>;

/**
 * A template as the pipeline knows it; `files` (optional) are shown to the model and fixable;
 * `buildCommand` (argv in the app folder) overrides the config's.
 */
export type PipelineTemplate = TTemplateInfo & { files?: Record<string, string>; buildCommand?: string[] };

/** What the steps of a run share. */
export interface PipelineContext {
  registry: ProviderRegistry;
  sandbox: Sandbox;
  events: EventSink;
  config: TPipelineConfig;
  templates: readonly PipelineTemplate[];
  actor: SessionActor;
  signal: AbortSignal | undefined;
  /** The preview of this process; set once per run by `ensurePreview`. */
  instanceId: string;
  /** Runtime errors older than the last write are about code that is gone. */
  runtimeErrorsSince: string | undefined;
}

/** The app as the model sees it: the template's files under the session's own. */
export function appFiles(ctx: Pick<PipelineContext, 'templates' | 'actor'>): Map<string, string> {
  const state = ctx.actor.state;
  const template = ctx.templates.find((t) => t.name === state.template);
  const files = new Map(Object.entries(template?.files ?? {}));
  for (const [path, content] of currentFiles(state)) files.set(path, content);
  return files;
}

/** The argv that builds the session's app: its template's, else the config's. */
export function buildCommandOf(
  ctx: Pick<PipelineContext, 'templates' | 'actor'> & { config: Pick<TPipelineConfig, 'buildCommand'> },
): string[] {
  return ctx.templates.find((t) => t.name === ctx.actor.state.template)?.buildCommand ?? ctx.config.buildCommand;
}

export function purposeIn(state: TSessionState, path: string): string | undefined {
  const fromFiles = filePurpose(state, path);
  if (fromFiles) return fromFiles;
  for (const phase of state.phases) {
    const planned = phase.files.find((f) => f.path === path);
    if (planned) return planned.purpose;
  }
  return undefined;
}

export function sandboxFiles(files: ReadonlyMap<string, string>, paths?: Iterable<string>): TSandboxFile[] {
  const wanted = paths ? [...new Set(paths)] : [...files.keys()];
  return wanted.flatMap((path) => {
    const content = files.get(path);
    return content === undefined ? [] : [{ path, content }];
  });
}
