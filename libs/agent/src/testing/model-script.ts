import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * A script for the scripted model server (a test fixture): the turns a fake model plays.
 * Turns are consumed in order; a turn with `match` is only taken by a request whose last user
 * message matches it (a case-insensitive regular expression), so scripts can answer by content;
 * `matchLast` matches the last message of any role instead (a tool result, for tool loops).
 */
export const ZScriptToolCall = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  /** An object (sent as JSON) or raw text (to script malformed arguments). */
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]),
});

export const ZScriptReply = z
  .object({
    content: z.string().optional(),
    /** Streamed pieces, in order; defaults to `content` cut into `chunkSize` pieces. */
    chunks: z.array(z.string()).optional(),
    chunkSize: z.number().int().min(1).default(16),
    toolCalls: z.array(ZScriptToolCall).default([]),
    finishReason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']).optional(),
    /** Usage the server reports; estimated from the text when absent. */
    usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }).optional(),
  })
  .refine((r) => !(r.content !== undefined && r.chunks !== undefined), 'give content or chunks, not both');

export const ZScriptError = z.object({
  status: z.number().int().min(400).max(599),
  message: z.string().default('scripted failure'),
  /** Sent as the Retry-After header (seconds, or an HTTP date). */
  retryAfter: z.union([z.number(), z.string()]).optional(),
});

export const ZScriptTurn = z
  .object({
    match: z.string().optional(),
    /**
     * Like `match`, against the request's last message whatever its role: a tool result's content,
     * or an assistant message's text and tool calls (`name(arguments)`). Both must match if both are given.
     */
    matchLast: z.string().optional(),
    /** How many requests this turn answers before it is used up. */
    times: z.number().int().min(1).default(1),
    reply: ZScriptReply.optional(),
    error: ZScriptError.optional(),
    /** Delay before the response starts. */
    latencyMs: z.number().int().min(0).default(0),
    /** Delay between streamed chunks. */
    chunkDelayMs: z.number().int().min(0).default(0),
    /** Drop the connection after this many content chunks, like a crashing inference server. */
    dropAfterChunks: z.number().int().min(0).optional(),
  })
  .refine((t) => (t.reply === undefined) !== (t.error === undefined), 'a turn has exactly one of reply or error');

export const ZModelScript = z.object({
  name: z.string().optional(),
  models: z.array(z.string()).default(['scripted-model']),
  turns: z.array(ZScriptTurn),
});
export type TModelScript = z.infer<typeof ZModelScript>;
export type TModelScriptInput = z.input<typeof ZModelScript>;
export type TScriptTurn = z.infer<typeof ZScriptTurn>;

export async function loadModelScript(path: string): Promise<TModelScript> {
  const text = await readFile(path, 'utf8');
  const parsed = ZModelScript.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
