import type { IncomingMessage } from 'node:http';
import { ROUTE_HEADER } from './direct-bindings-plugin.js';
import type { BindingKind } from './route.js';
import type { WireRequest } from './wire.js';

const PREFIX = 'mf-header-';
/** workerd-internal headers that are not part of the binding call. */
const IGNORED = new Set(['cf-kv-flprod-405', 'transfer-encoding']);

/** Node exposes header bytes as Latin-1; workerd sends raw UTF-8 (e.g. KV metadata `{"s":"é"}`). */
export function decodeHeader(value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8');
}

export function encodeHeader(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

export class EnvelopeError extends Error {}

/** Hop-by-hop and routing headers that are not the binding client's own. */
const NOT_CLIENT_HEADERS = new Set([
  ROUTE_HEADER,
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
]);

/** The origin each binding client puts in the URLs it builds. */
const CLIENT_ORIGIN: Record<BindingKind, string> = {
  kv: 'https://fake-host',
  r2: 'https://fake-host',
  d1: 'http://d1',
};

/**
 * A native binding request that reached the gateway directly (workerd external service, no
 * Miniflare proxy): the URL and headers are the client's own.
 */
export function unwrapDirect(req: IncomingMessage, kind: BindingKind): WireRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_CLIENT_HEADERS.has(name) || IGNORED.has(name)) continue;
    headers[name] = decodeHeader(Array.isArray(value) ? value.join(', ') : value);
  }
  return {
    method: req.method ?? 'GET',
    url: new URL(`${CLIENT_ORIGIN[kind]}${req.url ?? '/'}`),
    headers,
    body: req,
    contentLength: contentLength(req),
  };
}

function contentLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  if (length === undefined) return undefined;
  const n = Number.parseInt(length, 10);
  if (!Number.isSafeInteger(n) || n < 0) throw new EnvelopeError('invalid Content-Length');
  return n;
}

/**
 * Unwraps the request Miniflare's remote-proxy client sends: the binding client's URL in
 * `MF-URL`, its headers as `MF-Header-*`, its body as the body.
 */
export function unwrapEnvelope(req: IncomingMessage): WireRequest {
  const mfUrl = req.headers['mf-url'];
  if (typeof mfUrl !== 'string') throw new EnvelopeError('missing MF-URL header: not a binding request');
  let url: URL;
  try {
    url = new URL(decodeHeader(mfUrl));
  } catch {
    throw new EnvelopeError('MF-URL is not a URL');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(PREFIX) || value === undefined) continue;
    const inner = name.slice(PREFIX.length);
    if (IGNORED.has(inner)) continue;
    headers[inner] = decodeHeader(Array.isArray(value) ? value.join(', ') : value);
  }
  return { method: req.method ?? 'GET', url, headers, body: req, contentLength: contentLength(req) };
}
