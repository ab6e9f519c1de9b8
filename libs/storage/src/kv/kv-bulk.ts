import { KvHttpError } from './kv-errors.js';
import type { KvStoredValue } from './kv-store.js';
import { display, KV_LIMITS, validateCacheTtl, validateKey } from './kv-validate.js';

/** A `POST /bulk/get` body, checked up to the first key that fails validation. */
export interface BulkGetRequest {
  /** The keys to read: all of them, or those before the first invalid one. */
  keys: string[];
  type: 'text' | 'json';
  withMetadata: boolean;
  /** Validation error of the first invalid key, raised after the keys before it were processed. */
  pending: KvHttpError | undefined;
}

/**
 * workerd sends `{"keys":[...], "type"?, "withMetadata"?, "cacheTtl"?: "<string>"}`. Miniflare checks
 * type, then count, then validates and reads key after key, so a non-JSON value at key 3 is
 * reported before an over-long key 5. `pending` lets us read in one round trip yet fail in that order.
 */
export function parseBulkGetRequest(text: string): BulkGetRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new KvHttpError(400, 'Invalid bulk get request: the body is not JSON.', { cause });
  }
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new KvHttpError(400, 'Invalid bulk get request: "keys" must be an array of key names.');
  }
  const { keys, type, withMetadata, cacheTtl } = body as {
    keys: unknown[];
    type?: unknown;
    withMetadata?: unknown;
    cacheTtl?: unknown;
  };
  // Miniflare's test is truthiness, so `"type": ""` or `null` mean text.
  if (type && type !== 'text' && type !== 'json') {
    throw new KvHttpError(400, `"${display(type)}" is not a valid type. Use "json" or "text"`);
  }
  if (keys.length > KV_LIMITS.maxBulkKeys) {
    throw new KvHttpError(400, `You can request a maximum of ${KV_LIMITS.maxBulkKeys} keys`);
  }
  if (keys.length < 1) throw new KvHttpError(400, 'You must request a minimum of 1 key');

  const valid: string[] = [];
  let pending: KvHttpError | undefined;
  for (const key of keys) {
    try {
      if (typeof key !== 'string') throw new KvHttpError(400, 'Invalid bulk get request: key names must be strings.');
      validateKey(key);
      validateCacheTtl(cacheTtl);
    } catch (error) {
      if (!(error instanceof KvHttpError)) throw error;
      pending = error;
      break;
    }
    valid.push(key);
  }
  return { keys: valid, type: type === 'json' ? 'json' : 'text', withMetadata: Boolean(withMetadata), pending };
}

/**
 * `values[i]` belongs to `request.keys[i]`. Returns the JSON object workerd turns into a Map: every
 * requested key, `null` when missing. Duplicate keys appear once, and numeric-looking keys come
 * first, because it is a plain JS object in Miniflare too.
 *
 * Deliberate difference: Miniflare returns a bare value instead of `{value, metadata}` when
 * `withMetadata` is set and the value is falsy (`""`, `0`, `false`, `null`), a bug that would
 * break `map.get(k).value`. We always return the object, as Cloudflare documents.
 */
export function bulkGetResponseBody(request: BulkGetRequest, values: (KvStoredValue | null)[]): string {
  const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const decoder = new TextDecoder();
  let totalSize = 0;
  request.keys.forEach((key, i) => {
    const entry = values[i] ?? null;
    if (entry === null) {
      result[key] = null;
      return;
    }
    const text = decoder.decode(entry.value);
    // Miniflare counts UTF-16 code units of the decoded text, not bytes.
    totalSize += text.length;
    let value: unknown = text;
    if (request.type === 'json') {
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new KvHttpError(400, 'At least one of the requested keys corresponds to a non-json value', { cause });
      }
    }
    result[key] = request.withMetadata
      ? { value, metadata: entry.metadata === undefined ? null : (JSON.parse(entry.metadata) as unknown) }
      : value;
  });
  if (request.pending) throw request.pending;
  if (totalSize > KV_LIMITS.maxBulkBytes) {
    throw new KvHttpError(413, `Total size of request exceeds the limit of ${KV_LIMITS.maxBulkBytes / 1024 / 1024}MB`);
  }
  return JSON.stringify(result);
}
