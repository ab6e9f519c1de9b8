import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZModelScript, type TModelScript, type TModelScriptInput } from './model-script.js';

/**
 * TEST FIXTURE. An OpenAI-compatible chat completions server on 127.0.0.1 that replays a script
 * instead of running a model: `POST /v1/chat/completions` (SSE streaming and plain JSON, tool
 * calls, usage), `GET /v1/models`. It can fail on cue (429/5xx with Retry-After) and pace its
 * chunks, so that the real provider code is exercised against a real HTTP server.
 */

export interface RecordedRequest {
  at: number;
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
  /** `http://127.0.0.1:<port>/v1`, the base URL for an openai-compatible provider. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Remaining uses per turn (0 = used up). */
  remaining(): number[];
  /** Resolves once the server noticed `n` client disconnects (or after `timeoutMs`). */
  waitForClientClose(n?: number, timeoutMs?: number): Promise<RecordedRequest | undefined>;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { role: string; content: unknown; tool_calls?: { function?: { name?: string; arguments?: string } }[] }[];
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
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'fixture_error' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: script.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'kiln-scripted' })),
      });
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${url.pathname}`, type: 'not_found' } });
      return;
    }
    const body = JSON.parse(await readBody(req)) as ChatBody;
    const lastUserMessage = lastUserText(body);
    const lastMessage = lastMessageText(body);
    const record: RecordedRequest = {
      at: Date.now(),
      stream: body.stream === true,
      model: body.model ?? '',
      lastUserMessage,
      lastMessage,
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

    const index = pickTurn(script, uses, lastUserMessage, lastMessage);
    if (index === undefined) {
      record.status = 422;
      sendJson(res, 422, {
        error: {
          message: `scripted server: no turn left for "${lastUserMessage.slice(0, 80)}"`,
          type: 'script_exhausted',
        },
      });
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
      sendJson(
        res,
        turn.error.status,
        { error: { message: turn.error.message, type: 'scripted_error', code: turn.error.status } },
        headers,
      );
      return;
    }
    const reply = turn.reply!;
    const id = `chatcmpl-scripted-${nextId++}`;
    const model = body.model ?? script.models[0] ?? 'scripted-model';
    const content = reply.chunks ? reply.chunks.join('') : (reply.content ?? '');
    const toolCalls = reply.toolCalls.map((c, i) => ({
      id: c.id ?? `call_${id}_${i}`,
      type: 'function' as const,
      function: {
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
    const finishReason = reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
    const usage = reply.usage ?? {
      prompt_tokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4),
      completion_tokens: Math.ceil(
        (content.length + toolCalls.reduce((n, c) => n + c.function.arguments.length, 0)) / 4,
      ),
    };
    const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    const created = Math.floor(Date.now() / 1000);
    record.status = 200;

    if (!record.stream) {
      record.outcome = 'replied';
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: content === '' && toolCalls.length > 0 ? null : content,
              ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: finishReason,
          },
        ],
        usage: fullUsage,
      });
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: unknown, finish: string | null = null) =>
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });

    chunk({ role: 'assistant', content: '' });
    const pieces = reply.chunks ?? cut(content, reply.chunkSize);
    for (const piece of pieces) {
      if (turn.chunkDelayMs > 0) await delay(turn.chunkDelayMs);
      if (closed) return;
      chunk({ content: piece });
      record.chunksSent += 1;
      if (turn.dropAfterChunks !== undefined && record.chunksSent >= turn.dropAfterChunks) {
        record.outcome = 'dropped';
        // Let what was written reach the client first, then cut the connection without an end.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.socket?.destroy();
        return;
      }
    }
    for (const [i, call] of toolCalls.entries()) {
      if (turn.chunkDelayMs > 0) await delay(turn.chunkDelayMs);
      if (closed) return;
      chunk({
        tool_calls: [
          { index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      });
      for (const part of cut(call.function.arguments, Math.max(1, Math.ceil(call.function.arguments.length / 2)))) {
        chunk({ tool_calls: [{ index: i, function: { arguments: part } }] });
      }
      record.chunksSent += 1;
    }
    chunk({}, finishReason);
    if (body.stream_options?.include_usage)
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: fullUsage });
    res.end('data: [DONE]\n\n');
    record.outcome = 'replied';
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

function lastUserText(body: ChatBody): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return last ? contentText(last.content) : '';
}

function lastMessageText(body: ChatBody): string {
  const last = body.messages?.at(-1);
  if (!last) return '';
  const calls = (last.tool_calls ?? []).map((c) => `${c.function?.name ?? ''}(${c.function?.arguments ?? ''})`);
  return [contentText(last.content), ...calls].filter((t) => t !== '').join('\n');
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
  }
  return '';
}

function cut(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
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
