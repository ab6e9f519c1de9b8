import { keyBytes } from './kv-keys.js';

/** One live key as the list script returns it. */
export interface KvListEntry {
  key: Buffer;
  /** Unix seconds, absent when the key does not expire. */
  expiration: number | undefined;
  /** Normalised JSON text, absent when the key has no metadata. */
  metadata: string | undefined;
}

/** A ZRANGEBYLEX range: `-`, `+`, or `[`/`(` followed by raw key bytes. */
export interface LexRange {
  min: Buffer;
  max: Buffer;
}

/**
 * Miniflare's cursor is base64 of the last key returned, and the next page is every key strictly
 * after it. Keeping that format means cursors minted by `wrangler dev` work here too. A cursor that
 * is not base64 decodes to something (possibly empty) rather than failing, as in Miniflare.
 */
export function encodeCursor(lastKey: Buffer): string {
  return lastKey.toString('base64');
}

export function decodeCursor(cursor: string): Buffer {
  // Round-trip through a string like Miniflare, so invalid UTF-8 compares as U+FFFD does there.
  return keyBytes(Buffer.from(cursor, 'base64').toString('utf8'));
}

const INCLUSIVE = Buffer.from('[');
const EXCLUSIVE = Buffer.from('(');

/**
 * Keys that start with `prefix` and sort after the cursor key. Stored keys are UTF-8 and so never
 * contain the byte 0xFF, which makes `prefix + 0xFF` an exclusive upper bound for the prefix.
 */
export function listRange(prefix: string, cursor: string | undefined): LexRange {
  const prefixBytes = keyBytes(prefix);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  let min: Buffer;
  if (after !== undefined && after.length > 0 && Buffer.compare(after, prefixBytes) >= 0) {
    min = Buffer.concat([EXCLUSIVE, after]);
  } else if (prefixBytes.length > 0) {
    min = Buffer.concat([INCLUSIVE, prefixBytes]);
  } else {
    min = Buffer.from('-');
  }
  const max = prefixBytes.length > 0 ? Buffer.concat([EXCLUSIVE, prefixBytes, Buffer.from([0xff])]) : Buffer.from('+');
  return { min, max };
}

interface ListKeyJson {
  name: string;
  expiration?: number;
  metadata?: string;
}

/**
 * `entries` holds up to `limit + 1` live keys: the extra one only tells whether another page
 * exists. With exactly `limit` keys left Miniflare answers `list_complete: true` and no cursor
 * (verified against its local KV), not an empty last page.
 */
export function listResponseBody(entries: KvListEntry[], limit: number): string {
  const page = entries.slice(0, limit);
  const keys = page.map((entry) => {
    const json: ListKeyJson = { name: entry.key.toString('utf8') };
    if (entry.expiration !== undefined) json.expiration = entry.expiration;
    // workerd parses list metadata itself: it must be the JSON text, not an object.
    if (entry.metadata !== undefined) json.metadata = entry.metadata;
    return json;
  });
  const last = page.at(-1);
  if (entries.length > limit && last !== undefined) {
    return JSON.stringify({ keys, list_complete: false, cursor: encodeCursor(last.key), cacheStatus: null });
  }
  return JSON.stringify({ keys, list_complete: true, cacheStatus: null });
}
