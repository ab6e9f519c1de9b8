/**
 * TEST FIXTURE. What the scripted model server needs from one provider wire protocol (OpenAI chat
 * completions, Anthropic Messages, Gemini generateContent): read a request into a neutral form,
 * and write a planned reply, a stream or an error the way that provider would. The server core
 * does routing, turn selection, pacing and recording once for all of them.
 */

export type ProtocolName = 'openai' | 'anthropic' | 'gemini';

/** One message as `match`/`matchLast` see it: a tool result is a message of its own, as in OpenAI's wire. */
export interface TranscriptMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  /** Tool calls rendered `name(arguments)`. */
  calls: string[];
}

export interface ParsedRequest {
  model: string | undefined;
  stream: boolean;
  /** Whether a stream should end with usage (OpenAI sends it only on request). */
  streamUsage: boolean;
  messages: TranscriptMessage[];
  /** Size of the prompt as sent, for the usage estimate when the script gives none. */
  promptChars: number;
}

export interface PlannedToolCall {
  id: string;
  name: string;
  /** JSON text, or the script's raw (possibly malformed) text. */
  arguments: string;
}

/** A script turn's reply, resolved for one request; the same for every protocol. */
export interface PlannedReply {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  content: string;
  /** The streamed text pieces, in order. */
  pieces: string[];
  toolCalls: PlannedToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  usage: { prompt_tokens: number; completion_tokens: number };
}

export interface FixtureError {
  status: number;
  message: string;
  /** Why the fixture fails: on cue, out of turns, no such route, or a bug in the fixture. */
  type: 'scripted_error' | 'script_exhausted' | 'not_found' | 'fixture_error';
}

/**
 * Writes one streamed reply as SSE frames. Each call returns the frames to write, one write each;
 * the core paces the calls and stops calling when the client leaves or the script drops the line.
 */
export interface StreamEncoder {
  start(): string[];
  text(piece: string): string[];
  toolCall(call: PlannedToolCall, index: number): string[];
  /** The last frame ends the response. */
  end(): string[];
}

export interface WireProtocol {
  name: ProtocolName;
  /** Prefix of the response ids this protocol hands out. */
  idPrefix: string;
  /** Whether this protocol serves `method url`. */
  handles(method: string, url: URL): boolean;
  parse(body: unknown, url: URL): ParsedRequest;
  errorBody(error: FixtureError): unknown;
  replyBody(reply: PlannedReply): unknown;
  streamEncoder(reply: PlannedReply, request: ParsedRequest): StreamEncoder;
}

/** One server-sent event; Anthropic names its events, the others send bare `data:` lines. */
export function sseFrame(payload: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(payload)}\n\n`;
}

export function cut(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Tool arguments are streamed in two pieces, so that clients must join partial JSON. */
export function halves(text: string): string[] {
  return cut(text, Math.max(1, Math.ceil(text.length / 2)));
}

/** The arguments as an object where they parse; the raw text where the script made them malformed. */
export function argumentsValue(call: PlannedToolCall): unknown {
  try {
    return JSON.parse(call.arguments) as unknown;
  } catch {
    return call.arguments;
  }
}

/** A whole reply's parts: its text (left out when empty beside tool calls, as the APIs do), then its calls. */
export function replyParts<T>(reply: PlannedReply, text: (text: string) => T, call: (call: PlannedToolCall) => T): T[] {
  return [
    ...(reply.content !== '' || reply.toolCalls.length === 0 ? [text(reply.content)] : []),
    ...reply.toolCalls.map(call),
  ];
}

/** A message part in the providers' block formats (Anthropic content blocks, Gemini parts), neutrally. */
export type TranscriptPart =
  { kind: 'text'; text: string } | { kind: 'call'; name: string; input: unknown } | { kind: 'result'; output: unknown };

/**
 * Splits one block-format message into OpenAI-shaped messages: Anthropic and Gemini send tool
 * results inside a user message, OpenAI as `tool` messages of their own, and scripts were written
 * against the latter (`matchLast` sees the last tool result, not all of them joined).
 * `textApart`: each text part was a message of its own before the SDK merged them.
 */
export function splitMessage(
  role: 'user' | 'assistant',
  parts: TranscriptPart[],
  textApart = false,
): TranscriptMessage[] {
  const out: TranscriptMessage[] = [];
  let pending: TranscriptMessage | undefined;
  for (const part of parts) {
    if (part.kind === 'result' || (textApart && part.kind === 'text')) {
      if (pending) out.push(pending);
      pending = undefined;
    }
    if (part.kind === 'result') {
      out.push({ role: 'tool', text: asText(part.output), calls: [] });
      continue;
    }
    pending ??= { role, text: '', calls: [] };
    if (part.kind === 'text') pending.text += part.text;
    else pending.calls.push(`${part.name}(${asText(part.input ?? {})})`);
  }
  if (pending) out.push(pending);
  return out;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value.map((p: { text?: unknown }) => (typeof p.text === 'string' ? p.text : '')).join('');
  return JSON.stringify(value) ?? '';
}

export function lastUserText(messages: TranscriptMessage[]): string {
  return [...messages].reverse().find((m) => m.role === 'user')?.text ?? '';
}

export function lastMessageText(messages: TranscriptMessage[]): string {
  const last = messages.at(-1);
  if (!last) return '';
  return [last.text, ...last.calls].filter((t) => t !== '').join('\n');
}
