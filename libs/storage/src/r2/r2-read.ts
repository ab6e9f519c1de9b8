import type { TenantRef, WireResponse } from '../gateway/wire.js';
import { conditionHolds } from './r2-conditions.js';
import { isMissingBlob, openObject, type R2Context } from './r2-context.js';
import type { GetDescriptor } from './r2-descriptors.js';
import { internalError, noSuchKey, preconditionFailed } from './r2-errors.js';
import { checkKey } from './r2-limits.js';
import { findObject } from './r2-metadata-repo.js';
import { encodeDescriptor, metadataHeaders } from './r2-object.js';
import { resolveRange } from './r2-range.js';

/** head: the descriptor with `range` covering the whole object. A missing key is 404 + 10007 (→ null). */
export async function headObject(ctx: R2Context, ref: TenantRef, key: string): Promise<WireResponse> {
  checkKey(key);
  const row = await findObject(ctx.db, ref, key);
  if (!row) throw noSuchKey();
  const meta = encodeDescriptor(row, { offset: 0, length: row.size });
  return { status: 200, headers: metadataHeaders(meta.length), body: meta };
}

/** How often a get re-reads the row when its blob vanished under it (an overwrite won the race). */
const MISSING_BLOB_RETRIES = 3;

/**
 * get: the descriptor with the served `range`, then the bytes, streamed. A failed `onlyIf` is
 * 412 + 10031 *with* the descriptor: workerd then returns an R2Object without a body.
 */
export async function getObject(ctx: R2Context, ref: TenantRef, d: GetDescriptor): Promise<WireResponse> {
  checkKey(d.object);
  for (let attempt = 1; ; attempt++) {
    const row = await findObject(ctx.db, ref, d.object);
    if (!row) throw noSuchKey();
    const whole = { offset: 0, length: row.size };
    if (d.onlyIf && !conditionHolds(d.onlyIf, row)) throw preconditionFailed().attach(encodeDescriptor(row, whole));
    // Preconditions are checked before the range, as R2 does: a 412 wins over a 416.
    const range = resolveRange(d, row.size) ?? whole;
    const meta = encodeDescriptor(row, range);
    try {
      const body = await openObject(ctx, row, range, meta);
      return { status: 200, headers: metadataHeaders(meta.length, meta.length + range.length), body };
    } catch (err) {
      // Between reading the row and leasing its blob, an overwrite may have committed and
      // deleted the old blob: read the row again. A blob missing for good is data loss, not 404.
      if (!isMissingBlob(err)) throw err;
      if (attempt >= MISSING_BLOB_RETRIES) throw internalError(err);
    }
  }
}
