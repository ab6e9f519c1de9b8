import { request } from 'node:http';
import { connect } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fail, ZInstanceId } from '@kiln/contracts';
import { RunnerError } from '../errors.js';
import type { InstanceService } from '../instances/instance.service.js';
import type { FailedRequests } from '../instances/runtime-errors.js';

const PREFIX = /^\/preview\/([^/?]+)(\/[^]*|\?[^]*)?$/;
/** How long a request refused at connect is tried again (an app between two workerd processes). */
const REPLAY_MS = 5000;
/** Largest body kept so that such a request can be sent again. */
const REPLAY_BODY_BYTES = 1024 * 1024;

/**
 * Reverse proxy from `/preview/<instanceId>/…` to the instance's runtime. The path is passed
 * on without the prefix, so the app sees the URLs it would see on Cloudflare at `/`.
 */
export interface PreviewTarget {
  id: string;
  host: string;
  port: number;
  path: string;
  prefix: string;
}

export class PreviewProxy {
  private readonly hostPattern: RegExp | undefined;

  constructor(
    private readonly instances: InstanceService,
    private readonly failures: FailedRequests,
    /** `<instanceId>.<domain>` serves that instance at `/` (PREVIEW_DOMAIN). */
    domain?: string,
  ) {
    const escaped = domain?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.hostPattern = escaped ? new RegExp(`^([a-f0-9]{16})\\.${escaped}(?::\\d+)?$`, 'i') : undefined;
  }

  /** The instance id when the request's Host is a preview host. */
  previewHostId(req: IncomingMessage): string | undefined {
    return this.hostPattern?.exec(req.headers.host ?? '')?.[1]?.toLowerCase();
  }

  /** Resolves the container address; throws the runner's typed errors for unknown/stopped ids. */
  async resolve(url: string): Promise<PreviewTarget> {
    const m = PREFIX.exec(url);
    const id = ZInstanceId.parse(m?.[1] ?? '');
    const rest = m?.[2] ?? '/';
    const target = await this.instances.target(id);
    return { ...target, id, path: rest.startsWith('/') ? rest : `/${rest}`, prefix: `/preview/${id}` };
  }

  /** For a preview host: the whole path goes to the app, nothing is stripped. */
  async resolveHost(id: string, url: string): Promise<PreviewTarget> {
    const target = await this.instances.target(id);
    return { ...target, id, path: url.startsWith('/') ? url : `/${url}`, prefix: '' };
  }

  /**
   * A request on a preview host, handled before Fastify routes anything: every path belongs to
   * the app (its own `/healthz` or `/metrics` included). Unknown or stopped instances get the
   * runner's error envelope.
   */
  async serveHost(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let target: PreviewTarget;
    try {
      target = await this.resolveHost(id, req.url ?? '/');
    } catch (err) {
      const status = err instanceof RunnerError ? err.status : 502;
      const code = err instanceof RunnerError ? err.code : 'DEPENDENCY_UNAVAILABLE';
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fail({ code, message: err instanceof Error ? err.message : String(err) })));
      return;
    }
    this.forward(req, res, target);
  }

  /**
   * One HTTP exchange; called after Fastify handed over the raw request. A reload restarts
   * workerd, so for a moment nothing listens: a request refused at connect never reached the app
   * and is sent again (for up to REPLAY_MS) — which needs its body at hand, so bodies with a
   * declared length up to REPLAY_BODY_BYTES are read first; others stream through once.
   */
  forward(req: IncomingMessage, res: ServerResponse, t: PreviewTarget): void {
    const length = Number(req.headers['content-length'] ?? 0);
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (chunked || length > REPLAY_BODY_BYTES) return this.send(req, res, t, req, undefined);
    if (req.readableEnded) return this.send(req, res, t, Buffer.alloc(0), Date.now() + REPLAY_MS);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.send(req, res, t, Buffer.concat(chunks), Date.now() + REPLAY_MS));
    req.on('error', () => res.destroy());
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    t: PreviewTarget,
    body: Buffer | IncomingMessage,
    replayUntil: number | undefined,
  ): void {
    const upstream = request({
      host: t.host,
      port: t.port,
      method: req.method,
      path: t.path,
      headers: { ...req.headers, ...(t.prefix ? { 'x-forwarded-prefix': t.prefix } : {}) },
    });
    upstream.on('response', (up) => {
      const status = up.statusCode ?? 502;
      res.writeHead(status, up.headers);
      if (status >= 500) this.recordFailure(req, t, status, up);
      // The app going away mid-answer (a reload, a crash) must end the client's response too,
      // not leave it waiting for a body that never comes.
      up.on('error', () => res.destroy());
      up.pipe(res);
    });
    // And a client that goes away releases the app's side.
    const release = () => {
      if (!res.writableFinished) upstream.destroy();
    };
    res.once('close', release);
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      res.off('close', release);
      if (res.destroyed) return;
      if (err.code === 'ECONNREFUSED' && replayUntil !== undefined && Date.now() < replayUntil) {
        setTimeout(() => this.send(req, res, t, body, replayUntil), 50);
        return;
      }
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(fail({ code: 'DEPENDENCY_UNAVAILABLE', message: `preview not answering: ${err.message}` })),
      );
    });
    if (Buffer.isBuffer(body)) upstream.end(body);
    else body.pipe(upstream);
  }

  /** Keeps the start of a 5xx answer's body (an uncaught exception's message and stack). */
  private recordFailure(req: IncomingMessage, t: PreviewTarget, status: number, up: IncomingMessage): void {
    const chunks: Buffer[] = [];
    let size = 0;
    up.on('data', (chunk: Buffer) => {
      if (size < 2048) chunks.push(chunk);
      size += chunk.length;
    });
    up.on('end', () =>
      this.failures.record(
        t.id,
        { method: req.method ?? 'GET', path: t.path, status },
        Buffer.concat(chunks).toString('utf8'),
      ),
    );
  }

  /** WebSocket (and any other Upgrade): a raw TCP splice after replaying the request head. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const hostId = this.previewHostId(req);
    const t = await (hostId ? this.resolveHost(hostId, req.url ?? '/') : this.resolve(req.url ?? '/')).catch(
      () => undefined,
    );
    if (!t) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(t.port, t.host, () => {
      const lines = [`${req.method} ${t.path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  }
}
