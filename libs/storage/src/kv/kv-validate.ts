import { KvHttpError } from './kv-errors.js';

/** Cloudflare's KV limits as Miniflare enforces them (miniflare/src/workers/kv/constants.ts). */
export const KV_LIMITS = {
  minCacheTtlSeconds: 30,
  minExpirationTtlSeconds: 60,
  maxListKeys: 1000,
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: 1024,
  maxBulkBytes: 25 * 1024 * 1024,
  maxBulkKeys: 100,
} as const;

// The messages below are Miniflare's wording, character for character: Worker code sees them as
// `KV <OP> failed: <status> <message>` and tests written against `wrangler dev` may match on them.

export function validateKey(key: string): void {
  if (key === '') throw new KvHttpError(400, 'Key names must not be empty');
  if (key === '.' || key === '..') {
    throw new KvHttpError(400, `Illegal key name "${key}". Please use a different name.`);
  }
  validateKeyLength(key);
}

/** Also applied to list prefixes. */
export function validateKeyLength(key: string): void {
  const length = Buffer.byteLength(key, 'utf8');
  if (length > KV_LIMITS.maxKeyBytes) {
    throw new KvHttpError(
      414,
      `UTF-8 encoded length of ${length} exceeds key length limit of ${KV_LIMITS.maxKeyBytes}.`,
    );
  }
}

/**
 * `cacheTtl` is meaningless for a single-node store but is still validated. Single gets pass the
 * parseInt'ed query value (so `abc` reports `NaN`); bulk gets pass the raw JSON value, which
 * workerd sends as a string, and Miniflare compares it with JS coercion.
 */
export function validateCacheTtl(cacheTtl: unknown): void {
  if (cacheTtl === undefined) return;
  const n = Number(cacheTtl);
  if (Number.isNaN(n) || n < KV_LIMITS.minCacheTtlSeconds) {
    throw new KvHttpError(
      400,
      `Invalid cache_ttl of ${display(cacheTtl)}. Cache TTL must be at least ${KV_LIMITS.minCacheTtlSeconds}.`,
    );
  }
}

/** How Miniflare's template strings print a JSON value (workerd only ever sends strings/numbers). */
export function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/**
 * Absolute expiration in unix seconds from the `expiration` / `expiration_ttl` query values.
 * `expiration_ttl` wins when both are given (Miniflare checks it first and ignores the other).
 * Values go through parseInt, so `60.9` is 60 and `90abc` is 90, as in Miniflare.
 */
export function resolveExpiration(
  rawExpiration: string | null,
  rawExpirationTtl: string | null,
  nowSeconds: number,
): number | undefined {
  if (rawExpirationTtl !== null) {
    const ttl = parseInt(rawExpirationTtl, 10);
    if (Number.isNaN(ttl) || ttl <= 0) {
      throw new KvHttpError(
        400,
        `Invalid expiration_ttl of ${rawExpirationTtl}. Please specify integer greater than 0.`,
      );
    }
    if (ttl < KV_LIMITS.minExpirationTtlSeconds) {
      throw new KvHttpError(
        400,
        `Invalid expiration_ttl of ${rawExpirationTtl}. Expiration TTL must be at least ${KV_LIMITS.minExpirationTtlSeconds}.`,
      );
    }
    return nowSeconds + ttl;
  }
  if (rawExpiration !== null) {
    const expiration = parseInt(rawExpiration, 10);
    if (Number.isNaN(expiration) || expiration <= nowSeconds) {
      throw new KvHttpError(
        400,
        `Invalid expiration of ${rawExpiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
      );
    }
    if (expiration < nowSeconds + KV_LIMITS.minExpirationTtlSeconds) {
      throw new KvHttpError(
        400,
        `Invalid expiration of ${rawExpiration}. Expiration times must be at least ${KV_LIMITS.minExpirationTtlSeconds} seconds in the future.`,
      );
    }
    return expiration;
  }
  return undefined;
}

/**
 * Returns the metadata re-serialised the way Miniflare stores it (`JSON.stringify(JSON.parse(raw))`),
 * which is what later gets and lists return. The limit applies to the raw header's UTF-8 bytes.
 */
export function normaliseMetadata(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const length = Buffer.byteLength(raw, 'utf8');
  if (length > KV_LIMITS.maxMetadataBytes) {
    throw new KvHttpError(413, `Metadata length of ${length} exceeds limit of ${KV_LIMITS.maxMetadataBytes}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    // Miniflare crashes with a 500 here; workerd always sends JSON.stringify output, so only a
    // hand-made request gets this far.
    throw new KvHttpError(400, 'Invalid metadata: the cf-kv-metadata header is not valid JSON.', { cause });
  }
  return JSON.stringify(parsed);
}

export function valueTooLarge(length: number): KvHttpError {
  return new KvHttpError(413, `Value length of ${length} exceeds limit of ${KV_LIMITS.maxValueBytes}.`);
}

/** `key_count_limit` absent means 1000; workerd omits it for `limit: 0` and negative limits. */
export function parseListLimit(raw: string | null): number {
  const limit = raw === null ? KV_LIMITS.maxListKeys : parseInt(raw, 10);
  if (Number.isNaN(limit) || limit < 1) {
    throw new KvHttpError(400, `Invalid key_count_limit of ${limit}. Please specify an integer greater than 0.`);
  }
  if (limit > KV_LIMITS.maxListKeys) {
    throw new KvHttpError(
      400,
      `Invalid key_count_limit of ${limit}. Please specify an integer less than ${KV_LIMITS.maxListKeys}.`,
    );
  }
  return limit;
}
