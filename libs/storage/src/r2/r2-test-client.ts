import { Readable } from 'node:stream';
import type { BindingService, TenantRef, WireRequest, WireResponse } from '../gateway/wire.js';

/**
 * Test support: drives a BindingService with requests shaped as workerd's R2 client shapes them
 * once the gateway has unwrapped Miniflare's envelope (remote-bindings.md §5), and splits answers
 * the way workerd does (`cf-r2-metadata-size` bytes of JSON, then the value).
 */

export interface R2Answer {
  status: number;
  headers: Record<string, string>;
  /** Parsed `cf-r2-error`, when present. */
  error?: { message: string; version: number; v4code: number };
  /** The JSON before the value bytes, when `cf-r2-metadata-size` is present. */
  metadata?: unknown;
  /** The bytes after the metadata. */
  value: Buffer;
}

/** A value to put: bytes, or a stream of known length (R2 puts always carry Content-Length). */
export type R2Value = Buffer | string | { stream: Readable; size: number };

export class R2TestClient {
  constructor(
    private readonly service: BindingService,
    readonly ref: TenantRef,
  ) {}

  /** head / get / list: a GET with the descriptor in `cf-r2-request`. */
  async read(descriptor: Record<string, unknown>): Promise<R2Answer> {
    return split(await this.service.handle(this.ref, readRequest(descriptor)));
  }

  /** Every other method: a PUT whose body is the descriptor followed by the value. */
  async write(descriptor: Record<string, unknown>, value?: R2Value): Promise<R2Answer> {
    return split(await this.service.handle(this.ref, writeRequest(descriptor, value)));
  }

  /** Like `read`, but hands back the raw answer so a test can consume the stream itself. */
  readRaw(descriptor: Record<string, unknown>): Promise<WireResponse> {
    return this.service.handle(this.ref, readRequest(descriptor));
  }

  writeRaw(descriptor: Record<string, unknown>, value?: R2Value): Promise<WireResponse> {
    return this.service.handle(this.ref, writeRequest(descriptor, value));
  }
}

export function readRequest(descriptor: Record<string, unknown>): WireRequest {
  return {
    method: 'GET',
    url: new URL('https://fake-host'),
    headers: { 'cf-r2-request': JSON.stringify({ version: 1, ...descriptor }) },
    body: Readable.from([]),
    contentLength: undefined,
  };
}

export function writeRequest(descriptor: Record<string, unknown>, value?: R2Value): WireRequest {
  const meta = Buffer.from(JSON.stringify({ version: 1, ...descriptor }), 'utf8');
  let size = 0;
  let chunks: AsyncIterable<Buffer> | Iterable<Buffer> = [];
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const buf = Buffer.from(value);
    size = buf.length;
    chunks = [buf];
  } else if (value) {
    size = value.size;
    chunks = value.stream;
  }
  async function* body(): AsyncGenerator<Buffer> {
    yield meta;
    for await (const chunk of chunks) yield chunk;
  }
  return {
    method: 'PUT',
    url: new URL('https://fake-host'),
    headers: { 'cf-r2-metadata-size': String(meta.length) },
    body: Readable.from(body(), { objectMode: false }),
    contentLength: meta.length + size,
  };
}

export async function bodyBytes(body: WireResponse['body']): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function split(res: WireResponse): Promise<R2Answer> {
  const headers = res.headers ?? {};
  const all = await bodyBytes(res.body);
  const answer: R2Answer = { status: res.status, headers, value: all };
  const error = headers['cf-r2-error'];
  if (error !== undefined) answer.error = JSON.parse(error) as R2Answer['error'];
  const size = headers['cf-r2-metadata-size'];
  if (size !== undefined) {
    answer.metadata = JSON.parse(all.subarray(0, Number(size)).toString('utf8'));
    answer.value = all.subarray(Number(size));
  }
  return answer;
}
