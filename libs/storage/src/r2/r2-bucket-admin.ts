import type { Readable } from 'node:stream';
import type { TenantRef } from '../gateway/wire.js';
import { openObject, type R2Context } from './r2-context.js';
import { deleteAllObjects, keyBytes, listObjects, transaction } from './r2-metadata-repo.js';
import { describe, type ObjectDescriptor } from './r2-object.js';
import { deleteAllUploads } from './r2-upload-repo.js';

export interface ExportedObject {
  key: string;
  /** The descriptor a Worker's head() would see, without `range`. */
  descriptor: ObjectDescriptor;
  /**
   * The object's bytes, as of the listing. Rejects with BlobNotFoundError if the object was
   * overwritten or deleted since: export a bucket while its app is stopped.
   */
  body(): Promise<Readable>;
}

const EXPORT_PAGE = 200;

/** Every object of the bucket in key order, for moving an app's data to Cloudflare R2. */
export async function* exportObjects(ctx: R2Context, ref: TenantRef): AsyncGenerator<ExportedObject> {
  let from: Buffer | null = null;
  for (;;) {
    const rows = await listObjects(ctx.db, ref, {
      from,
      to: null,
      limit: EXPORT_PAGE,
      withHttp: true,
      withCustom: true,
    });
    for (const row of rows) {
      yield {
        key: row.key,
        descriptor: describe(row),
        body: () => openObject(ctx, row, { offset: 0, length: row.size }, Buffer.alloc(0)),
      };
    }
    if (rows.length < EXPORT_PAGE) return;
    from = Buffer.concat([keyBytes(rows[rows.length - 1]!.key), Buffer.of(0)]);
  }
}

/** Removes every object and multipart upload of the bucket, rows first, then their blobs. */
export async function purgeBucket(ctx: R2Context, ref: TenantRef): Promise<void> {
  const blobs = await transaction(ctx.db, async (client) => [
    ...(await deleteAllObjects(client, ref)),
    ...(await deleteAllUploads(client, ref)),
  ]);
  for (let i = 0; i < blobs.length; i += 1000) await ctx.reaper.deleteNow(blobs.slice(i, i + 1000));
}
