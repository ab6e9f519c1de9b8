/**
 * An error the app should see, worded as SQLite/D1 words it. `code` is the SQLite primary result
 * code name and `extended` the extended one, which D1 appends as
 * `: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`.
 */
export class D1SqlError extends Error {
  readonly kind = 'D1_SQL_ERROR';

  constructor(
    message: string,
    readonly code: string = 'SQLITE_ERROR',
    readonly extended?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'D1SqlError';
  }

  /** The text D1 puts in `{"success":false,"error":...}`. */
  get d1Message(): string {
    return d1ErrorText(this.message, this.code, this.extended);
  }
}

export function d1ErrorText(message: string, code: string, extended?: string): string {
  return extended ? `${message}: ${code} (extended: ${extended})` : `${message}: ${code}`;
}

/** D1's own (non-SQLite) errors carry no code suffix. */
export class D1RequestError extends Error {
  readonly kind = 'D1_REQUEST_ERROR';

  constructor(message: string) {
    super(message);
    this.name = 'D1RequestError';
  }
}

/** A tenant reference the gateway should never have produced: a bug, not user input. */
export class D1TenantError extends Error {
  readonly kind = 'D1_INVALID_TENANT';

  constructor(message: string) {
    super(message);
    this.name = 'D1TenantError';
  }
}

export const sqlError = (message: string): D1SqlError => new D1SqlError(message);
