import type pg from 'pg';
import type { TenantRef } from '../gateway/wire.js';
import type { CustomField, HttpFields } from './r2-descriptors.js';
import { R2_SCHEMA } from './r2-migrations.js';
import { spansOf, type BlobSpan, type Checksums, type ObjectRow } from './r2-object.js';

// Every statement here filters on (app_id, bucket) taken from the TenantRef, never from a request.

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const T = `${R2_SCHEMA}.objects`;
const COLUMNS = `key, version, size, etag, uploaded, http_fields, custom_fields, checksums, storage_class,
  blob_key, part_blobs`;

interface ObjectRecord {
  key: Buffer;
  version: string;
  size: string;
  etag: string;
  uploaded: string;
  http_fields: HttpFields | null;
  custom_fields: CustomField[] | null;
  checksums: Checksums;
  storage_class: string;
  blob_key: string | null;
  part_blobs: BlobSpan[] | null;
}

function toRow(r: ObjectRecord): ObjectRow {
  return {
    key: r.key.toString('utf8'),
    version: r.version,
    size: Number(r.size),
    etag: r.etag,
    uploaded: Number(r.uploaded),
    httpFields: r.http_fields ?? {},
    customFields: r.custom_fields ?? [],
    checksums: r.checksums,
    storageClass: r.storage_class,
    blobKey: r.blob_key,
    partBlobs: r.part_blobs,
  };
}

const ownedBlobs = (r: Pick<ObjectRecord, 'blob_key' | 'part_blobs'>): string[] =>
  spansOf({ blobKey: r.blob_key, partBlobs: r.part_blobs, size: 0 }).map((s) => s.key);

export const keyBytes = (key: string): Buffer => Buffer.from(key, 'utf8');

/** COMMIT failed: the transaction may or may not have been applied (e.g. the connection dropped). */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('r2: the metadata transaction may or may not have committed', { cause });
    this.name = 'CommitOutcomeUnknownError';
  }
}

export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT').catch((err: unknown) => {
      throw new CommitOutcomeUnknownError(err);
    });
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function findObject(q: Queryable, ref: TenantRef, key: string): Promise<ObjectRow | undefined> {
  const { rows } = await q.query<ObjectRecord>(
    `SELECT ${COLUMNS} FROM ${T} WHERE app_id = $1 AND bucket = $2 AND key = $3`,
    [ref.appId, ref.resourceId, keyBytes(key)],
  );
  return rows[0] && toRow(rows[0]);
}

/**
 * Serialises writers of one key until the transaction ends, whether or not the row exists yet.
 * `SELECT ... FOR UPDATE` alone locks nothing when the key is absent, so two conditional puts
 * ("only if absent") could both see no row and both win.
 */
export async function lockKeyForWrite(
  client: pg.PoolClient,
  ref: TenantRef,
  key: string,
): Promise<ObjectRow | undefined> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || encode($3, 'hex'), 0))`, [
    ref.appId,
    ref.resourceId,
    keyBytes(key),
  ]);
  const { rows } = await client.query<ObjectRecord>(
    `SELECT ${COLUMNS} FROM ${T} WHERE app_id = $1 AND bucket = $2 AND key = $3 FOR UPDATE`,
    [ref.appId, ref.resourceId, keyBytes(key)],
  );
  return rows[0] && toRow(rows[0]);
}

export async function upsertObject(client: pg.PoolClient, ref: TenantRef, row: ObjectRow): Promise<void> {
  await client.query(
    `INSERT INTO ${T} (app_id, bucket, ${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (app_id, bucket, key) DO UPDATE SET
       version = EXCLUDED.version, size = EXCLUDED.size, etag = EXCLUDED.etag, uploaded = EXCLUDED.uploaded,
       http_fields = EXCLUDED.http_fields, custom_fields = EXCLUDED.custom_fields,
       checksums = EXCLUDED.checksums, storage_class = EXCLUDED.storage_class,
       blob_key = EXCLUDED.blob_key, part_blobs = EXCLUDED.part_blobs`,
    [
      ref.appId,
      ref.resourceId,
      keyBytes(row.key),
      row.version,
      row.size,
      row.etag,
      row.uploaded,
      // Explicit JSON: node-postgres would turn a JS array into a Postgres array literal.
      JSON.stringify(row.httpFields),
      JSON.stringify(row.customFields),
      JSON.stringify(row.checksums),
      row.storageClass,
      row.blobKey,
      row.partBlobs && JSON.stringify(row.partBlobs),
    ],
  );
}

/** Deletes the rows and returns the blob keys they owned. */
export async function deleteObjects(q: Queryable, ref: TenantRef, keys: readonly string[]): Promise<string[]> {
  const { rows } = await q.query<Pick<ObjectRecord, 'blob_key' | 'part_blobs'>>(
    `DELETE FROM ${T} WHERE app_id = $1 AND bucket = $2 AND key = ANY($3::bytea[]) RETURNING blob_key, part_blobs`,
    [ref.appId, ref.resourceId, keys.map(keyBytes)],
  );
  return rows.flatMap(ownedBlobs);
}

export async function deleteAllObjects(q: Queryable, ref: TenantRef): Promise<string[]> {
  const { rows } = await q.query<Pick<ObjectRecord, 'blob_key' | 'part_blobs'>>(
    `DELETE FROM ${T} WHERE app_id = $1 AND bucket = $2 RETURNING blob_key, part_blobs`,
    [ref.appId, ref.resourceId],
  );
  return rows.flatMap(ownedBlobs);
}

export interface KeyRange {
  /** Inclusive lower bound on the key bytes. */
  from: Buffer | null;
  /** Exclusive upper bound (the end of a prefix), or none. */
  to: Buffer | null;
  limit: number;
  withHttp: boolean;
  withCustom: boolean;
}

/** Objects in UTF-8 byte order of their keys, within [from, to). */
export async function listObjects(q: Queryable, ref: TenantRef, range: KeyRange): Promise<ObjectRow[]> {
  // Unrequested metadata is not even read: list pages are what a UI polls.
  const http = range.withHttp ? 'http_fields' : 'NULL::json AS http_fields';
  const custom = range.withCustom ? 'custom_fields' : 'NULL::json AS custom_fields';
  const { rows } = await q.query<ObjectRecord>(
    `SELECT key, version, size, etag, uploaded, ${http}, ${custom}, checksums, storage_class, blob_key, part_blobs
     FROM ${T}
     WHERE app_id = $1 AND bucket = $2 AND ($3::bytea IS NULL OR key >= $3) AND ($4::bytea IS NULL OR key < $4)
     ORDER BY key LIMIT $5`,
    [ref.appId, ref.resourceId, range.from, range.to, range.limit],
  );
  return rows.map(toRow);
}
