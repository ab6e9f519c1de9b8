import type { TErrorCode } from '@kiln/contracts';

/** Every error the runner answers with on purpose; `create-runner.ts` maps them to HTTP. */
export class RunnerError extends Error {
  constructor(
    readonly code: TErrorCode,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UnauthorizedError extends RunnerError {
  constructor() {
    super('UNAUTHORIZED', 401, 'a valid `Authorization: Bearer <RUNNER_TOKEN>` header is required');
  }
}

export class InstancesDisabledError extends RunnerError {
  constructor() {
    super('DEPENDENCY_UNAVAILABLE', 503, 'RUNNER_TOKEN is not set: the instances API is disabled');
  }
}

export class InstanceNotFoundError extends RunnerError {
  constructor(id: string) {
    super('NOT_FOUND', 404, `no instance ${id}`);
  }
}

export class InstanceCapError extends RunnerError {
  constructor(scope: 'user' | 'runner', limit: number) {
    super(
      'RATE_LIMITED',
      429,
      scope === 'user'
        ? `instance cap reached: this user already runs ${limit} of ${limit} allowed instances; delete one first`
        : `instance cap reached: the runner already runs ${limit} of ${limit} allowed instances; try again later`,
    );
  }
}

export class InvalidFileError extends RunnerError {
  constructor(message: string) {
    super('BAD_REQUEST', 400, message);
  }
}

export class FileTooLargeError extends RunnerError {
  constructor(path: string, limit: number) {
    super('BAD_REQUEST', 413, `${path} is larger than the ${limit}-byte file limit`);
  }
}

export class UnknownTemplateError extends RunnerError {
  constructor(name: string) {
    super('BAD_REQUEST', 400, `unknown template ${name}`);
  }
}

export class InstanceNotRunningError extends RunnerError {
  constructor(id: string) {
    super('CONFLICT', 409, `instance ${id} is not running`);
  }
}

/** The Docker engine refused or failed; the message ends with the engine's own words. */
export class EngineError extends RunnerError {
  constructor(message: string, cause: unknown) {
    const reason = engineReason(cause);
    super('DEPENDENCY_UNAVAILABLE', 503, reason && !message.includes(reason) ? `${message}: ${reason}` : message, {
      cause,
    });
  }
}

/** Docker's error text (dockerode puts the body's `message` in `json`), else the error's message. */
function engineReason(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const json = (cause as { json?: { message?: unknown } }).json;
  const text = typeof json?.message === 'string' ? json.message : cause.message;
  return text.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim() || undefined;
}

export class InstanceImmutableError extends RunnerError {
  constructor(id: string) {
    super(
      'CONFLICT',
      409,
      `instance ${id} is published: its files are part of its image and cannot change; publish a new instance instead`,
    );
  }
}

export class ReloadTimeoutError extends RunnerError {
  constructor(id: string, ms: number) {
    super('DEPENDENCY_UNAVAILABLE', 504, `instance ${id}: the runtime did not finish reloading within ${ms} ms`);
  }
}
