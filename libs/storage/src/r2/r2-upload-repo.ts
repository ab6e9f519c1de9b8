import type pg from 'pg';
import type { TenantRef } from '../gateway/wire.js';
import type { CustomField, HttpFields } from './r2-descriptors.js';
import { keyBytes, type Queryable } from './r2-metadata-repo.js';
import { R2_SCHEMA } from './r2-migrations.js';

// SQL for multipart uploads. Like the objects table, everything is scoped by the TenantRef.

const UPLOADS = `${R2_SCHEMA}.uploads`;
const PARTS = `${R2_SCHEMA}.parts`;

export const UploadState = { IN_PROGRESS: 0, COMPLETED: 1, ABORTED: 2 } as const;

export interface UploadRow {
  uploadId: string;
  key: string;
  httpFields: HttpFields;
  customFields: CustomField[];
  storageClass: string;
  state: number;
}

export interface PartRow {
  partNumber: number;
  blobKey: string;
  size: number;
  etag: string;
  md5: string;
}

interface UploadRecord {
  upload_id: string;
  key: Buffer;
  http_fields: HttpFields;
  custom_fields: CustomField[];
  storage_class: string;
  state: number;
}

const toUpload = (r: UploadRecord): UploadRow => ({
  uploadId: r.upload_id,
  key: r.key.toString('utf8'),
  httpFields: r.http_fields,
  customFields: r.custom_fields,
  storageClass: r.storage_class,
  state: r.state,
});

export async function insertUpload(q: Queryable, ref: TenantRef, upload: UploadRow, created: number): Promise<void> {
  await q.query(
    `INSERT INTO ${UPLOADS} (app_id, bucket, upload_id, key, http_fields, custom_fields, storage_class, state, created)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      ref.appId,
      ref.resourceId,
      upload.uploadId,
      keyBytes(upload.key),
      JSON.stringify(upload.httpFields),
      JSON.stringify(upload.customFields),
      upload.storageClass,
      upload.state,
      created,
    ],
  );
}

/**
 * The upload, if it exists for this key. With `forUpdate`, also serialises uploadPart, complete
 * and abort of one upload, so a part can never be added to an upload that is completing.
 */
export async function findUpload(
  q: Queryable,
  ref: TenantRef,
  uploadId: string,
  key: string,
  forUpdate: boolean,
): Promise<UploadRow | undefined> {
  const { rows } = await q.query<UploadRecord>(
    `SELECT upload_id, key, http_fields, custom_fields, storage_class, state FROM ${UPLOADS}
     WHERE app_id = $1 AND bucket = $2 AND upload_id = $3 AND key = $4 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [ref.appId, ref.resourceId, uploadId, keyBytes(key)],
  );
  return rows[0] && toUpload(rows[0]);
}

export async function setUploadState(
  client: pg.PoolClient,
  ref: TenantRef,
  uploadId: string,
  state: number,
): Promise<void> {
  await client.query(`UPDATE ${UPLOADS} SET state = $4 WHERE app_id = $1 AND bucket = $2 AND upload_id = $3`, [
    ref.appId,
    ref.resourceId,
    uploadId,
    state,
  ]);
}

/** Records a part, replacing an earlier upload of the same number; returns the replaced blob. */
export async function upsertPart(
  client: pg.PoolClient,
  ref: TenantRef,
  uploadId: string,
  part: PartRow,
): Promise<string | undefined> {
  const { rows } = await client.query<{ blob_key: string }>(
    `SELECT blob_key FROM ${PARTS} WHERE app_id = $1 AND bucket = $2 AND upload_id = $3 AND part_number = $4`,
    [ref.appId, ref.resourceId, uploadId, part.partNumber],
  );
  await client.query(
    `INSERT INTO ${PARTS} (app_id, bucket, upload_id, part_number, blob_key, size, etag, md5)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (app_id, bucket, upload_id, part_number) DO UPDATE SET
       blob_key = EXCLUDED.blob_key, size = EXCLUDED.size, etag = EXCLUDED.etag, md5 = EXCLUDED.md5`,
    [ref.appId, ref.resourceId, uploadId, part.partNumber, part.blobKey, part.size, part.etag, part.md5],
  );
  return rows[0]?.blob_key;
}

/** Deletes every part row of the upload and returns them (their blobs are now the caller's). */
export async function takeParts(client: pg.PoolClient, ref: TenantRef, uploadId: string): Promise<PartRow[]> {
  const { rows } = await client.query<{
    part_number: number;
    blob_key: string;
    size: string;
    etag: string;
    md5: string;
  }>(
    `DELETE FROM ${PARTS} WHERE app_id = $1 AND bucket = $2 AND upload_id = $3
     RETURNING part_number, blob_key, size, etag, md5`,
    [ref.appId, ref.resourceId, uploadId],
  );
  return rows.map((r) => ({
    partNumber: r.part_number,
    blobKey: r.blob_key,
    size: Number(r.size),
    etag: r.etag,
    md5: r.md5,
  }));
}

/** Forgets every upload of the bucket; returns the part blobs to delete. */
export async function deleteAllUploads(q: Queryable, ref: TenantRef): Promise<string[]> {
  const { rows } = await q.query<{ blob_key: string }>(
    `DELETE FROM ${PARTS} WHERE app_id = $1 AND bucket = $2 RETURNING blob_key`,
    [ref.appId, ref.resourceId],
  );
  await q.query(`DELETE FROM ${UPLOADS} WHERE app_id = $1 AND bucket = $2`, [ref.appId, ref.resourceId]);
  return rows.map((r) => r.blob_key);
}
