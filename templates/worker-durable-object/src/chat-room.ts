import { DurableObject } from 'cloudflare:workers';
import type { Env } from './env';

export interface Message {
  id: number;
  name: string;
  text: string;
  at: string;
}

/** What the room sends to every socket. */
export type ServerEvent =
  | { type: 'history'; messages: Message[]; online: number }
  | { type: 'message'; message: Message }
  | { type: 'presence'; online: number };

const HISTORY = 50;

/**
 * One chat room (one object per room name). Sockets are accepted with the hibernation API
 * (`ctx.acceptWebSocket`): the object may be evicted from memory between messages while its
 * sockets stay open, so no state is kept in fields; messages live in the object's SQLite storage.
 */
export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL)',
    );
    // Answered by the runtime itself, without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  override fetch(request: Request): Response {
    if (request.headers.get('upgrade') !== 'websocket') return Response.json(this.history());
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const online = this.ctx.getWebSockets().length;
    server.send(JSON.stringify({ type: 'history', messages: this.history(), online } satisfies ServerEvent));
    this.broadcast({ type: 'presence', online }, server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void {
    const input = parse(raw);
    if (!input) {
      ws.send(JSON.stringify({ error: 'send {"name": string, "text": string}' }));
      return;
    }
    const message = this.ctx.storage.sql
      .exec<{ id: number; name: string; text: string; at: string }>(
        'INSERT INTO messages (name, text, at) VALUES (?, ?, ?) RETURNING id, name, text, at',
        input.name,
        input.text,
        new Date().toISOString(),
      )
      .one();
    this.broadcast({ type: 'message', message });
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    ws.close(code, reason);
    this.broadcast({ type: 'presence', online: this.ctx.getWebSockets().length - 1 }, ws);
  }

  private history(): Message[] {
    return this.ctx.storage.sql
      .exec<{ id: number; name: string; text: string; at: string }>(
        'SELECT id, name, text, at FROM messages ORDER BY id DESC LIMIT ?',
        HISTORY,
      )
      .toArray()
      .reverse();
  }

  private broadcast(event: ServerEvent, except?: WebSocket): void {
    const data = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) if (ws !== except) ws.send(data);
  }
}

function parse(raw: string | ArrayBuffer): { name: string; text: string } | undefined {
  if (typeof raw !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, text } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof text !== 'string' || !text.trim()) return undefined;
  return { name: name.trim().slice(0, 40) || 'anonymous', text: text.trim().slice(0, 1000) };
}
