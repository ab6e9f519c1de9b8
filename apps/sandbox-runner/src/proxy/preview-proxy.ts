import { request } from 'node:http';
import { connect } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fail, ZInstanceId } from '@kiln/contracts';
import type { InstanceService } from '../instances/instance.service.js';

const PREFIX = /^\/preview\/([^/?]+)(\/[^]*|\?[^]*)?$/;

/**
 * Reverse proxy from `/preview/<instanceId>/…` to the instance's runtime. The path is passed
 * on without the prefix, so the app sees the URLs it would see on Cloudflare at `/`.
 */
export interface PreviewTarget {
  host: string;
  port: number;
  path: string;
  prefix: string;
}

export class PreviewProxy {
  constructor(private readonly instances: InstanceService) {}

  /** Resolves the container address; throws the runner's typed errors for unknown/stopped ids. */
  async resolve(url: string): Promise<PreviewTarget> {
    const m = PREFIX.exec(url);
    const id = ZInstanceId.parse(m?.[1] ?? '');
    const rest = m?.[2] ?? '/';
    const target = await this.instances.target(id);
    return { ...target, path: rest.startsWith('/') ? rest : `/${rest}`, prefix: `/preview/${id}` };
  }

  /** Streams one HTTP exchange; called after Fastify handed over the raw request. */
  forward(req: IncomingMessage, res: ServerResponse, t: PreviewTarget): void {
    const upstream = request({
      host: t.host,
      port: t.port,
      method: req.method,
      path: t.path,
      headers: { ...req.headers, 'x-forwarded-prefix': t.prefix },
    });
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(fail({ code: 'DEPENDENCY_UNAVAILABLE', message: `preview not answering: ${err.message}` })),
      );
    });
    req.pipe(upstream);
  }

  /** WebSocket (and any other Upgrade): a raw TCP splice after replaying the request head. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const t = await this.resolve(req.url ?? '/').catch(() => undefined);
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
