import {
  argumentsValue,
  replyParts,
  splitMessage,
  sseFrame,
  type PlannedReply,
  type TranscriptMessage,
  type TranscriptPart,
  type WireProtocol,
} from './wire-protocol.js';

/**
 * TEST FIXTURE. Google's Gemini API as @ai-sdk/google calls it: `POST <base>/models/<model>:generateContent`
 * (JSON) and `:streamGenerateContent?alt=sse` (SSE `data:` lines, each a candidates chunk; finish
 * reason and usage in the last). Without `alt=sse` Gemini streams a JSON array, which the SDK never
 * asks for and the fixture does not serve. The `x-goog-api-key` header is not checked.
 */

const ROUTE = /^\/v1(?:beta)?\/(?:models\/)?([^:]+):(generateContent|streamGenerateContent)$/;

interface Part {
  text?: string;
  functionCall?: { name?: string; args?: unknown };
  functionResponse?: { name?: string; response?: { content?: unknown; error?: unknown } };
}

interface GenerateContentBody {
  contents?: { role?: string; parts?: Part[] }[];
  systemInstruction?: { parts?: Part[] };
}

const FINISH_REASONS: Record<PlannedReply['finishReason'], string> = {
  // Gemini has no tool-call finish reason: the SDK reads STOP plus a functionCall as one.
  stop: 'STOP',
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

export const geminiProtocol: WireProtocol = {
  name: 'gemini',
  idPrefix: 'resp-scripted-',

  handles(method, url) {
    const route = ROUTE.exec(url.pathname);
    if (method !== 'POST' || !route) return false;
    return route[2] === 'generateContent' || url.searchParams.get('alt') === 'sse';
  },

  parse(raw, url) {
    const body = raw as GenerateContentBody;
    const [, model, action] = ROUTE.exec(url.pathname) ?? [];
    const system = body.systemInstruction?.parts ?? [];
    return {
      model,
      stream: action === 'streamGenerateContent',
      streamUsage: true,
      messages: [
        ...(system.length > 0 ? [systemMessage(system)] : []),
        ...(body.contents ?? []).flatMap((c) =>
          splitMessage(c.role === 'model' ? 'assistant' : 'user', (c.parts ?? []).flatMap(transcriptPart)),
        ),
      ],
      promptChars: JSON.stringify({ systemInstruction: body.systemInstruction, contents: body.contents ?? [] }).length,
    };
  },

  errorBody: ({ status, message }) => ({ error: { code: status, message, status: errorStatus(status) } }),

  replyBody(reply) {
    const parts = replyParts(reply, (text): unknown => ({ text }), functionCallPart);
    return chunk(reply, parts, true);
  },

  streamEncoder(reply) {
    return {
      start: () => [],
      text: (piece) => [sseFrame(chunk(reply, [{ text: piece }]))],
      toolCall: (call) => [sseFrame(chunk(reply, [functionCallPart(call)]))],
      // The real API ends with an empty text part beside the finish reason; the SDK skips it.
      end: () => [sseFrame(chunk(reply, [{ text: '' }], true))],
    };
  },
};

/** One response or stream chunk; the last (`done`) carries the finish reason and the usage. */
function chunk(reply: PlannedReply, parts: unknown[], done = false) {
  const { prompt_tokens, completion_tokens } = reply.usage;
  return {
    candidates: [
      {
        content: { role: 'model', parts },
        ...(done ? { finishReason: FINISH_REASONS[reply.finishReason] } : {}),
        index: 0,
      },
    ],
    ...(done
      ? {
          usageMetadata: {
            promptTokenCount: prompt_tokens,
            candidatesTokenCount: completion_tokens,
            totalTokenCount: prompt_tokens + completion_tokens,
          },
        }
      : {}),
    modelVersion: reply.model,
    responseId: reply.id,
  };
}

function functionCallPart(call: PlannedReply['toolCalls'][number]) {
  // A malformed scripted argument text goes out as a string; the SDK passes string args on as is.
  return { functionCall: { id: call.id, name: call.name, args: argumentsValue(call) } };
}

function transcriptPart(part: Part): TranscriptPart[] {
  if (part.functionCall) return [{ kind: 'call', name: part.functionCall.name ?? '', input: part.functionCall.args }];
  if (part.functionResponse) {
    const response = part.functionResponse.response;
    return [{ kind: 'result', output: response?.content ?? response?.error ?? response }];
  }
  if (typeof part.text === 'string') return [{ kind: 'text', text: part.text }];
  return [];
}

function systemMessage(parts: Part[]): TranscriptMessage {
  return { role: 'system', text: parts.map((p) => p.text ?? '').join(''), calls: [] };
}

/** google.rpc.Code names, as the API puts them in `error.status`. */
function errorStatus(status: number): string {
  const names: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'ABORTED',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return names[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}
