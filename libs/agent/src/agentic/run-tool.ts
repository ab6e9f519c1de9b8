import type { z } from 'zod';
import { sanitizeFilePath } from '../files/file-path.js';
import { checkApp, runtimeDiagnostic } from '../pipeline/check-app.js';
import { appFiles, buildCommandOf, purposeIn, type PipelineTemplate } from '../pipeline/pipeline-context.js';
import type { EventSink, Sandbox } from '../pipeline/ports.js';
import type { SessionActor } from '../pipeline/session-actor.js';
import { recordFileVersion } from '../pipeline/session-state.js';
import type { TAgenticConfig } from './agentic-config.js';
import { isToolName, TOOL_INPUTS, type TToolName } from './tools.js';

/** What a tool call runs against: one step of one session. */
export interface ToolContext {
  actor: SessionActor;
  templates: readonly PipelineTemplate[];
  sandbox: Sandbox;
  events: EventSink;
  config: TAgenticConfig;
  instanceId: string;
  /** The step's checkpoint key, recorded on the file versions it writes. */
  step: string;
  signal: AbortSignal | undefined;
  /** Paths this step wrote to the sandbox: what to put back if the step is rolled back. */
  touched: Set<string>;
  /** Runtime errors older than the last write are about code that is gone. */
  runtimeErrorsSince: string | undefined;
}

export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  /** Set when the model's arguments did not parse or match the schema (streamModel's `invalid`). */
  invalid?: { message: string };
}

export interface ToolOutcome {
  output: string;
  isError: boolean;
}

/** A refusal the model sees as the tool's result (never a crash of the loop). */
class ToolRefusal extends Error {}

/**
 * Runs one tool call. Every way a call can be wrong — unknown tool, arguments that do not parse
 * or match, a path outside the app, an edit that does not apply — is an error result for the
 * model; only sandbox failures and cancellation throw (they end the step, which is redone).
 */
export async function runTool(ctx: ToolContext, call: ToolCall): Promise<ToolOutcome> {
  if (!isToolName(call.toolName)) {
    return refused(`unknown tool "${call.toolName}"; the tools are ${Object.keys(TOOL_INPUTS).join(', ')}`);
  }
  if (call.invalid) return refused(`invalid arguments for ${call.toolName}: ${call.invalid.message}`);
  const parsed = TOOL_INPUTS[call.toolName].safeParse(call.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    return refused(`invalid arguments for ${call.toolName}: ${issues}`);
  }
  try {
    const output = await TOOLS[call.toolName](ctx, parsed.data as never);
    return { output: bounded(output, ctx.config.maxToolOutputChars), isError: false };
  } catch (error) {
    if (error instanceof ToolRefusal) return refused(error.message);
    throw error;
  }
}

type Input<N extends TToolName> = z.infer<(typeof TOOL_INPUTS)[N]>;
type Executor<N extends TToolName> = (ctx: ToolContext, input: Input<N>) => Promise<string>;

const TOOLS: { [N in TToolName]: Executor<N> } = {
  list_files: (ctx, { dir }) => {
    const prefix = dir === undefined ? '' : `${appPath(dir)}/`;
    const lines = [...appFiles(ctx)]
      .filter(([path]) => path.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, content]) => `${path} (${content.split('\n').length} lines)`);
    return Promise.resolve(lines.length ? lines.join('\n') : `no files under ${dir ?? 'the app'}`);
  },

  read_file: (ctx, { path }) => Promise.resolve(existing(ctx, appPath(path))),

  grep: (ctx, { pattern, dir, ignoreCase }) => {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, ignoreCase ? 'i' : '');
    } catch (error) {
      throw new ToolRefusal(`invalid regular expression: ${(error as Error).message}`);
    }
    const prefix = dir === undefined ? '' : `${appPath(dir)}/`;
    const hits: string[] = [];
    for (const [path, content] of [...appFiles(ctx)].sort(([a], [b]) => a.localeCompare(b))) {
      if (!path.startsWith(prefix)) continue;
      for (const [i, line] of content.split('\n').entries()) {
        if (regex.test(line)) hits.push(`${path}:${i + 1}: ${line.slice(0, 200)}`);
        if (hits.length > MAX_GREP_HITS) return Promise.resolve(`${hits.join('\n')}\n… more matches not shown`);
      }
    }
    return Promise.resolve(hits.length ? hits.join('\n') : 'no match');
  },

  write_file: async (ctx, { path, content, purpose }) => {
    const target = appPath(path);
    const changed = await writeFile(ctx, target, content, purpose);
    return changed ? `wrote ${target} (${content.split('\n').length} lines)` : `${target} already has this content`;
  },

  edit_file: async (ctx, { path, search, replace }) => {
    const target = appPath(path);
    const before = existing(ctx, target);
    const at = before.indexOf(search);
    if (at < 0) throw new ToolRefusal(`the search text does not occur in ${target}; read_file shows its content`);
    if (before.indexOf(search, at + 1) >= 0) {
      throw new ToolRefusal(`the search text occurs more than once in ${target}; include more lines to make it unique`);
    }
    await writeFile(ctx, target, before.slice(0, at) + replace + before.slice(at + search.length));
    return `edited ${target}`;
  },

  delete_file: async (ctx, { path }) => {
    const target = appPath(path);
    const { state } = ctx.actor;
    if (ctx.templates.find((t) => t.name === state.template)?.files?.[target] !== undefined) {
      throw new ToolRefusal(`${target} comes from the template and cannot be deleted; overwrite it instead`);
    }
    existing(ctx, target);
    recordFileVersion(state, target, {
      content: null,
      purpose: purposeIn(state, target) ?? '',
      step: ctx.step,
      origin: 'model',
    });
    ctx.touched.add(target);
    ctx.runtimeErrorsSince = new Date().toISOString();
    await ctx.sandbox.deleteFiles(ctx.instanceId, [target], ctx.signal);
    return `deleted ${target}`;
  },

  run_command: async (ctx, { argv, timeoutMs }) => {
    const limit = Math.min(timeoutMs ?? ctx.config.commandTimeoutMs, ctx.config.commandTimeoutMs);
    const result = await ctx.sandbox.exec(ctx.instanceId, argv, { timeoutMs: limit, ...signalOf(ctx) });
    const status = result.timedOut ? `timed out after ${limit} ms` : `exit code ${result.exitCode ?? 'none (killed)'}`;
    const half = Math.floor(ctx.config.maxToolOutputChars / 2);
    return `${argv.join(' ')}: ${status}\n--- stdout\n${tail(result.stdout, half)}\n--- stderr\n${tail(result.stderr, half)}`;
  },

  get_errors: async (ctx, { paths }) => {
    const check = await checkApp(ctx.sandbox, ctx.events, {
      instanceId: ctx.instanceId,
      buildCommand: buildCommandOf(ctx),
      timeoutMs: ctx.config.commandTimeoutMs,
      runtimeErrorsSince: ctx.runtimeErrorsSince,
      probePaths: ['/', ...(paths ?? [])],
      signal: ctx.signal,
    });
    const problems = [...check.diagnostics, ...check.runtimeErrors.map(runtimeDiagnostic)];
    if (problems.length === 0) return 'no errors: type check, build and preview are clean';
    const lines = problems.map(
      (d) => `- ${d.file ? `${d.file}:${d.line}:${d.column} ` : `${d.source}: `}${d.code} ${d.message}`,
    );
    return `${problems.length} error(s):\n${lines.join('\n')}`;
  },

  deploy_preview: async (ctx) => {
    const command = buildCommandOf(ctx);
    const build = await ctx.sandbox.exec(ctx.instanceId, command, {
      timeoutMs: ctx.config.commandTimeoutMs,
      ...signalOf(ctx),
    });
    if (build.exitCode !== 0) {
      throw new ToolRefusal(
        `${command.join(' ')} failed (${build.timedOut ? 'timed out' : `exit code ${build.exitCode}`}):\n${tail(`${build.stderr}\n${build.stdout}`.trim(), 2000)}`,
      );
    }
    await ctx.sandbox.applyBuild?.(ctx.instanceId, ctx.signal);
    const readiness = await ctx.sandbox.waitForReady(ctx.instanceId, {
      timeoutMs: ctx.config.readyTimeoutMs,
      ...signalOf(ctx),
    });
    if (!readiness.ready)
      throw new ToolRefusal(`the preview did not answer within ${ctx.config.readyTimeoutMs} ms; call get_errors`);
    ctx.actor.state.preview = { instanceId: ctx.instanceId, previewURL: readiness.previewURL };
    await ctx.events.emit({
      type: 'deployment_completed',
      previewURL: readiness.previewURL,
      tunnelURL: readiness.previewURL,
      instanceId: ctx.instanceId,
      message: 'Preview updated',
    });
    return `deployed: the preview runs at ${readiness.previewURL}`;
  },
};

const MAX_GREP_HITS = 100;

/** Records the file as a new version of the step, reports it and writes it to the preview. */
async function writeFile(ctx: ToolContext, path: string, content: string, purpose?: string): Promise<boolean> {
  const { state } = ctx.actor;
  const filePurpose = purpose ?? purposeIn(state, path) ?? '';
  if (!recordFileVersion(state, path, { content, purpose: filePurpose, step: ctx.step, origin: 'model' })) return false;
  await ctx.events.emit({ type: 'file_generating', filePath: path, filePurpose });
  await ctx.events.emit({ type: 'file_generated', file: { filePath: path, fileContents: content, filePurpose } });
  ctx.touched.add(path);
  ctx.runtimeErrorsSince = new Date().toISOString();
  await ctx.sandbox.writeFiles(ctx.instanceId, [{ path, content }], ctx.signal);
  return true;
}

/** The path inside the app, or a refusal naming why not (`..`, absolute, `.git`, …). */
function appPath(raw: string): string {
  const verdict = sanitizeFilePath(raw);
  if (!verdict.ok)
    throw new ToolRefusal(
      `refused path ${JSON.stringify(raw)}: it ${verdict.reason}; paths are relative to the app root`,
    );
  return verdict.path;
}

function existing(ctx: ToolContext, path: string): string {
  const content = appFiles(ctx).get(path);
  if (content === undefined) throw new ToolRefusal(`no file ${path}; list_files shows the app's files`);
  return content;
}

function refused(message: string): ToolOutcome {
  return { output: `Error: ${message}`, isError: true };
}

/** Long output keeps its head and its tail: errors are usually at the end, context at the start. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n… [${text.length - 2 * half} characters not shown]\n${text.slice(-half)}`;
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `… [${text.length - max} characters not shown]\n${text.slice(-max)}`;
}

function signalOf(ctx: ToolContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
