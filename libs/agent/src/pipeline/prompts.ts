import { FILE_FORMAT_INSTRUCTIONS } from '../files/file-block-parser.js';
import type { TBlueprint } from './blueprint-schema.js';
import type { TDiagnostic, TSandboxRuntimeError } from './ports.js';
import type { TTemplateInfo } from './select-template.js';
import type { TSessionPhase } from './session-state.js';

/**
 * The prompts. Each request starts with a fixed first line ("Plan the app", "Implement phase",
 * "Fix these problems", "Apply this change", "The user says") so that logs, and the scripted
 * model in tests, can tell the operations apart.
 */

export const BLUEPRINT_INSTRUCTIONS = `You plan web apps that run as Cloudflare Workers (D1, KV, R2, Durable Objects).
Answer with one JSON object and nothing else:
{"title": string, "description": string, "template": string,
 "views": [{"name": string, "description": string}],
 "dataModel": [{"name": string, "description": string, "fields": [string]}],
 "phases": [{"name": string, "description": string, "files": [{"path": string, "purpose": string}]}],
 "checkPaths": [string]}
Use 1 to 4 phases; each phase lists the files it writes, relative to the app root.
"checkPaths" lists up to 5 paths the finished app answers with GET (e.g. "/api/items"): they are
requested after every build to find errors that only show when the code runs.`;

export function blueprintRequest(query: string, templates: readonly TTemplateInfo[]): string {
  const list = templates.map((t) => `- ${t.name}: ${t.description}`).join('\n');
  return `Plan the app for this request:\n${query}\n\nChoose "template" from:\n${list}`;
}

export const IMPLEMENT_INSTRUCTIONS = `You write the code of a Cloudflare Workers app in TypeScript, one phase at a time.
Write complete, working files; do not leave placeholders. Import from relative paths that exist.
${FILE_FORMAT_INSTRUCTIONS}`;

export function implementRequest(blueprint: TBlueprint, phase: TSessionPhase, index: number): string {
  const files = phase.files.map((f) => `- ${f.path}: ${f.purpose}`).join('\n');
  const data = blueprint.dataModel.map((d) => `- ${d.name}: ${d.fields.join(', ')}`).join('\n');
  return `Implement phase ${index + 1} of "${blueprint.title}": ${phase.name}
${phase.description}

Files of this phase:
${files}
${data ? `\nData model:\n${data}\n` : ''}
App: ${blueprint.description}`;
}

export const EDIT_INSTRUCTIONS = `You change an existing Cloudflare Workers app in TypeScript.
Make the smallest change that does what is asked: prefer <edit> blocks on the files shown over rewriting them.
${FILE_FORMAT_INSTRUCTIONS}`;

export function editRequest(phase: TSessionPhase): string {
  return `Apply this change to the app: ${phase.request ?? phase.description}`;
}

export const FIX_INSTRUCTIONS = `You fix errors in a Cloudflare Workers app in TypeScript.
Change only what the errors require, with <edit> blocks (or whole files when the change is large).
${FILE_FORMAT_INSTRUCTIONS}`;

export function fixRequest(
  diagnostics: readonly TDiagnostic[],
  runtimeErrors: readonly TSandboxRuntimeError[],
): string {
  const lines = diagnostics.map((d) => `- ${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
  const runtime = runtimeErrors.map(
    (e) =>
      `- ${e.request ? `${e.request.method} ${e.request.path} → ${e.request.status}: ` : `${e.kind}: `}${e.message}`,
  );
  return `Fix these problems:\n${[...lines, ...runtime].join('\n')}`;
}

export const REVIEW_INSTRUCTIONS = `You review a finished Cloudflare Workers app in TypeScript against its plan.
Say in a few sentences whether it does what the plan asks. When something is wrong or missing, fix it
with <edit> blocks (or whole files); write no file when the app is right.
${FILE_FORMAT_INSTRUCTIONS}`;

export function reviewRequest(blueprint: TBlueprint, phases: readonly TSessionPhase[]): string {
  const planned = phases
    .filter((p) => p.kind === 'plan')
    .map((p) => `- ${p.name}: ${p.description}`)
    .join('\n');
  const open = phases.flatMap((p) => p.remainingIssues).map((d) => `- ${d.file}:${d.line} ${d.code} ${d.message}`);
  return `Review the finished app "${blueprint.title}": ${blueprint.description}

Its phases:
${planned}
${open.length ? `\nProblems the fix loop left open:\n${open.join('\n')}\n` : ''}`;
}

export const CONVERSATION_INSTRUCTIONS = `You are the assistant of an app builder. The user talks about the app you built.
Answer with one JSON object and nothing else:
{"reply": string, "changeRequest": string | null, "files": [string]}
"reply" answers the user briefly. "changeRequest" restates precisely the change to make to the app,
or is null when the user asks for no change. "files" lists the existing files the change touches.`;

export function conversationRequest(message: string, blueprint: TBlueprint | null, paths: readonly string[]): string {
  const app = blueprint ? `${blueprint.title}: ${blueprint.description}` : 'not planned yet';
  return `The user says: ${message}\n\nThe app: ${app}\nIts files: ${paths.join(', ')}`;
}

/** What the agent says when a run ends: phases built (changes apart), files the session wrote, open problems. */
export function completionSummary(
  blueprint: TBlueprint | null,
  phases: readonly TSessionPhase[],
  writtenFiles: number,
): string {
  const open = phases.reduce((n, p) => n + p.remainingIssues.length, 0);
  const title = blueprint?.title ?? 'The app';
  const planned = phases.filter((p) => p.kind === 'plan').length;
  const changes = phases.filter((p) => p.kind === 'edit').length;
  const reviewed = phases.some((p) => p.kind === 'review');
  const parts = [
    `${planned} phase(s) built`,
    ...(changes ? [`${changes} change(s) made`] : []),
    `${writtenFiles} file(s) written`,
    ...(reviewed ? ['reviewed'] : []),
    ...(open ? [`${open} problem(s) left open`] : []),
  ];
  return `${title} is ready: ${parts.join(', ')}.`;
}
