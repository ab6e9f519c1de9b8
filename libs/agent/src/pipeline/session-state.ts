import { z } from 'zod';
import { ZPhaseConcept } from '@kiln/contracts';
import { ZUsageSnapshot } from '../providers/usage-ledger.js';
import { ZBlueprint } from './blueprint-schema.js';
import { ZDiagnostic } from './ports.js';

/**
 * A session is an actor whose whole state is this serializable object: the pipeline keeps it,
 * mutates it one step at a time and checkpoints it after every step. `completedSteps` is what
 * makes a resumed run skip what already happened (each step runs once, keyed by its name).
 */

export const ZPhaseStatus = z.enum(['pending', 'implementing', 'validating', 'implemented']);

export const ZSessionPhase = ZPhaseConcept.extend({
  status: ZPhaseStatus,
  /**
   * `plan` phases come from the blueprint; `edit` phases from follow-up requests; `review` is the
   * final review, which fixes what the model finds wrong in the finished app.
   */
  kind: z.enum(['plan', 'edit', 'review']),
  /** For `edit` phases: the change request. */
  request: z.string().optional(),
  fixRounds: z.number().int().nonnegative().default(0),
  /** Problems still open when the phase ended (fix rounds used up). */
  remainingIssues: z.array(ZDiagnostic).default([]),
});
export type TSessionPhase = z.infer<typeof ZSessionPhase>;

export const ZFileVersion = z.object({
  /** null: the file was deleted at this version. */
  content: z.string().nullable(),
  purpose: z.string(),
  /** The step that wrote it (`phase:0:implement`, `phase:0:fix:1`). */
  step: z.string(),
  /** How: the model's full file or edit, or a deterministic fix. */
  origin: z.enum(['model', 'deterministic-fix']),
});
export type TFileVersion = z.infer<typeof ZFileVersion>;

export const ZConversationMessage = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
});

export const ZFixRecord = z.object({
  phaseIndex: z.number().int().nonnegative(),
  round: z.number().int().nonnegative(),
  kind: z.enum(['deterministic', 'model']),
  issuesBefore: z.number().int().nonnegative(),
  files: z.array(z.string()),
  /** For deterministic fixes: what each did. */
  notes: z.array(z.string()).default([]),
});
export type TFixRecord = z.infer<typeof ZFixRecord>;

/**
 * One entry of the agentic mode's tool transcript, as stored: a request, a model step (its text
 * and tool calls), or the results of that step's tool calls. Converted to the AI SDK's
 * `ModelMessage`s for each call (agentic/transcript.ts).
 */
export const ZTranscriptEntry = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('user'),
    content: z.string(),
    /** `note`: Kiln's word to the model within a request (an answer cut off), not a request. */
    note: z.boolean().optional(),
  }),
  z.object({
    role: z.literal('assistant'),
    text: z.string(),
    toolCalls: z.array(z.object({ toolCallId: z.string(), toolName: z.string(), input: z.unknown() })),
  }),
  z.object({
    role: z.literal('tool'),
    results: z.array(
      z.object({ toolCallId: z.string(), toolName: z.string(), output: z.string(), isError: z.boolean() }),
    ),
  }),
]);
export type TTranscriptEntry = z.infer<typeof ZTranscriptEntry>;

export const ZSessionState = z.object({
  version: z.literal(1),
  /** `phasic`: blueprint and phases; `agentic`: the tool-calling loop. Chosen when the session starts. */
  mode: z.enum(['phasic', 'agentic']).default('phasic'),
  sessionId: z.string().min(1),
  query: z.string(),
  status: z.enum(['new', 'running', 'stopped', 'failed', 'complete']),
  blueprint: ZBlueprint.nullable(),
  template: z.string().nullable(),
  phases: z.array(ZSessionPhase),
  /** path → versions, oldest first; the last non-null version is the current content. */
  files: z.record(z.string(), z.array(ZFileVersion)),
  conversation: z.array(ZConversationMessage),
  usage: ZUsageSnapshot,
  completedSteps: z.array(z.string()),
  /** The step being worked on (informational: resume is driven by `completedSteps`). */
  currentStep: z.string().nullable(),
  fixes: z.array(ZFixRecord),
  preview: z.object({ instanceId: z.string(), previewURL: z.string() }).nullable(),
  /** Why the last run failed, for the UI and for the resume. */
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Agentic mode: the conversation with the model, tool calls and results included. */
  transcript: z.array(ZTranscriptEntry).default([]),
});
export type TSessionState = z.infer<typeof ZSessionState>;

export function newSessionState(sessionId: string): TSessionState {
  return {
    version: 1,
    mode: 'phasic',
    sessionId,
    query: '',
    status: 'new',
    blueprint: null,
    template: null,
    phases: [],
    files: {},
    conversation: [],
    usage: { entries: [] },
    completedSteps: [],
    currentStep: null,
    fixes: [],
    preview: null,
    lastError: null,
    transcript: [],
  };
}

/** The current content of every existing file. */
export function currentFiles(state: TSessionState): Map<string, string> {
  const files = new Map<string, string>();
  for (const [path, versions] of Object.entries(state.files)) {
    const last = versions.at(-1);
    if (last && last.content !== null) files.set(path, last.content);
  }
  return files;
}

export function currentFile(state: TSessionState, path: string): string | undefined {
  return state.files[path]?.at(-1)?.content ?? undefined;
}

export function filePurpose(state: TSessionState, path: string): string | undefined {
  return state.files[path]?.at(-1)?.purpose;
}

/** Adds a version when the content changed; returns whether it did. */
export function recordFileVersion(state: TSessionState, path: string, version: TFileVersion): boolean {
  const versions = (state.files[path] ??= []);
  const last = versions.at(-1);
  if (last && last.content === version.content) return false;
  if (!last && version.content === null) return false;
  versions.push(version);
  return true;
}
