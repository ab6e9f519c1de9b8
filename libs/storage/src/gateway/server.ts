import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { verifyAppToken } from './auth.js';
import { ROUTE_HEADER } from './direct-bindings-plugin.js';
import { EnvelopeError, encodeHeader, unwrapDirect, unwrapEnvelope } from './envelope.js';
import { bindingError } from './errors.js';
import type { GatewayMetrics } from './metrics.js';
import { type BindingKind, parseRoute } from './route.js';
import type { BindingService, WireResponse } from './wire.js';

export interface GatewayOptions {
  secret: string;
  services: Partial<Record<BindingKind, BindingService>>;
  logger: Logger;
  /** workerd's binding clients wait forever; the gateway bounds every call. */
  requestTimeoutMs: number;
  /** Served at GET /metrics when given. */
  metrics?: GatewayMetrics;
}

/** The binding gateway: workerd's KV/R2/D1 clients (through Miniflare's remote proxy) talk to this. */
export function createGateway(options: GatewayOptions): Server {
  const server = createServer({ keepAlive: true, requestTimeout: options.requestTimeoutMs }, (req, res) => {
    void handle(options, req, res);
  });
  // Miniflare's proxy opens a (capnweb) WebSocket beside every binding; KV/R2/D1 never use it.
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  return server;
}

async function handle(options: GatewayOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://gateway');
  // Direct path: the route arrives in a header workerd injects; the URL is the client's own.
  const routeHeader = req.headers[ROUTE_HEADER];
  const direct = typeof routeHeader === 'string';
  if (!direct && req.method === 'GET' && pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (!direct && req.method === 'GET' && pathname === '/metrics' && options.metrics) {
    const { registry } = options.metrics;
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    return;
  }
  const route = parseRoute(direct ? routeHeader : pathname);
  if (!route) {
    req.resume();
    const body = 'expected /v1/<appId>/<kv|r2|d1>/<resourceId>/<token>\n';
    res
      .writeHead(404, 'No such binding route', {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
    return;
  }
  const done = options.metrics?.start(route.kind);
  let answer: WireResponse;
  if (!verifyAppToken(options.secret, route.ref.appId, route.token)) {
    req.resume();
    answer = bindingError(route.kind, 401, `Unauthorized: the gateway token is not valid for app ${route.ref.appId}`);
  } else {
    const service = options.services[route.kind];
    if (!service) {
      req.resume();
      answer = bindingError(route.kind, 501, `${route.kind.toUpperCase()} bindings are not served by this gateway`);
    } else {
      try {
        answer = await service.handle(route.ref, direct ? unwrapDirect(req, route.kind) : unwrapEnvelope(req));
      } catch (err) {
        req.resume();
        if (err instanceof EnvelopeError) {
          answer = bindingError(route.kind, 400, `Malformed binding request: ${err.message}`);
        } else {
          options.logger.error(
            { err, kind: route.kind, app: route.ref.appId, resource: route.ref.resourceId },
            'binding call failed',
          );
          answer = bindingError(route.kind, 500, 'Internal gateway error');
        }
      }
    }
  }
  done?.(answer.status);
  await send(res, answer, options.logger);
}

async function send(res: ServerResponse, answer: WireResponse, logger: Logger): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name] = encodeHeader(value);
  const body = answer.body;
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
    const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
    headers['content-length'] = String(bytes?.length ?? 0);
    res.writeHead(answer.status, answer.statusText, headers);
    res.end(bytes);
    return;
  }
  res.writeHead(answer.status, answer.statusText, headers);
  try {
    await pipeline(body, res);
  } catch (err) {
    // The client has the status already; cutting the connection is the only honest signal left.
    logger.warn({ err }, 'response body stream failed');
    res.destroy(err instanceof Error ? err : undefined);
  }
}
