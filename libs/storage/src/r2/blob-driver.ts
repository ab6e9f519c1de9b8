import type { Readable } from 'node:stream';

/** A byte range of a blob: `length` bytes from `offset`. */
export interface BlobRange {
  offset: number;
  length: number;
}

/**
 * Where R2 object bytes live. Keys are chosen by the R2 service from ids it generates
 * (`<appId>/<bucket>/<version>`), never from user object names; drivers still refuse keys that
 * could leave their root, as a second line of defence.
 */
export interface BlobDriver {
  /**
   * Stores exactly `size` bytes from `body` under `key`. The blob becomes visible only once it is
   * complete: a failed or short stream leaves nothing behind under `key`.
   */
  put(key: string, body: Readable, size: number): Promise<void>;
  /** Streams the blob, or `range` of it. Rejects with BlobNotFoundError when it does not exist. */
  get(key: string, range?: BlobRange): Promise<Readable>;
  /** Deletes blobs; missing ones are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export type BlobDriverErrorCode = 'BLOB_NOT_FOUND' | 'BLOB_INVALID_KEY' | 'BLOB_SIZE_MISMATCH' | 'BLOB_BACKEND';

export class BlobDriverError extends Error {
  constructor(
    readonly code: BlobDriverErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BlobDriverError';
  }
}

export class BlobNotFoundError extends BlobDriverError {
  constructor(key: string, options?: ErrorOptions) {
    super('BLOB_NOT_FOUND', `blob ${key} does not exist`, options);
  }
}

// Segments of ids we generate ourselves: no dots first (so no `.`/`..`/hidden temp names),
// no separators, nothing a filesystem or S3 would reinterpret.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** Throws unless `key` is `seg/seg/...` with safe segments (the only shape the service writes). */
export function assertBlobKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 1024 || segments.length > 16 || !segments.every((s) => SEGMENT.test(s)))
    throw new BlobDriverError('BLOB_INVALID_KEY', `refusing unsafe blob key ${JSON.stringify(key)}`);
}

export function sizeMismatch(key: string, expected: number, got: number): BlobDriverError {
  return new BlobDriverError('BLOB_SIZE_MISMATCH', `blob ${key}: expected ${expected} bytes, received ${got}`);
}
