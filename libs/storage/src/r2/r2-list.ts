import type { TenantRef, WireResponse } from '../gateway/wire.js';
import type { R2Context } from './r2-context.js';
import type { ListDescriptor } from './r2-descriptors.js';
import { checkListLimit, R2Limits } from './r2-limits.js';
import { keyBytes, listObjects } from './r2-metadata-repo.js';
import { describe, jsonAnswer, type ObjectDescriptor, type ObjectRow } from './r2-object.js';

/** One list entry and where the next page starts after it (inclusive bound). */
type Entry = { object: ObjectRow; next: Buffer } | { prefix: Buffer; next: Buffer };

/**
 * list: keys in UTF-8 byte order (what R2 and Miniflare's SQLite give), `limit` entries per page
 * counting objects and delimited prefixes alike.
 *
 * With a delimiter, each common prefix is reported once; when a batch ends inside one, the next
 * range query starts past all of its keys, so a million keys under `photos/` are not read to report
 * one prefix. The cursor is the inclusive lower bound of the next page, base64url-encoded;
 * it is opaque to the Worker (Miniflare uses the last key; any opaque string works).
 */
export async function listObjectsOp(ctx: R2Context, ref: TenantRef, d: ListDescriptor): Promise<WireResponse> {
  let limit = d.limit ?? R2Limits.MAX_LIST_KEYS;
  checkListLimit(limit);
  const include = d.include ?? [];
  if (include.length > 0) limit = Math.min(limit, R2Limits.MAX_LIST_KEYS_WITH_METADATA);
  const withHttp = include.includes(0);
  const withCustom = include.includes(1);

  const prefix = keyBytes(d.prefix ?? '');
  const to = prefixEnd(prefix);
  let from = prefix;
  if (d.startAfter !== undefined) from = maxBuf(from, successor(keyBytes(d.startAfter)));
  if (d.cursor !== undefined) from = maxBuf(from, Buffer.from(d.cursor, 'base64url'));
  // An empty delimiter means none (Miniflare).
  const delimiter = d.delimiter ? keyBytes(d.delimiter) : undefined;

  const entries: Entry[] = [];
  let inside: Buffer | undefined; // the delimited prefix reported last
  while (entries.length <= limit) {
    const want = limit + 1 - entries.length;
    const rows = await listObjects(ctx.db, ref, { from, to, limit: want, withHttp, withCustom });
    for (const row of rows) {
      const key = keyBytes(row.key);
      if (inside && key.subarray(0, inside.length).equals(inside)) continue;
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && at >= 0) {
        inside = key.subarray(0, at + delimiter.length);
        // UTF-8 never contains 0xff, so a prefix ending in the delimiter always has an end.
        entries.push({ prefix: inside, next: prefixEnd(inside)! });
      } else {
        inside = undefined;
        entries.push({ object: row, next: successor(key) });
      }
      if (entries.length > limit) break;
    }
    if (rows.length < want) break;
    // Still inside a common prefix at the end of the batch: jump past all of its keys at once.
    from = inside ? prefixEnd(inside)! : successor(keyBytes(rows[rows.length - 1]!.key));
  }

  const page = entries.slice(0, limit);
  const truncated = entries.length > limit;
  const objects: ObjectDescriptor[] = [];
  const delimitedPrefixes: string[] = [];
  for (const e of page) {
    if ('object' in e) objects.push(describe(e.object));
    else delimitedPrefixes.push(e.prefix.toString('utf8'));
  }
  return jsonAnswer({
    objects,
    truncated,
    ...(truncated ? { cursor: page[page.length - 1]!.next.toString('base64url') } : {}),
    delimitedPrefixes,
  });
}

/** The smallest byte string greater than `key`. */
const successor = (key: Buffer): Buffer => Buffer.concat([key, Buffer.of(0)]);

/** The smallest byte string greater than every string starting with `prefix`; none for "". */
export function prefixEnd(prefix: Buffer): Buffer | null {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return null;
  const out = Buffer.from(prefix.subarray(0, end));
  out[end - 1]! += 1;
  return out;
}

const maxBuf = (a: Buffer, b: Buffer): Buffer => (Buffer.compare(a, b) >= 0 ? a : b);
