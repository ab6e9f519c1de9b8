import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZModelScript, type TModelScript, type TModelScriptInput, type TScriptTurn } from './model-script.js';
import { anthropicProtocol } from './protocols/anthropic.js';
import { geminiProtocol } from './protocols/gemini.js';
import { openaiModelList, openaiProtocol } from './protocols/openai.js';
import {
  cut,
  lastMessageText,
  lastUserText,
  type FixtureError,
  type ParsedRequest,
  type PlannedReply,
  type ProtocolName,
  type StreamEncoder,
  type WireProtocol,
} from './protocols/wire-protocol.js';

/**
 * TEST FIXTURE. A model server on 127.0.0.1 that replays a script instead of running a model, in
 * three wire protocols so that the real provider code is exercised against a real HTTP server:
 * OpenAI chat completions (`POST /v1/chat/completions`, `GET /v1/models`), Anthropic Messages
 * (`POST /v1/messages`) and Gemini (`POST /v1/models/<model>:generateContent` and
 * `:streamGenerateContent?alt=sse`) — plain JSON and SSE streaming, tool calls, usage. It can fail
 * on cue (429/5xx with Retry-After) and pace or drop its chunks, the same script for every protocol.
 */

const PROTOCOLS: WireProtocol[] = [openaiProtocol, anthropicProtocol, geminiProtocol];

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };

export interface RecordedRequest {
  at: number;
  /** The wire protocol the request came in. */
  protocol: ProtocolName;
  stream: boolean;
  model: string;
  lastUserMessage: string;
  /** The last message of any role, as `matchLast` sees it. */
  lastMessage: string;
  /** Index of the script turn that answered, if any. */
  turn: number | undefined;
  outcome: 'replied' | 'error' | 'unmatched' | 'client-closed' | 'dropped';
  status: number;
  chunksSent: number;
  /** When the server saw the client go away (outcome `client-closed`). */
  closedAt?: number;
  body: unknown;
}

export interface ScriptedModelServer {
  /** `http://127.0.0.1:<port>/v1`, the base URL for an openai-compatible, anthropic or google provider. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Remaining uses per turn (0 = used up). */
  remaining(): number[];
  /** Resolves once the server noticed `n` client disconnects (or after `timeoutMs`). */
  waitForClientClose(n?: number, timeoutMs?: number): Promise<RecordedRequest | undefined>;
  close(): Promise<void>;
}

export async function startScriptedModelServer(
  scriptInput: TModelScriptInput | TModelScript,
  options: { port?: number } = {},
): Promise<ScriptedModelServer> {
  const script = ZModelScript.parse(scriptInput);
  const uses = script.turns.map((t) => t.times);
  const requests: RecordedRequest[] = [];
  const closeWaiters: (() => void)[] = [];
  let nextId = 1;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const protocol = PROTOCOLS.find((p) => p.handles(req.method ?? '', url));
    void handle(req, res, url, protocol).catch((error: unknown) => {
      if (!res.headersSent) {
        const body = (protocol ?? openaiProtocol).errorBody({
          status: 500,
          message: String(error),
          type: 'fixture_error',
        });
        sendJson(res, 500, body);
      } else res.destroy();
    });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    protocol: WireProtocol | undefined,
  ): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      sendJson(res, 200, openaiModelList(script.models));
      return;
    }
    if (!protocol) {
      const message = `no route ${req.method} ${url.pathname}`;
      sendJson(res, 404, openaiProtocol.errorBody({ status: 404, message, type: 'not_found' }));
      return;
    }
    const body = JSON.parse(await readBody(req)) as unknown;
    const request = protocol.parse(body, url);
    const lastUserMessage = lastUserText(request.messages);
    const record: RecordedRequest = {
      at: Date.now(),
      protocol: protocol.name,
      stream: request.stream,
      model: request.model ?? '',
      lastUserMessage,
      lastMessage: lastMessageText(request.messages),
      turn: undefined,
      outcome: 'unmatched',
      status: 0,
      chunksSent: 0,
      body,
    };
    requests.push(record);
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished && record.outcome !== 'dropped') {
        closed = true;
        record.outcome = 'client-closed';
        record.closedAt = Date.now();
        for (const w of closeWaiters.splice(0)) w();
      }
    });
    const fail = (error: FixtureError, headers: Record<string, string> = {}) =>
      sendJson(res, error.status, protocol.errorBody(error), headers);

    const index = pickTurn(script, uses, lastUserMessage, record.lastMessage);
    if (index === undefined) {
      record.status = 422;
      const message = `scripted server: no turn left for "${lastUserMessage.slice(0, 80)}"`;
      fail({ status: 422, message, type: 'script_exhausted' });
      return;
    }
    uses[index]! -= 1;
    record.turn = index;
    const turn = script.turns[index]!;
    if (turn.latencyMs > 0) await delay(turn.latencyMs);
    if (closed) return;

    if (turn.error) {
      record.outcome = 'error';
      record.status = turn.error.status;
      const headers: Record<string, string> = {};
      if (turn.error.retryAfter !== undefined) headers['retry-after'] = String(turn.error.retryAfter);
      fail({ status: turn.error.status, message: turn.error.message, type: 'scripted_error' }, headers);
      return;
    }
    const reply = planReply(turn, request, `${protocol.idPrefix}${nextId++}`, script.models[0]);
    record.status = 200;
    if (!record.stream) {
      record.outcome = 'replied';
      sendJson(res, 200, protocol.replyBody(reply));
      return;
    }
    res.writeHead(200, SSE_HEADERS);
    await streamReply(res, turn, reply, protocol.streamEncoder(reply, request), record, () => closed);
  }

  // Loopback only: this is a fixture, never something to expose.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    remaining: () => [...uses],
    async waitForClientClose(n = 1, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const closedOnes = requests.filter((r) => r.outcome === 'client-closed');
        if (closedOnes.length >= n) return closedOnes[n - 1];
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          closeWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function pickTurn(script: TModelScript, uses: number[], lastUser: string, last: string): number | undefined {
  for (const [i, turn] of script.turns.entries()) {
    if (uses[i]! <= 0) continue;
    if (matches(turn.match, lastUser) && matches(turn.matchLast, last)) return i;
  }
  return undefined;
}

function matches(pattern: string | undefined, text: string): boolean {
  return pattern === undefined || new RegExp(pattern, 'i').test(text);
}

/** The script's reply for one request, resolved once and written by whichever protocol it came in. */
function planReply(
  turn: TScriptTurn,
  request: ParsedRequest,
  id: string,
  defaultModel: string | undefined,
): PlannedReply {
  const reply = turn.reply!;
  const content = reply.chunks ? reply.chunks.join('') : (reply.content ?? '');
  const toolCalls = reply.toolCalls.map((c, i) => ({
    id: c.id ?? `call_${id}_${i}`,
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
  return {
    id,
    model: request.model ?? defaultModel ?? 'scripted-model',
    created: Math.floor(Date.now() / 1000),
    content,
    pieces: reply.chunks ?? cut(content, reply.chunkSize),
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: reply.usage ?? {
      prompt_tokens: Math.ceil(request.promptChars / 4),
      completion_tokens: Math.ceil((content.length + toolCalls.reduce((n, c) => n + c.arguments.length, 0)) / 4),
    },
  };
}

/**
 * Streams a reply frame by frame at the turn's pace. Text pieces count as chunks (and can be
 * dropped after); a tool call counts as one. Stops writing as soon as the client has gone.
 */
async function streamReply(
  res: ServerResponse,
  turn: TScriptTurn,
  reply: PlannedReply,
  encoder: StreamEncoder,
  record: RecordedRequest,
  closed: () => boolean,
): Promise<void> {
  const write = (frames: string[]) => {
    for (const frame of frames) res.write(frame);
  };
  write(encoder.start());
  for (const piece of reply.pieces) {
    if (turn.chunkDelayMs > 0) await delay(turn.chunkDelayMs);
    if (closed()) return;
    write(encoder.text(piece));
    record.chunksSent += 1;
    if (turn.dropAfterChunks !== undefined && record.chunksSent >= turn.dropAfterChunks) {
      record.outcome = 'dropped';
      // Let what was written reach the client first, then cut the connection without an end.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      res.socket?.destroy();
      return;
    }
  }
  for (const [i, call] of reply.toolCalls.entries()) {
    if (turn.chunkDelayMs > 0) await delay(turn.chunkDelayMs);
    if (closed()) return;
    write(encoder.toolCall(call, i));
    record.chunksSent += 1;
  }
  const tail = encoder.end();
  write(tail.slice(0, -1));
  res.end(tail.at(-1));
  record.outcome = 'replied';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
