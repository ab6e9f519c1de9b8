import { z } from 'zod';

/** Stable, machine-readable error codes. Clients switch on these, never on messages. */
export const ZErrorCode = z.enum([
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
]);
export type TErrorCode = z.infer<typeof ZErrorCode>;

export const ZApiError = z.object({
  code: ZErrorCode,
  message: z.string(),
  /** Present on VALIDATION_FAILED: which fields were wrong and why. */
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  requestId: z.string().optional(),
});
export type TApiError = z.infer<typeof ZApiError>;

/** Every API answer is `{ success, data, error }`; exactly one of data/error is non-null. */
export function ZEnvelope<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('success', [
    z.object({ success: z.literal(true), data, error: z.null() }),
    z.object({ success: z.literal(false), data: z.null(), error: ZApiError }),
  ]);
}
export type TEnvelope<T> = { success: true; data: T; error: null } | { success: false; data: null; error: TApiError };

export function ok<T>(data: T): TEnvelope<T> {
  return { success: true, data, error: null };
}

export function fail(error: TApiError): TEnvelope<never> {
  return { success: false, data: null, error };
}
