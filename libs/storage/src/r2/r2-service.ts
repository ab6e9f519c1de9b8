/**
 * R2 behind the binding gateway: workerd's own R2 client talks to this (remote-bindings.md §5).
 *
 * Design, and why:
 * - Metadata rows in Postgres (kiln_r2.objects, scoped by (app_id, bucket)), bytes in a blob
 *   store (MinIO, or a directory in single-machine mode). Listing, conditional writes and tenancy
 *   are then SQL, and the blob store only ever sees opaque immutable keys.
 * - A blob is written once per object version under `<appId>/<bucket>/<version>` (ids we generate,
 *   never the user's key, so `../`, NUL or `%2F` in a key cannot reach a path). An overwrite writes
 *   the new blob first, swaps the row in a transaction, then deletes the old blob: readers see the
 *   old or the new object, and a failed or aborted upload never becomes visible.
 * - Conditional writes decide inside that transaction, under a per-key lock (advisory lock plus
 *   `SELECT ... FOR UPDATE`), so two concurrent "only if" puts cannot both win.
 * - Bytes stream through: puts are hashed (md5 plus any requested sha) on their way to the blob
 *   store, gets stream from it; no object is ever held in memory whole.
 * - Answers mirror Miniflare's local R2 (statuses, messages, v4codes), so an app behaves the same in
 *   `wrangler dev`, on Kiln and on Cloudflare. Where Miniflare is laxer than R2 (empty keys,
 *   deletes of more than 1000 keys, an empty multipart part list) we follow R2.
 */
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '../clock.js';
import {
  APP_ID,
  RESOURCE_ID,
  type BindingService,
  type TenantRef,
  type WireRequest,
  type WireResponse,
} from '../gateway/wire.js';
import type { BlobDriver } from './blob-driver.js';
import { BlobReaper } from './blob-reaper.js';
import { exportObjects, purgeBucket, type ExportedObject } from './r2-bucket-admin.js';
import type { R2Context } from './r2-context.js';
import { parseReadDescriptor, parseWriteDescriptor } from './r2-descriptors.js';
import { internalError, invalidMetadata, R2Error } from './r2-errors.js';
import { listObjectsOp } from './r2-list.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, uploadPart } from './r2-multipart.js';
import { getObject, headObject } from './r2-read.js';
import { readPrefix } from './r2-streams.js';
import { deleteObjectsOp, putObject } from './r2-write.js';

export interface R2ServiceDeps {
  db: pg.Pool;
  blobs: BlobDriver;
  clock?: Clock;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class R2Service implements BindingService {
  private readonly ctx: R2Context;
  private readonly log: Pick<Logger, 'warn' | 'error'>;

  constructor(deps: R2ServiceDeps) {
    this.log = deps.logger ?? pino({ name: 'kiln-r2' });
    this.ctx = {
      db: deps.db,
      blobs: deps.blobs,
      clock: deps.clock ?? systemClock,
      reaper: new BlobReaper(deps.blobs, this.log),
    };
  }

  async handle(ref: TenantRef, req: WireRequest): Promise<WireResponse> {
    try {
      checkTenant(ref);
      if (req.method === 'GET') return await this.read(ref, req);
      if (req.method === 'PUT') return await this.write(ref, req);
      throw invalidMetadata();
    } catch (err) {
      if (err instanceof R2Error) return err.toResponse();
      this.log.error({ err, appId: ref.appId, bucket: ref.resourceId }, 'r2: request failed');
      return internalError(err).toResponse();
    }
  }

  /** Every object of the bucket with its descriptor and a way to stream its bytes. */
  exportBucket(ref: TenantRef): AsyncIterable<ExportedObject> {
    checkTenant(ref);
    return exportObjects(this.ctx, ref);
  }

  async deleteBucket(ref: TenantRef): Promise<void> {
    checkTenant(ref);
    await purgeBucket(this.ctx, ref);
  }

  /** Resolves once background deletions of replaced blobs have finished (tests, shutdown). */
  settled(): Promise<void> {
    return this.ctx.reaper.settled();
  }

  /** head, get and list: GET with the descriptor JSON in `cf-r2-request`. */
  private read(ref: TenantRef, req: WireRequest): Promise<WireResponse> {
    const d = parseReadDescriptor(req.headers['cf-r2-request']);
    switch (d.method) {
      case 'head':
        return headObject(this.ctx, ref, d.object);
      case 'get':
        return getObject(this.ctx, ref, d);
      case 'list':
        return listObjectsOp(this.ctx, ref, d);
    }
  }

  /** Every other call: PUT whose body is `cf-r2-metadata-size` bytes of descriptor, then the value. */
  private async write(ref: TenantRef, req: WireRequest): Promise<WireResponse> {
    // The client may go away at any moment, including between our reads of its body; an 'error'
    // with no listener would crash the process. Readers of the body check its state themselves.
    req.body.on('error', ignore);
    const sizeHeader = req.headers['cf-r2-metadata-size'] ?? '';
    const metadataSize = /^\d{1,9}$/.test(sizeHeader) ? Number(sizeHeader) : NaN;
    // workerd always sends Content-Length on R2 writes; the value length is derived from it.
    if (req.contentLength === undefined || !(metadataSize <= req.contentLength)) throw invalidMetadata();
    const d = parseWriteDescriptor((await readPrefix(req.body, metadataSize)).toString('utf8'));
    const valueSize = req.contentLength - metadataSize;
    const value: Readable = req.body;
    switch (d.method) {
      case 'put':
        return putObject(this.ctx, ref, d, value, valueSize);
      case 'uploadPart':
        return uploadPart(this.ctx, ref, d, value, valueSize);
      case 'delete':
        return deleteObjectsOp(this.ctx, ref, d);
      case 'createMultipartUpload':
        return createMultipartUpload(this.ctx, ref, d);
      case 'completeMultipartUpload':
        return completeMultipartUpload(this.ctx, ref, d);
      case 'abortMultipartUpload':
        return abortMultipartUpload(this.ctx, ref, d);
    }
  }
}

const ignore = (): void => undefined;

/** The gateway has already authenticated these; a malformed one here is a bug, not a user error. */
function checkTenant(ref: TenantRef): void {
  if (!(APP_ID.test(ref.appId) || UUID.test(ref.appId)) || !RESOURCE_ID.test(ref.resourceId))
    throw internalError(new Error(`r2: invalid tenant ${JSON.stringify(ref)}`));
}
