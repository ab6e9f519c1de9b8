import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { TenantRef, WireResponse } from '../gateway/wire.js';
import { discardOnFailure, newVersion, partBlobKey, storeBlob, type R2Context } from './r2-context.js';
import {
  normalizeCustomFields,
  type AbortDescriptor,
  type CompleteDescriptor,
  type CreateMultipartDescriptor,
  type UploadPartDescriptor,
} from './r2-descriptors.js';
import { badUpload, entityTooSmall, internalError, invalidPart, noSuchUpload } from './r2-errors.js';
import { checkCustomMetadata, checkKey, checkPartNumber, checkValueSize, R2Limits } from './r2-limits.js';
import { lockKeyForWrite, transaction, upsertObject } from './r2-metadata-repo.js';
import { encodeDescriptor, jsonAnswer, metadataHeaders, spansOf, type ObjectRow } from './r2-object.js';
import {
  findUpload,
  insertUpload,
  setUploadState,
  takeParts,
  upsertPart,
  UploadState,
  type PartRow,
} from './r2-upload-repo.js';

/** Upload ids are opaque to the Worker; long and random so they cannot be guessed across apps. */
const newUploadId = (): string => randomBytes(32).toString('base64url');

export async function createMultipartUpload(
  ctx: R2Context,
  ref: TenantRef,
  d: CreateMultipartDescriptor,
): Promise<WireResponse> {
  checkKey(d.object);
  const customFields = normalizeCustomFields(d.customFields);
  // Miniflare never checks metadata size for multipart uploads; R2 refuses it when the upload starts.
  checkCustomMetadata(customFields.map(({ k, v }) => [k, v]));
  const uploadId = newUploadId();
  await insertUpload(
    ctx.db,
    ref,
    {
      uploadId,
      key: d.object,
      httpFields: d.httpFields ?? {},
      customFields,
      storageClass: d.storageClass ?? 'Standard',
      state: UploadState.IN_PROGRESS,
    },
    ctx.clock.now(),
  );
  return jsonAnswer({ uploadId });
}

export async function uploadPart(
  ctx: R2Context,
  ref: TenantRef,
  d: UploadPartDescriptor,
  value: Readable,
  size: number,
): Promise<WireResponse> {
  checkKey(d.object);
  checkPartNumber(d.partNumber);
  checkValueSize(size);
  // Refuse before receiving the bytes; the transaction checks again in case of a race.
  const upload = await findUpload(ctx.db, ref, d.uploadId, d.object, false);
  if (upload?.state !== UploadState.IN_PROGRESS) throw noSuchUpload();

  const blobKey = partBlobKey(ref);
  const digests = await storeBlob(ctx, blobKey, value, size, ['md5']);
  // The part etag is ours to choose (workerd passes it back on complete). A fresh random one per
  // upload means a stale etag of a re-uploaded part is refused, as in Miniflare.
  const etag = randomBytes(16).toString('hex');
  try {
    const replaced = await transaction(ctx.db, async (client) => {
      const locked = await findUpload(client, ref, d.uploadId, d.object, true);
      if (locked?.state !== UploadState.IN_PROGRESS) throw noSuchUpload();
      const part: PartRow = { partNumber: d.partNumber, blobKey, size, etag, md5: digests.get('md5')!.toString('hex') };
      return upsertPart(client, ref, d.uploadId, part);
    });
    if (replaced) ctx.reaper.reap([replaced]);
    return jsonAnswer({ etag });
  } catch (err) {
    discardOnFailure(ctx, err, [blobKey]);
    throw err;
  }
}

/**
 * R2's part rules, in Miniflare's order: every part but the last is at least 5 MiB (10011); once
 * sorted, those parts all have one size and the last is not larger (10048).
 */
function choosePartsInOrder(selected: CompleteDescriptor['parts'], uploaded: Map<number, PartRow>): PartRow[] {
  // Miniflare accepts an empty list (a 0-byte object, etag "<md5 of nothing>-0"); R2 and S3 refuse.
  if (selected.length === 0) throw internalError();
  const seen = new Set<number>();
  for (const { part } of selected) {
    if (seen.has(part)) throw internalError();
    seen.add(part);
  }
  const parts = selected.map((sel) => {
    const part = uploaded.get(sel.part);
    if (part?.etag !== sel.etag) throw invalidPart();
    return part;
  });
  for (const part of parts.slice(0, -1)) if (part.size < R2Limits.MIN_PART_SIZE) throw entityTooSmall();
  parts.sort((a, b) => a.partNumber - b.partNumber);
  let partSize: number | undefined;
  for (const part of parts.slice(0, -1)) {
    partSize ??= part.size;
    if (part.size !== partSize) throw badUpload();
  }
  if (partSize !== undefined && parts[parts.length - 1]!.size > partSize) throw badUpload();
  return parts;
}

/** S3's multipart etag: md5 over the parts' binary md5s, then `-<part count>`. */
export function multipartEtag(partMd5Hexes: readonly string[]): string {
  const hash = createHash('md5');
  for (const hex of partMd5Hexes) hash.update(Buffer.from(hex, 'hex'));
  return `${hash.digest('hex')}-${partMd5Hexes.length}`;
}

/**
 * The object keeps the chosen part blobs (no copy). Unknown upload → 10001 (Miniflare), an upload
 * already completed or aborted → 10024.
 */
export async function completeMultipartUpload(
  ctx: R2Context,
  ref: TenantRef,
  d: CompleteDescriptor,
): Promise<WireResponse> {
  checkKey(d.object);
  const { row, garbage } = await transaction(ctx.db, async (client) => {
    const upload = await findUpload(client, ref, d.uploadId, d.object, true);
    if (!upload) throw internalError();
    if (upload.state !== UploadState.IN_PROGRESS) throw noSuchUpload();
    const uploaded = await takeParts(client, ref, d.uploadId);
    const parts = choosePartsInOrder(d.parts, new Map(uploaded.map((p) => [p.partNumber, p])));
    const current = await lockKeyForWrite(client, ref, d.object);
    const row: ObjectRow = {
      key: d.object,
      version: newVersion(),
      size: parts.reduce((sum, p) => sum + p.size, 0),
      etag: multipartEtag(parts.map((p) => p.md5)),
      uploaded: ctx.clock.now(),
      httpFields: upload.httpFields,
      customFields: upload.customFields,
      // R2 has no whole-object checksum for multipart objects.
      checksums: {},
      storageClass: upload.storageClass,
      blobKey: null,
      partBlobs: parts.map((p) => ({ key: p.blobKey, size: p.size })),
    };
    await upsertObject(client, ref, row);
    await setUploadState(client, ref, d.uploadId, UploadState.COMPLETED);
    const kept = new Set(parts.map((p) => p.blobKey));
    const garbage = uploaded.filter((p) => !kept.has(p.blobKey)).map((p) => p.blobKey);
    if (current) garbage.push(...spansOf(current).map((s) => s.key));
    return { row, garbage };
  });
  ctx.reaper.reap(garbage);
  const meta = encodeDescriptor(row);
  return { status: 200, headers: metadataHeaders(meta.length), body: meta };
}

/** Unknown upload → 10001; aborting a completed or aborted upload succeeds and changes nothing. */
export async function abortMultipartUpload(ctx: R2Context, ref: TenantRef, d: AbortDescriptor): Promise<WireResponse> {
  checkKey(d.object);
  const garbage = await transaction(ctx.db, async (client) => {
    const upload = await findUpload(client, ref, d.uploadId, d.object, true);
    if (!upload) throw internalError();
    if (upload.state !== UploadState.IN_PROGRESS) return [];
    const parts = await takeParts(client, ref, d.uploadId);
    await setUploadState(client, ref, d.uploadId, UploadState.ABORTED);
    return parts.map((p) => p.blobKey);
  });
  ctx.reaper.reap(garbage);
  return { status: 200 };
}
