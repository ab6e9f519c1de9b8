import { halves, sseFrame, type PlannedReply, type TranscriptMessage, type WireProtocol } from './wire-protocol.js';

/**
 * TEST FIXTURE. OpenAI's chat completions (`POST /v1/chat/completions`), as Ollama, vLLM and the
 * openai-compatible provider speak it: plain JSON, or SSE ending in `data: [DONE]`.
 */

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { role: string; content: unknown; tool_calls?: { function?: { name?: string; arguments?: string } }[] }[];
}

export const openaiProtocol: WireProtocol = {
  name: 'openai',
  idPrefix: 'chatcmpl-scripted-',

  handles: (method, url) => method === 'POST' && url.pathname === '/v1/chat/completions',

  parse(raw) {
    const body = raw as ChatBody;
    return {
      model: body.model,
      stream: body.stream === true,
      streamUsage: body.stream_options?.include_usage === true,
      messages: (body.messages ?? []).map((m): TranscriptMessage => ({
        role: m.role as TranscriptMessage['role'],
        text: contentText(m.content),
        calls: (m.tool_calls ?? []).map((c) => `${c.function?.name ?? ''}(${c.function?.arguments ?? ''})`),
      })),
      promptChars: JSON.stringify(body.messages ?? []).length,
    };
  },

  // `code` only on scripted errors: the other fixture errors never carried one.
  errorBody: ({ status, message, type }) => ({
    error: { message, type, ...(type === 'scripted_error' ? { code: status } : {}) },
  }),

  replyBody(reply) {
    const toolCalls = wireToolCalls(reply);
    return {
      id: reply.id,
      object: 'chat.completion',
      created: reply.created,
      model: reply.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.content === '' && toolCalls.length > 0 ? null : reply.content,
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: reply.finishReason,
        },
      ],
      usage: fullUsage(reply),
    };
  },

  streamEncoder(reply, request) {
    const { id, created, model } = reply;
    const chunk = (delta: unknown, finish: string | null = null) =>
      sseFrame({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    return {
      start: () => [chunk({ role: 'assistant', content: '' })],
      text: (piece) => [chunk({ content: piece })],
      toolCall: (call, index) => [
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
        ...halves(call.arguments).map((part) => chunk({ tool_calls: [{ index, function: { arguments: part } }] })),
      ],
      end: () => [
        chunk({}, reply.finishReason),
        ...(request.streamUsage
          ? [sseFrame({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: fullUsage(reply) })]
          : []),
        'data: [DONE]\n\n',
      ],
    };
  },
};

/** `GET /v1/models`: the script's models, in OpenAI's list shape. */
export function openaiModelList(models: string[]): unknown {
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'kiln-scripted' })) };
}

function wireToolCalls(reply: PlannedReply) {
  return reply.toolCalls.map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: c.arguments },
  }));
}

function fullUsage({ usage }: PlannedReply) {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
  }
  return '';
}
