import type { BlobRange } from './blob-driver.js';
import type { CustomField, HttpFields } from './r2-descriptors.js';

/** Checksums keyed by R2's algorithm index: "0" md5, "1" sha1, "2" sha256, "3" sha384, "4" sha512. */
export type Checksums = Partial<Record<'0' | '1' | '2' | '3' | '4', string>>;

/** One blob holding a contiguous slice of an object: one per single-part object, one per part. */
export interface BlobSpan {
  key: string;
  size: number;
}

/** An object's metadata row (kiln_r2.objects), keyed by (app, bucket, key). */
export interface ObjectRow {
  key: string;
  version: string;
  size: number;
  etag: string;
  uploaded: number;
  httpFields: HttpFields;
  customFields: CustomField[];
  checksums: Checksums;
  storageClass: string;
  /** Single-part objects: the blob. */
  blobKey: string | null;
  /** Multipart objects: the part blobs in order (they are never concatenated). */
  partBlobs: BlobSpan[] | null;
}

/** The object descriptor workerd reads (head/get/put/complete and each entry of list). */
export type ObjectDescriptor = Omit<ObjectRow, 'key' | 'blobKey' | 'partBlobs'> & {
  name: string;
  range?: BlobRange;
};

export function spansOf(row: Pick<ObjectRow, 'blobKey' | 'partBlobs' | 'size'>): BlobSpan[] {
  if (row.partBlobs) return row.partBlobs;
  return row.blobKey === null ? [] : [{ key: row.blobKey, size: row.size }];
}

/**
 * `range` only for head/get (the bytes served). `storageClass` defaults to "Standard", which is
 * what Cloudflare reports; Miniflare omits it and the Worker then sees "".
 */
export function describe(row: ObjectRow, range?: BlobRange): ObjectDescriptor {
  return {
    name: row.key,
    version: row.version,
    size: row.size,
    etag: row.etag,
    uploaded: row.uploaded,
    httpFields: row.httpFields,
    customFields: row.customFields,
    ...(range ? { range } : {}),
    checksums: row.checksums,
    storageClass: row.storageClass,
  };
}

export function encodeDescriptor(row: ObjectRow, range?: BlobRange): Buffer {
  return Buffer.from(JSON.stringify(describe(row, range)), 'utf8');
}

/** A success answer: `cf-r2-metadata-size` tells workerd where the JSON ends and the bytes begin. */
export function metadataHeaders(metadataSize: number, contentLength = metadataSize): Record<string, string> {
  return {
    'cf-r2-metadata-size': String(metadataSize),
    'content-type': 'application/json',
    'content-length': String(contentLength),
  };
}

export function jsonAnswer(value: unknown): { status: number; headers: Record<string, string>; body: Buffer } {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return { status: 200, headers: metadataHeaders(body.length), body };
}
