import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ZAgentClientMessage, fail, type TAgentServerMessage } from '@kiln/contracts';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { HTTP_STATUS_BY_CODE, KilnError, codeForHttpStatus } from '../common/errors.js';
import { AgentSessions } from './agent-sessions.service.js';

const PATH = /^\/api\/agent\/([A-Za-z0-9-]{1,64})\/ws$/;
/** Client messages are small (a suggestion, a stop): anything larger is refused. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** A follower that cannot keep up is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

/**
 * Serves the session WebSocket on the API's HTTP server (Nest's HTTP adapter does not take
 * upgrades). Followers of sessions this process lets go on shutdown are closed with 1012 by the
 * sessions themselves; any left are closed with 1001 before the server stops.
 */
@Injectable()
export class AgentSockets implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private detach: (() => void) | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: AgentSessions,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const logger = new Logger('AgentSockets');
    this.detach = attachAgentSockets(server, this.sessions, (message, err) =>
      logger.error(message, err instanceof Error ? err.stack : String(err)),
    );
  }

  beforeApplicationShutdown(): void {
    this.detach?.();
  }
}

/**
 * The session WebSocket, `/api/agent/:id/ws?ticket=…` (VibeSDK's protocol: server events and
 * client messages with its names). The ticket, single-use and issued over HTTP, is checked
 * before the upgrade; so is the session, which this process takes over from its checkpoint if
 * no process holds it (409 while another one does). The socket gets the session's events so far
 * (file chunks excepted), then each as it happens, and sends client messages to the session. When
 * this process lets the session go, the socket closes with 1012 (reconnect with a new ticket).
 */
export function attachAgentSockets(
  server: Server,
  sessions: AgentSessions,
  reportError: (message: string, err: unknown) => void,
): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://api');
    const id = PATH.exec(url.pathname)?.[1];
    if (!id) return; // Not ours; another upgrade handler (or none) answers.
    void upgrade(req, socket, head, id, url.searchParams.get('ticket') ?? '').catch((err: unknown) => {
      const status = err instanceof KilnError ? HTTP_STATUS_BY_CODE[err.code] : 500;
      if (status >= 500) reportError(`the WebSocket of agent session ${id} could not open`, err);
      refuse(socket, status, err instanceof KilnError ? err.message : 'internal error');
    });
  };

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, id: string, ticket: string) {
    if (!(await sessions.redeem(id, ticket))) {
      refuse(socket, 401, 'a valid, unused ticket for this session is required (POST /api/agent/:id/tickets)');
      return;
    }
    // Held (or taken over) before the upgrade, so that failures are HTTP answers.
    const pending: TAgentServerMessage[] = [];
    let ws: WebSocket | undefined;
    let closedEarly = false;
    const send = (event: TAgentServerMessage) => {
      if (!ws) return void pending.push(event);
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return void ws.close(1008, 'too slow to follow the session');
      ws.send(JSON.stringify(event));
    };
    const unfollow = await sessions.follow(id, send, () => {
      if (ws) ws.close(1012, 'the session moved; reconnect with a new ticket');
      else closedEarly = true;
    });
    if (closedEarly || socket.destroyed) {
      unfollow();
      socket.destroy();
      return;
    }
    // A request ws refuses (a bad handshake) never opens: the follower must not stay behind.
    socket.once('close', () => {
      if (!ws) unfollow();
    });
    wss.handleUpgrade(req, socket, head, (opened) => {
      ws = opened;
      for (const event of pending.splice(0)) send(event);
      let alive = true;
      const heartbeat = setInterval(() => {
        if (!alive) return void opened.terminate();
        alive = false;
        opened.ping();
      }, HEARTBEAT_MS);
      opened.on('pong', () => (alive = true));
      opened.on('message', (data: RawData) => onMessage(id, data, send));
      opened.on('close', () => {
        clearInterval(heartbeat);
        unfollow();
      });
      opened.on('error', () => opened.terminate());
    });
  }

  function onMessage(id: string, data: RawData, reply: (event: TAgentServerMessage) => void): void {
    let parsed: ReturnType<typeof ZAgentClientMessage.safeParse>;
    try {
      parsed = ZAgentClientMessage.safeParse(JSON.parse(rawText(data)));
    } catch {
      return reply({ type: 'error', code: 'INVALID_MESSAGE', error: 'the message is not JSON' });
    }
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
      return reply({ type: 'error', code: 'INVALID_MESSAGE', error: `unknown or malformed message: ${problems}` });
    }
    sessions.send(id, parsed.data).catch((err: unknown) => {
      reply({ type: 'error', code: 'INTERNAL', error: err instanceof Error ? err.message : String(err) });
    });
  }

  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.close(1001, 'the API is stopping');
    wss.close();
  };
}

/** Answers the upgrade request with the API's error envelope instead of switching protocols. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify(fail({ code: codeForHttpStatus(status), message }));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'connection: close',
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
