import type { WireRequest } from '../gateway/wire.js';
import { KvHttpError } from './kv-errors.js';
import {
  normaliseMetadata,
  parseListLimit,
  resolveExpiration,
  validateCacheTtl,
  validateKey,
  validateKeyLength,
} from './kv-validate.js';

/** One KV call, parsed and validated except for anything carried in the body. */
export type KvOperation =
  | { kind: 'get'; key: string }
  | { kind: 'bulk-get' }
  | { kind: 'put'; key: string; expiration: number | undefined; metadata: string | undefined }
  | { kind: 'delete'; key: string }
  | { kind: 'list'; limit: number; prefix: string; cursor: string | undefined };

const BULK_GET_PATH = '/bulk/get';

/**
 * The key is the whole MF-URL path after the leading slash. workerd escapes `/ ? # %` but leaves
 * `&` and most punctuation raw, so the path must not be split or normalised, only decoded. Keys
 * with lone surrogates arrive as WTF-8 (`%ED%A0%80`), which decodeURIComponent refuses: Miniflare
 * answers 400 for those, and so do we.
 */
export function decodeKey(url: URL): string {
  const raw = url.pathname.slice(1);
  if (url.searchParams.get('urlencoded')?.toLowerCase() !== 'true') return raw;
  try {
    return decodeURIComponent(raw);
  } catch (cause) {
    throw new KvHttpError(400, 'Could not URL-decode key name', { cause });
  }
}

/** Validates in Miniflare's order, so a request with several faults reports the same one. */
export function parseKvRequest(req: Pick<WireRequest, 'method' | 'url' | 'headers'>, nowSeconds: number): KvOperation {
  const { url } = req;
  switch (req.method) {
    case 'GET': {
      if (url.pathname === '/') return parseList(url);
      const key = decodeKey(url);
      validateKey(key);
      const cacheTtl = url.searchParams.get('cache_ttl');
      validateCacheTtl(cacheTtl === null ? undefined : parseInt(cacheTtl, 10));
      return { kind: 'get', key };
    }
    case 'POST':
      if (url.pathname === BULK_GET_PATH) return { kind: 'bulk-get' };
      throw new KvHttpError(405, `KV accepts POST only on ${BULK_GET_PATH}, not on ${url.pathname}`);
    case 'PUT': {
      const key = decodeKey(url);
      validateKey(key);
      const expiration = resolveExpiration(
        url.searchParams.get('expiration'),
        url.searchParams.get('expiration_ttl'),
        nowSeconds,
      );
      const metadata = normaliseMetadata(req.headers['cf-kv-metadata']);
      return { kind: 'put', key, expiration, metadata };
    }
    case 'DELETE': {
      const key = decodeKey(url);
      validateKey(key);
      return { kind: 'delete', key };
    }
    default:
      throw new KvHttpError(405, `Method ${req.method} is not supported by KV`);
  }
}

function parseList(url: URL): KvOperation {
  const limit = parseListLimit(url.searchParams.get('key_count_limit'));
  const prefix = url.searchParams.get('prefix') ?? '';
  validateKeyLength(prefix);
  return { kind: 'list', limit, prefix, cursor: url.searchParams.get('cursor') ?? undefined };
}
