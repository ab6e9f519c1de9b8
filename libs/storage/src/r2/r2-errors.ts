import type { WireResponse } from '../gateway/wire.js';

/**
 * An R2 failure as workerd's R2 client understands it: an HTTP status plus the `cf-r2-error`
 * header `{"message","version":1,"v4code"}`. The Worker then throws `<op>: <message> (<v4code>)`,
 * except for the few (status, v4code) pairs it turns into `null` (see remote-bindings.md §5).
 * Statuses and messages are Miniflare's, so apps see the same text locally and on Kiln.
 */
export class R2Error extends Error {
  /** Sent as the body, with `cf-r2-metadata-size`: only a failed `get` precondition does this. */
  descriptor?: Buffer;

  constructor(
    readonly status: number,
    message: string,
    readonly v4code: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'R2Error';
  }

  attach(descriptor: Buffer): this {
    this.descriptor = descriptor;
    return this;
  }

  toResponse(): WireResponse {
    const headers: Record<string, string> = {
      'cf-r2-error': JSON.stringify({ message: this.message, version: 1, v4code: this.v4code }),
    };
    if (!this.descriptor) return { status: this.status, headers };
    headers['cf-r2-metadata-size'] = String(this.descriptor.length);
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(this.descriptor.length);
    return { status: this.status, headers, body: this.descriptor };
  }
}

export const R2Code = {
  INTERNAL_ERROR: 10001,
  NO_SUCH_KEY: 10007,
  ENTITY_TOO_SMALL: 10011,
  METADATA_TOO_LARGE: 10012,
  INVALID_OBJECT_NAME: 10020,
  INVALID_MAX_KEYS: 10022,
  NO_SUCH_UPLOAD: 10024,
  INVALID_PART: 10025,
  INVALID_ARGUMENT: 10029,
  PRECONDITION_FAILED: 10031,
  BAD_DIGEST: 10037,
  INVALID_RANGE: 10039,
  BAD_UPLOAD: 10048,
  ENTITY_TOO_LARGE: 100100,
} as const;

export const internalError = (cause?: unknown) =>
  new R2Error(500, 'We encountered an internal error. Please try again.', R2Code.INTERNAL_ERROR, { cause });
export const noSuchKey = () => new R2Error(404, 'The specified key does not exist.', R2Code.NO_SUCH_KEY);
export const entityTooSmall = () =>
  new R2Error(400, 'Your proposed upload is smaller than the minimum allowed object size.', R2Code.ENTITY_TOO_SMALL);
export const entityTooLarge = () =>
  new R2Error(400, 'Your proposed upload exceeds the maximum allowed object size.', R2Code.ENTITY_TOO_LARGE);
export const metadataTooLarge = () =>
  new R2Error(400, 'Your metadata headers exceed the maximum allowed metadata size.', R2Code.METADATA_TOO_LARGE);
export const invalidObjectName = () =>
  new R2Error(400, 'The specified object name is not valid.', R2Code.INVALID_OBJECT_NAME);
export const invalidMaxKeys = () =>
  new R2Error(400, 'MaxKeys params must be positive integer <= 1000.', R2Code.INVALID_MAX_KEYS);
export const noSuchUpload = () =>
  new R2Error(400, 'The specified multipart upload does not exist.', R2Code.NO_SUCH_UPLOAD);
export const invalidPart = () =>
  new R2Error(400, 'One or more of the specified parts could not be found.', R2Code.INVALID_PART);
export const invalidMetadata = (cause?: unknown) =>
  new R2Error(400, 'Metadata missing or invalid', R2Code.INVALID_ARGUMENT, { cause });
/** Same code as invalidMetadata, with a message saying what was wrong (Miniflare has no equivalent). */
export const invalidArgument = (message: string) => new R2Error(400, message, R2Code.INVALID_ARGUMENT);
export const preconditionFailed = () =>
  new R2Error(412, 'At least one of the pre-conditions you specified did not hold.', R2Code.PRECONDITION_FAILED);
export const invalidRange = () => new R2Error(416, 'The requested range is not satisfiable', R2Code.INVALID_RANGE);
export const badUpload = () => new R2Error(500, 'There was a problem with the multipart upload.', R2Code.BAD_UPLOAD);

/** `algorithm` as R2 names it in the message: `MD5`, `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`. */
export function badDigest(algorithm: string, provided: Buffer, actual: Buffer): R2Error {
  return new R2Error(
    400,
    [
      `The ${algorithm} checksum you specified did not match what we received.`,
      `You provided a ${algorithm} checksum with value: ${provided.toString('hex')}`,
      `Actual ${algorithm} was: ${actual.toString('hex')}`,
    ].join('\n'),
    R2Code.BAD_DIGEST,
  );
}
