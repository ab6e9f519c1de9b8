import { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import {
  assertBlobKey,
  BlobDriverError,
  BlobNotFoundError,
  sizeMismatch,
  type BlobDriver,
  type BlobRange,
} from './blob-driver.js';

export interface S3BlobDriverConfig {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Set it to skip minio's bucket-location lookup; MinIO and s3rver accept `us-east-1`. */
  region?: string;
  /** Prepended to every blob key (e.g. `r2/`), to share a bucket with other data. */
  prefix?: string;
  /** Bytes buffered per S3 request; see `put`. Default 8 MiB, minimum 5 MiB (S3's part minimum). */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Blobs in an S3-compatible store (MinIO in production) through the `minio` client.
 *
 * Why not `client.putObject(stream)`: it reads the whole stream into memory when the object fits
 * in one part (up to 64 MiB and more), and hangs if the source stream errors. Over plain HTTP,
 * SigV4 also needs each request body's sha256 before sending it. So `put` cuts the stream into
 * `partSize` buffers and sends them as an S3 multipart upload: memory per upload is bounded by one
 * part, and S3 publishes the object only on CompleteMultipartUpload (aborted on any failure).
 */
export class S3BlobDriver implements BlobDriver {
  private readonly client: Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;

  constructor(config: S3BlobDriverConfig) {
    this.client = new Client({
      endPoint: config.endPoint,
      ...(config.port !== undefined ? { port: config.port } : {}),
      useSSL: config.useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region ?? 'us-east-1',
      pathStyle: true,
    });
    this.bucket = config.bucket;
    this.prefix = config.prefix ?? '';
    this.partSize = Math.max(config.partSize ?? DEFAULT_PART_SIZE, MIN_PART_SIZE);
  }

  async put(key: string, body: Readable, size: number): Promise<void> {
    const name = this.nameOf(key);
    const parts = readParts(body, this.partSize, size, key);
    if (size <= this.partSize) {
      let buf: Buffer = Buffer.alloc(0);
      for await (const part of parts) buf = part;
      await this.client.putObject(this.bucket, name, buf, buf.length);
      return;
    }
    const uploadId = await this.client.initiateNewMultipartUpload(this.bucket, name, {});
    try {
      const etags: Array<{ part: number; etag: string }> = [];
      for await (const chunk of parts) {
        const partNumber = etags.length + 1;
        const { etag } = await this.client.uploadPart(
          { bucketName: this.bucket, objectName: name, uploadID: uploadId, partNumber, headers: {} },
          chunk,
        );
        etags.push({ part: partNumber, etag });
      }
      await this.client.completeMultipartUpload(this.bucket, name, uploadId, etags);
    } catch (err) {
      await this.client.abortMultipartUpload(this.bucket, name, uploadId).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string, range?: BlobRange): Promise<Readable> {
    const name = this.nameOf(key);
    // minio reads a zero length as "to the end"; a zero-byte range needs no request at all.
    if (range && range.length <= 0) return Readable.from([]);
    try {
      return range
        ? await this.client.getPartialObject(this.bucket, name, range.offset, range.length)
        : await this.client.getObject(this.bucket, name);
    } catch (err) {
      if (err instanceof S3Error && (err.code === 'NoSuchKey' || err.code === 'NotFound'))
        throw new BlobNotFoundError(key, { cause: err });
      throw err;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const results = await this.client.removeObjects(
      this.bucket,
      keys.map((k) => this.nameOf(k)),
    );
    const failed = results.find((r) => r?.Error?.Code && r.Error.Code !== 'NoSuchKey');
    if (failed?.Error)
      throw new BlobDriverError('BLOB_BACKEND', `S3 delete of ${failed.Error.Key} failed: ${failed.Error.Code}`);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.statObject(this.bucket, this.nameOf(key));
      return true;
    } catch (err) {
      if (err instanceof S3Error && (err.code === 'NotFound' || err.code === 'NoSuchKey')) return false;
      throw err;
    }
  }

  private nameOf(key: string): string {
    assertBlobKey(key);
    return `${this.prefix}${key}`;
  }
}

/** Cuts `body` into `partSize` buffers (the last one shorter); fails unless it yields exactly `size` bytes. */
async function* readParts(body: Readable, partSize: number, size: number, key: string): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  for await (const raw of body) {
    let chunk = raw as Buffer;
    total += chunk.length;
    if (total > size) throw sizeMismatch(key, size, total);
    while (pendingBytes + chunk.length >= partSize) {
      const take = partSize - pendingBytes;
      pending.push(chunk.subarray(0, take));
      chunk = chunk.subarray(take);
      yield Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
  }
  if (total !== size) throw sizeMismatch(key, size, total);
  if (pendingBytes > 0 || size === 0) yield Buffer.concat(pending);
}
