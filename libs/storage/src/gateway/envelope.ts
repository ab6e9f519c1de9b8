import type { IncomingMessage } from 'node:http';
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
  const length = req.headers['content-length'];
  const contentLength = length === undefined ? undefined : Number.parseInt(length, 10);
  if (contentLength !== undefined && (!Number.isSafeInteger(contentLength) || contentLength < 0)) {
    throw new EnvelopeError('invalid Content-Length');
  }
  return { method: req.method ?? 'GET', url, headers, body: req, contentLength };
}
