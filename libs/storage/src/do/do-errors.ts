export type DoSyncErrorCode =
  | 'DO_STORE_UNREACHABLE'
  | 'DO_SNAPSHOT_CORRUPT'
  | 'DO_SNAPSHOT_UNSTABLE'
  | 'DO_UPLOAD_FAILED'
  | 'DO_FENCED'
  | 'DO_OBJECT_TOO_LARGE';

/** Why a Durable Object's state could not be saved to, or restored from, the object store. */
export class DoSyncError extends Error {
  constructor(
    readonly code: DoSyncErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DoSyncError';
  }
}
