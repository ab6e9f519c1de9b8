import type { Readable } from 'node:stream';
import type { TenantRef, WireResponse } from '../gateway/wire.js';
import { conditionHolds } from './r2-conditions.js';
import {
  discardOnFailure,
  newVersion,
  objectBlobKey,
  storeBlob,
  verifyChecksums,
  type R2Context,
} from './r2-context.js';
import { normalizeCustomFields, type DeleteDescriptor, type PutDescriptor } from './r2-descriptors.js';
import { preconditionFailed } from './r2-errors.js';
import { checkCustomMetadata, checkDeleteCount, checkKey, checkValueSize } from './r2-limits.js';
import { deleteObjects, findObject, lockKeyForWrite, transaction, upsertObject } from './r2-metadata-repo.js';
import { encodeDescriptor, metadataHeaders, spansOf, type ObjectRow } from './r2-object.js';
import type { HashField } from './r2-streams.js';

const SHA_FIELDS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;

/**
 * put: the new version's blob is written first (hashed as it streams), then the row is swapped in
 * one transaction, then the old blob is deleted. Readers therefore see the old object or the new
 * one, never a partial one, and a failed upload leaves nothing visible.
 */
export async function putObject(
  ctx: R2Context,
  ref: TenantRef,
  d: PutDescriptor,
  value: Readable,
  size: number,
): Promise<WireResponse> {
  checkKey(d.object);
  checkValueSize(size);
  const customFields = normalizeCustomFields(d.customFields);
  checkCustomMetadata(customFields.map(({ k, v }) => [k, v]));
  // Cheap early answer for a precondition that already fails, before receiving up to 5 GiB.
  // The transaction below re-checks it under the key's lock; that check is the one that counts.
  if (d.onlyIf && !conditionHolds(d.onlyIf, await findObject(ctx.db, ref, d.object))) throw preconditionFailed();

  const version = newVersion();
  const blobKey = objectBlobKey(ref, version);
  const fields: HashField[] = ['md5', ...SHA_FIELDS.filter((f) => d[f] !== undefined)];
  const digests = await storeBlob(ctx, blobKey, value, size, fields);
  try {
    const checksums = verifyChecksums(d, digests);
    const row: ObjectRow = {
      key: d.object,
      version,
      size,
      etag: checksums['0']!,
      uploaded: ctx.clock.now(),
      httpFields: d.httpFields ?? {},
      customFields,
      checksums,
      storageClass: d.storageClass ?? 'Standard',
      blobKey,
      partBlobs: null,
    };
    const replaced = await transaction(ctx.db, async (client) => {
      const current = await lockKeyForWrite(client, ref, d.object);
      // A failed put precondition is 412 + 10031 *without* a body: workerd returns null.
      if (d.onlyIf && !conditionHolds(d.onlyIf, current)) throw preconditionFailed();
      await upsertObject(client, ref, row);
      return current ? spansOf(current).map((s) => s.key) : [];
    });
    ctx.reaper.reap(replaced);
    const meta = encodeDescriptor(row);
    return { status: 200, headers: metadataHeaders(meta.length), body: meta };
  } catch (err) {
    discardOnFailure(ctx, err, [blobKey]);
    throw err;
  }
}

/** delete(key) or delete([keys]); missing keys are not an error. */
export async function deleteObjectsOp(ctx: R2Context, ref: TenantRef, d: DeleteDescriptor): Promise<WireResponse> {
  const keys = d.objects ?? (d.object === undefined ? [] : [d.object]);
  checkDeleteCount(keys.length);
  keys.forEach(checkKey);
  if (keys.length > 0) ctx.reaper.reap(await deleteObjects(ctx.db, ref, keys));
  return { status: 200 };
}
