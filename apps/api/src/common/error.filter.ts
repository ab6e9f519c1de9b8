import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { fail, type TApiError } from '@kiln/contracts';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import { HTTP_STATUS_BY_CODE, KilnError, codeForHttpStatus } from './errors.js';

/** The one place that turns thrown errors into the `{ success, data, error }` envelope. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request & { id?: string }>();
    const res = http.getResponse<Response>();
    const { status, error } = this.describe(exception);
    const requestId = typeof req.id === 'string' ? req.id : undefined;
    if (status >= 500) {
      this.logger.error({ err: exception, requestId }, `request failed: ${error.message}`);
    }
    res.status(status).json(fail({ ...error, ...(requestId ? { requestId } : {}) }));
  }

  private describe(exception: unknown): { status: number; error: TApiError } {
    if (exception instanceof KilnError) {
      const error: TApiError = { code: exception.code, message: exception.message };
      if (exception.details) error.details = exception.details;
      return { status: HTTP_STATUS_BY_CODE[exception.code], error };
    }
    if (exception instanceof ZodError) {
      return {
        status: 400,
        error: {
          code: 'VALIDATION_FAILED',
          message: 'request is not valid',
          details: exception.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest's own errors (unknown route, body parser failures) keep their status and message.
      return { status, error: { code: codeForHttpStatus(status), message: exception.message } };
    }
    // Unknown errors are logged in full but never leak internals to the client.
    return { status: 500, error: { code: 'INTERNAL', message: 'internal error' } };
  }
}
