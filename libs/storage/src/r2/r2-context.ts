import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { Clock } from '../clock.js';
import type { TenantRef } from '../gateway/wire.js';
import { BlobDriverError, BlobNotFoundError, type BlobDriver, type BlobRange } from './blob-driver.js';
import type { BlobReaper } from './blob-reaper.js';
import { badDigest, invalidArgument } from './r2-errors.js';
import { CommitOutcomeUnknownError } from './r2-metadata-repo.js';
import { spansOf, type Checksums, type ObjectRow } from './r2-object.js';
import { BodyLengthError, concatStreams, Digester, digestStream, HASHES, type HashField } from './r2-streams.js';

/** What every R2 operation needs; built once by R2Service. */
export interface R2Context {
  db: pg.Pool;
  blobs: BlobDriver;
  clock: Clock;
  reaper: BlobReaper;
}

/** R2's object version: 32 random hex characters, new on every write. */
export const newVersion = (): string => randomBytes(16).toString('hex');

// Blob keys come only from validated tenant ids and ids generated here, so no object name
// (`../`, NUL, `%2F`, 1 KiB of anything) ever reaches a path or an S3 key.
export const objectBlobKey = (ref: TenantRef, version: string): string => `${ref.appId}/${ref.resourceId}/${version}`;
export const partBlobKey = (ref: TenantRef): string =>
  `${ref.appId}/${ref.resourceId}/parts/${randomBytes(16).toString('hex')}`;

/**
 * Streams `size` value bytes into a new blob, hashing them on the way. Nothing is left under `key`
 * when this rejects.
 */
export async function storeBlob(
  ctx: R2Context,
  key: string,
  value: Readable,
  size: number,
  fields: readonly HashField[],
): Promise<Map<HashField, Buffer>> {
  const digester = new Digester(fields, size);
  try {
    await ctx.blobs.put(key, digestStream(value, digester), size);
  } catch (err) {
    value.unpipe(digester);
    if (err instanceof BodyLengthError || (err instanceof BlobDriverError && err.code === 'BLOB_SIZE_MISMATCH'))
      throw invalidArgument('The request body does not have the length the request declared.');
    throw err;
  }
  return digester.digests();
}

/** Checks the hashes the Worker supplied, in R2's order, and returns the object's checksums. */
export function verifyChecksums(
  provided: Partial<Record<HashField, Buffer>>,
  digests: Map<HashField, Buffer>,
): Checksums {
  const checksums: Checksums = {};
  for (const { index, field, r2Name } of HASHES) {
    const actual = digests.get(field);
    const expected = provided[field];
    if (expected !== undefined && actual !== undefined && !expected.equals(actual))
      throw badDigest(r2Name, expected, actual);
    // md5 is always kept: R2 reports it for every single-part object.
    if (actual !== undefined && (field === 'md5' || expected !== undefined)) checksums[index] = actual.toString('hex');
  }
  return checksums;
}

/**
 * `range` of the object's bytes, after `head`. Only the first blob is opened before returning, so
 * a missing blob is an error answer rather than a cut-off stream; the rest opens as it is reached.
 * Every blob involved is leased until the stream closes (see BlobReaper).
 */
export async function openObject(ctx: R2Context, row: ObjectRow, range: BlobRange, head: Buffer): Promise<Readable> {
  const pieces: Array<{ key: string; range: BlobRange | undefined }> = [];
  let start = 0;
  const end = range.offset + range.length;
  for (const span of spansOf(row)) {
    const from = Math.max(start, range.offset);
    const to = Math.min(start + span.size, end);
    if (from < to)
      pieces.push({
        key: span.key,
        range: to - from === span.size ? undefined : { offset: from - start, length: to - from },
      });
    start += span.size;
  }
  const release = ctx.reaper.lease(pieces.map((p) => p.key));
  try {
    const [first, ...rest] = pieces;
    const firstStream = first && (await ctx.blobs.get(first.key, first.range));
    const opens = rest.map((p) => () => ctx.blobs.get(p.key, p.range));
    return concatStreams(head, firstStream, opens, release);
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Deletes a blob written for a write that then failed, unless the failure happened while
 * committing: then the row may exist after all, and a leaked blob beats a row without bytes.
 */
export function discardOnFailure(ctx: R2Context, err: unknown, keys: readonly string[]): void {
  if (!(err instanceof CommitOutcomeUnknownError)) ctx.reaper.reap(keys);
}

export const isMissingBlob = (err: unknown): err is BlobNotFoundError => err instanceof BlobNotFoundError;
