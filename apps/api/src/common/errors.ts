import type { TApiError, TErrorCode } from '@kiln/contracts';

/**
 * Base of every error that crosses a module boundary. The code is stable and part of the API;
 * the message is for people. The HTTP status is derived from the code in one place.
 */
export class KilnError extends Error {
  constructor(
    readonly code: TErrorCode,
    message: string,
    options?: { cause?: unknown; details?: TApiError['details'] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }
  readonly details: TApiError['details'];
}

export class NotFoundError extends KilnError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`);
  }
}

export class ConflictError extends KilnError {
  constructor(message: string, cause?: unknown) {
    super('CONFLICT', message, { cause });
  }
}

export class ValidationError extends KilnError {
  constructor(message: string, details: NonNullable<TApiError['details']>) {
    super('VALIDATION_FAILED', message, { details });
  }
}

export class DependencyUnavailableError extends KilnError {
  constructor(dependency: string, cause: unknown) {
    super('DEPENDENCY_UNAVAILABLE', `${dependency} is unavailable`, { cause });
  }
}

export const HTTP_STATUS_BY_CODE: Record<TErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function codeForHttpStatus(status: number): TErrorCode {
  const match = Object.entries(HTTP_STATUS_BY_CODE).find(([, s]) => s === status);
  if (match) return match[0] as TErrorCode;
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
}
