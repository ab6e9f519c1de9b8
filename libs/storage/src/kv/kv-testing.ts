import { after, before } from 'node:test';
import { KvService } from './kv-service.js';
// Helpers for the KV integration tests: build the WireRequests the gateway would hand over.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
// Test-only helper file: the tooling lib is never imported by the service itself.
import { requireEnv } from '@kiln/devtools/testing';
import { Redis } from 'ioredis';
import type { TenantRef, WireRequest, WireResponse } from '../gateway/wire.js';

/** The Redis the test driver provides (REDIS_URL). */
export function testRedis(): Redis {
  return new Redis(requireEnv('REDIS_URL'));
}

/** A fresh app per test, so tests sharing one Redis never see each other's keys. */
export function freshRef(resourceId = 'main'): TenantRef {
  return { appId: `kvt-${randomBytes(6).toString('hex')}`, resourceId };
}

/** workerd leaves `&` raw and escapes the rest much like encodeURIComponent. */
export function keyUrl(key: string, query = ''): string {
  return `https://fake-host/${encodeURIComponent(key).replace(/%26/g, '&')}?urlencoded=true${query}`;
}

export interface WireInit {
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  /** Defaults to the body's length for buffers and strings, none for streams (a chunked put). */
  contentLength?: number;
}

export function wire(method: string, url: string, init: WireInit = {}): WireRequest {
  const { body } = init;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const stream =
    bytes === undefined
      ? Readable.from([])
      : Buffer.isBuffer(bytes)
        ? Readable.from(bytes.length ? [bytes] : [])
        : bytes;
  return {
    method,
    url: new URL(url),
    headers: init.headers ?? {},
    body: stream,
    contentLength: init.contentLength ?? (Buffer.isBuffer(bytes) ? bytes.length : undefined),
  };
}

export const get = (key: string, query = ''): WireRequest => wire('GET', keyUrl(key, query));
export const del = (key: string): WireRequest => wire('DELETE', keyUrl(key));
export const bulk = (body: unknown): WireRequest =>
  wire('POST', 'https://fake-host/bulk/get', { body: JSON.stringify(body) });
export const list = (query = ''): WireRequest => wire('GET', `https://fake-host${query ? `?${query}` : ''}`);

export function put(
  key: string,
  value: Buffer | string | Readable,
  options: { query?: string; metadata?: unknown } = {},
): WireRequest {
  const headers: Record<string, string> = {};
  if (options.metadata !== undefined) headers['cf-kv-metadata'] = JSON.stringify(options.metadata);
  return wire('PUT', keyUrl(key, options.query ?? ''), { body: value, headers });
}

export async function bodyOf(res: WireResponse): Promise<Buffer> {
  const { body } = res;
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

export async function jsonOf(res: WireResponse): Promise<unknown> {
  return JSON.parse((await bodyOf(res)).toString('utf8')) as unknown;
}

export function assertOk(res: WireResponse): void {
  assert.equal(res.status, 200, `expected 200, got ${res.status} ${res.statusText ?? ''}`);
}

export function assertError(res: WireResponse, status: number, reason: string): void {
  assert.deepEqual({ status: res.status, statusText: res.statusText }, { status, statusText: reason });
}

export interface ListKey {
  name: string;
  expiration?: number;
  metadata?: string;
}

export interface ListBody {
  keys: ListKey[];
  list_complete: boolean;
  cursor?: string;
  cacheStatus: null;
}

/**
 * Gives the enclosing suite a KvService on the test Redis (one connection per suite, closed
 * after it). Read `suite.kv` / `suite.redis` inside tests, after the hooks have run.
 */
export function kvSuite(): { kv: KvService; redis: Redis } {
  const suite = {} as { kv: KvService; redis: Redis };
  before(() => {
    suite.redis = testRedis();
    suite.kv = new KvService(suite.redis);
  });
  after(async () => {
    await suite.redis.quit();
  });
  return suite;
}
