import type { TPhaseConcept } from '@kiln/contracts';
import type { FileOutputResult } from '../files/file-output-processor.js';
import type { ContextFile } from '../providers/prompt-budget.js';
import { deterministicFixes } from './deterministic-fixes.js';
import { appFiles, buildCommandOf, purposeIn, sandboxFiles, type PipelineContext } from './pipeline-context.js';
import { checkApp, runtimeDiagnostic, type AppCheck } from './check-app.js';
import type { TDiagnostic } from './ports.js';
import {
  EDIT_INSTRUCTIONS,
  FIX_INSTRUCTIONS,
  IMPLEMENT_INSTRUCTIONS,
  REVIEW_INSTRUCTIONS,
  editRequest,
  fixRequest,
  implementRequest,
  reviewRequest,
} from './prompts.js';
import { recordFileVersion, type TFileVersion, type TSessionPhase, type TSessionState } from './session-state.js';
import { streamFiles } from './stream-files.js';

/**
 * One phase: implement (the model writes its files) → check (static analysis, build, runtime
 * errors) → fix rounds (deterministic fixes when one applies, else the model) until clean or
 * out of rounds → done. Every step is keyed `phase:<index>:<step>` and runs once per session;
 * checks are not steps: they only read, so a resumed run simply checks again.
 */
export async function runPhase(ctx: PipelineContext, index: number): Promise<void> {
  const { actor } = ctx;
  const key = (step: string) => `phase:${index}:${step}`;
  if (actor.isDone(key('done'))) return;

  await actor.step(key('implement'), async (state) => {
    const phase = state.phases[index]!;
    phase.status = 'implementing';
    const concept = conceptOf(phase);
    if (phase.kind === 'review') {
      await ctx.events.emit({ type: 'code_reviewing', message: 'Reviewing the app against its plan' });
    } else {
      await ctx.events.emit({ type: 'phase_generating', message: `Planning ${phase.name}`, phase: concept });
      await ctx.events.emit({ type: 'phase_generated', message: `Planned ${phase.name}`, phase: concept });
      await ctx.events.emit({ type: 'phase_implementing', message: `Implementing ${phase.name}`, phase: concept });
    }
    const prompt = phasePrompt(state, phase, index);
    const result = await streamFiles(ctx.registry, ctx.events, {
      operation: phase.kind === 'review' ? 'fixing' : 'phaseGeneration',
      instructions: prompt.instructions,
      messages: [...state.conversation, { role: 'user', content: prompt.request }],
      files: contextFiles(ctx, new Set(phase.files.map((f) => f.path))),
      focus: `${phase.name} ${phase.description} ${phase.files.map((f) => f.path).join(' ')}`,
      ledger: actor.ledger,
      ...signalOf(ctx),
      readFile: (path) => appFiles(ctx).get(path),
      purposeOf: (path) => purposeIn(state, path),
    });
    const changed = applyWritten(state, result, key('implement'));
    if (phase.kind === 'review') {
      // The review's phase lists what it changed: nothing changed, nothing to check.
      phase.files = changed.map((path) => ({ path, purpose: purposeIn(state, path) ?? '' }));
      const summary = result.prose.join('\n').trim() || 'The review found nothing to change.';
      state.conversation.push({ role: 'assistant', content: `Review: ${summary}` });
      await ctx.events.emit({
        type: 'code_reviewed',
        message: changed.length ? `The review changed ${changed.length} file(s)` : 'The review changed nothing',
        review: { summary, filesChanged: changed },
      });
    }
    phase.status = 'validating';
    await writeToSandbox(ctx, changed);
  });

  let remaining: TDiagnostic[] = [];
  const reviewed = actor.state.phases[index]!;
  const unchangedReview = reviewed.kind === 'review' && reviewed.files.length === 0;
  for (let round = 0; !unchangedReview; round++) {
    if (actor.isDone(key(`fix:${round}`))) continue;
    const check = await checkCurrentApp(ctx);
    remaining = [...check.diagnostics, ...check.runtimeErrors.map(runtimeDiagnostic)];
    if (remaining.length === 0) break;
    if (round >= ctx.config.maxFixRounds) break;
    await actor.step(key(`fix:${round}`), (state) => fixRound(ctx, state, index, round, check));
  }

  await actor.step(key('done'), async (state) => {
    const phase = state.phases[index]!;
    phase.status = 'implemented';
    phase.remainingIssues = remaining;
    if (remaining.length) {
      await ctx.events.emit({
        type: 'error',
        code: 'FIX_INCOMPLETE',
        error: `${phase.name}: ${remaining.length} problem(s) left after ${phase.fixRounds} fix round(s): ${remaining
          .slice(0, 3)
          .map((d) => `${d.file}:${d.line} ${d.message}`)
          .join('; ')}`,
      });
    }
    if (phase.kind !== 'review') {
      await ctx.events.emit({
        type: 'phase_implemented',
        message: `Implemented ${phase.name}`,
        phase: conceptOf(phase),
      });
    }
    if (unchangedReview) return;
    const readiness = await ctx.sandbox.waitForReady(ctx.instanceId, {
      timeoutMs: ctx.config.readyTimeoutMs,
      ...signalOf(ctx),
    });
    if (readiness.ready) {
      state.preview = { instanceId: ctx.instanceId, previewURL: readiness.previewURL };
      await ctx.events.emit({
        type: 'deployment_completed',
        previewURL: readiness.previewURL,
        tunnelURL: readiness.previewURL,
        instanceId: ctx.instanceId,
        message: `Preview updated after ${phase.name}`,
      });
    }
  });
}

/** The app's problems after a phase's writes: static analysis, the build, the running preview. */
function checkCurrentApp(ctx: PipelineContext): Promise<AppCheck> {
  const state = ctx.actor.state;
  return checkApp(ctx.sandbox, ctx.events, {
    instanceId: ctx.instanceId,
    buildCommand: buildCommandOf(ctx),
    timeoutMs: ctx.config.commandTimeoutMs,
    runtimeErrorsSince: ctx.runtimeErrorsSince,
    probePaths: ['/', ...(state.blueprint?.checkPaths ?? [])],
    signal: ctx.signal,
  });
}

/** The instructions and request of a phase's implement step, by the phase's kind. */
function phasePrompt(state: TSessionState, phase: TSessionPhase, index: number) {
  switch (phase.kind) {
    case 'edit':
      return { instructions: EDIT_INSTRUCTIONS, request: editRequest(phase) };
    case 'review':
      return { instructions: REVIEW_INSTRUCTIONS, request: reviewRequest(state.blueprint!, state.phases) };
    case 'plan':
      return { instructions: IMPLEMENT_INSTRUCTIONS, request: implementRequest(state.blueprint!, phase, index) };
  }
}

async function fixRound(
  ctx: PipelineContext,
  state: TSessionState,
  index: number,
  round: number,
  check: AppCheck,
): Promise<void> {
  const step = `phase:${index}:fix:${round}`;
  const phase = state.phases[index]!;
  phase.fixRounds = round + 1;
  const files = appFiles(ctx);
  // A deterministic fix that did not cure its error would be proposed again; then the model decides.
  const previous = state.fixes.findLast((f) => f.phaseIndex === index);
  const proposed = deterministicFixes(files, check.diagnostics);
  const repeated =
    previous?.kind === 'deterministic' && proposed.map((f) => f.note).join('\n') === previous.notes.join('\n');
  const fixes = repeated ? [] : proposed;
  let changed: string[];
  if (fixes.length) {
    changed = [];
    for (const fix of fixes) {
      const version: TFileVersion = {
        content: fix.content,
        purpose: purposeIn(state, fix.path) ?? '',
        step,
        origin: 'deterministic-fix',
      };
      if (!recordFileVersion(state, fix.path, version)) continue;
      changed.push(fix.path);
      await ctx.events.emit({ type: 'file_generating', filePath: fix.path, filePurpose: version.purpose });
      await ctx.events.emit({
        type: 'file_generated',
        file: { filePath: fix.path, fileContents: fix.content, filePurpose: version.purpose },
      });
    }
    state.fixes.push({
      phaseIndex: index,
      round,
      kind: 'deterministic',
      issuesBefore: check.diagnostics.length,
      files: changed,
      notes: fixes.map((f) => f.note),
    });
  } else {
    const named = new Set(check.diagnostics.map((d) => d.file).filter((f) => f !== ''));
    const result = await streamFiles(ctx.registry, ctx.events, {
      operation: 'fixing',
      instructions: FIX_INSTRUCTIONS,
      messages: [{ role: 'user', content: fixRequest(check.diagnostics, check.runtimeErrors) }],
      files: contextFiles(ctx, named),
      focus: [
        ...check.diagnostics.map((d) => `${d.file} ${d.message}`),
        ...check.runtimeErrors.map((e) => e.message),
      ].join('\n'),
      ledger: ctx.actor.ledger,
      ...signalOf(ctx),
      readFile: (path) => appFiles(ctx).get(path),
      purposeOf: (path) => purposeIn(state, path),
    });
    changed = applyWritten(state, result, step);
    state.fixes.push({
      phaseIndex: index,
      round,
      kind: 'model',
      issuesBefore: check.diagnostics.length + check.runtimeErrors.length,
      files: changed,
      notes: result.rejected.map((r) => `${r.code} ${r.path ?? ''}`.trim()),
    });
  }
  await writeToSandbox(ctx, changed);
}

async function writeToSandbox(ctx: PipelineContext, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  // Errors logged before the write are about code that is gone.
  ctx.runtimeErrorsSince = new Date().toISOString();
  await ctx.sandbox.writeFiles(ctx.instanceId, sandboxFiles(appFiles(ctx), paths), ctx.signal);
}

function applyWritten(state: TSessionState, result: FileOutputResult, step: string): string[] {
  const changed: string[] = [];
  for (const [path, content] of result.files) {
    const written = result.written.findLast((w) => w.path === path);
    const purpose = written?.purpose || (purposeIn(state, path) ?? '');
    if (recordFileVersion(state, path, { content, purpose, step, origin: 'model' })) changed.push(path);
  }
  return changed;
}

function contextFiles(ctx: PipelineContext, pinned: ReadonlySet<string>): ContextFile[] {
  return [...appFiles(ctx)].map(([path, content]) => ({ path, content, pinned: pinned.has(path) }));
}

function conceptOf(phase: TSessionPhase): TPhaseConcept {
  return { name: phase.name, description: phase.description, files: phase.files };
}

function signalOf(ctx: PipelineContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
