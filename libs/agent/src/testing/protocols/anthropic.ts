import {
  argumentsValue,
  halves,
  replyParts,
  splitMessage,
  sseFrame,
  type PlannedReply,
  type TranscriptMessage,
  type TranscriptPart,
  type WireProtocol,
} from './wire-protocol.js';

/**
 * TEST FIXTURE. Anthropic's Messages API (`POST /v1/messages`) in the shapes @ai-sdk/anthropic
 * parses: a `message` object, or named SSE events (message_start, content_block_start/delta/stop,
 * message_delta with the stop reason and output tokens, message_stop). The API key
 * (`x-api-key`) and `anthropic-version` headers are not checked.
 */

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content?: unknown }
  | { type: string };

interface MessagesBody {
  model?: string;
  stream?: boolean;
  system?: string | Block[];
  messages?: { role: 'user' | 'assistant'; content: string | Block[] }[];
}

const STOP_REASONS: Record<PlannedReply['finishReason'], string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
  content_filter: 'refusal',
};

export const anthropicProtocol: WireProtocol = {
  name: 'anthropic',
  idPrefix: 'msg_scripted_',

  handles: (method, url) => method === 'POST' && url.pathname === '/v1/messages',

  parse(raw) {
    const body = raw as MessagesBody;
    return {
      model: body.model,
      stream: body.stream === true,
      streamUsage: true,
      messages: [
        ...(body.system === undefined ? [] : [systemMessage(body.system)]),
        // The SDK merges consecutive user messages into one (the API wants roles to alternate): the
        // budgeted file context and the request arrive as two text blocks of one message.
        ...(body.messages ?? []).flatMap((m) => splitMessage(m.role, parts(m.content), m.role === 'user')),
      ],
      promptChars: JSON.stringify({ system: body.system, messages: body.messages ?? [] }).length,
    };
  },

  errorBody: ({ status, message }) => ({ type: 'error', error: { type: errorType(status), message } }),

  replyBody(reply) {
    const content = replyParts(
      reply,
      (text): unknown => ({ type: 'text', text }),
      (c) => ({ type: 'tool_use', id: c.id, name: c.name, input: argumentsValue(c) }),
    );
    return message(reply, content, STOP_REASONS[reply.finishReason], reply.usage.completion_tokens);
  },

  streamEncoder(reply) {
    const event = (payload: { type: string; [key: string]: unknown }) => sseFrame(payload, payload.type);
    const blockStop = (index: number) => event({ type: 'content_block_stop', index });
    // A text block (index 0) only when there is text, as the API does for a bare tool call.
    const hasText = reply.pieces.length > 0;
    const firstTool = hasText ? 1 : 0;
    return {
      start: () => [
        event({
          type: 'message_start',
          message: message(reply, [], null, 0),
        }),
        ...(hasText
          ? [event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })]
          : []),
      ],
      text: (piece) => [event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } })],
      toolCall: (call, i) => {
        const index = firstTool + i;
        return [
          ...(hasText && i === 0 ? [blockStop(0)] : []),
          event({
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
          }),
          ...halves(call.arguments).map((partial_json) =>
            event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }),
          ),
          blockStop(index),
        ];
      },
      end: () => [
        ...(hasText && reply.toolCalls.length === 0 ? [blockStop(0)] : []),
        event({
          type: 'message_delta',
          delta: { stop_reason: STOP_REASONS[reply.finishReason], stop_sequence: null },
          usage: { output_tokens: reply.usage.completion_tokens },
        }),
        event({ type: 'message_stop' }),
      ],
    };
  },
};

/** A `message` object: the whole reply, or the empty one a stream starts with. */
function message(reply: PlannedReply, content: unknown[], stopReason: string | null, outputTokens: number) {
  return {
    id: reply.id,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: reply.usage.prompt_tokens, output_tokens: outputTokens },
  };
}

function systemMessage(system: string | Block[]): TranscriptMessage {
  const text = parts(system).flatMap((p) => (p.kind === 'text' ? [p.text] : []));
  return { role: 'system', text: text.join(''), calls: [] };
}

function parts(content: string | Block[]): TranscriptPart[] {
  if (typeof content === 'string') return [{ kind: 'text', text: content }];
  return content.flatMap((block): TranscriptPart[] => {
    if (isBlock(block, 'text')) return [{ kind: 'text', text: block.text }];
    if (isBlock(block, 'tool_use')) return [{ kind: 'call', name: block.name, input: block.input }];
    if (isBlock(block, 'tool_result')) return [{ kind: 'result', output: block.content ?? '' }];
    return [];
  });
}

function isBlock<T extends Block['type']>(block: Block, type: T): block is Extract<Block, { type: T }> {
  return block.type === type;
}

/** https://docs.anthropic.com/en/api/errors */
function errorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}
