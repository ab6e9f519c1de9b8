import { z } from 'zod';
import { ZPipelineConfig } from '../pipeline/pipeline-context.js';

/** The pipeline's config plus the loop's own limits; a phasic config is a valid agentic one. */
export const ZAgenticConfig = ZPipelineConfig.extend({
  /** Model steps per request (each: one model call and its tool calls) before the run fails. */
  maxSteps: z.number().int().min(1).max(500).default(40),
  /** A tool result longer than this reaches the model cut short (head and tail kept). */
  maxToolOutputChars: z.number().int().min(500).max(200_000).default(12_000),
});
export type TAgenticConfig = z.infer<typeof ZAgenticConfig>;
export type TAgenticConfigInput = z.input<typeof ZAgenticConfig>;

export const AGENTIC_INSTRUCTIONS = `You build and change web apps that run as Cloudflare Workers (D1, KV, R2, Durable Objects), in TypeScript.
You work through tools on the app's files in a preview sandbox; paths are relative to the app root.
- Look before you write: list_files, read_file, grep.
- write_file writes a whole file; edit_file replaces one exact, unique piece of a file (copy it from read_file).
- After writing, call get_errors and fix every error it reports; then call deploy_preview.
- Never leave placeholders. D1 tables need a migration in migrations/NNNN_name.sql.
When the app works, answer with a short summary of what you did, without calling a tool.`;

/** The first message of a session's transcript. */
export function agenticRequest(query: string, template: string, templateFiles: readonly string[]): string {
  const files = templateFiles.length ? templateFiles.map((p) => `- ${p}`).join('\n') : '(none)';
  return `Build this app:\n${query}\n\nThe app starts from the "${template}" template, whose files are:\n${files}`;
}

/** A follow-up request after a finished run. */
export function agenticFollowUp(message: string): string {
  return `The user asks for a change:\n${message}`;
}
