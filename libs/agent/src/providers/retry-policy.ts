import { APICallError } from 'ai';
import type { TRetryPolicy } from './provider-config.js';

export interface FailureInfo {
  /** Worth another attempt: 408/409/429/5xx, network errors, timeouts. */
  retryable: boolean;
  /** Counts against the provider's circuit breaker (the provider is unwell, not the request wrong). */
  tripsBreaker: boolean;
  statusCode: number | undefined;
  /** Delay the server asked for (Retry-After / retry-after-ms), if any. */
  retryAfterMs: number | undefined;
  message: string;
}

/** What a failed model call says about retrying and about the provider's health. */
export function classifyFailure(error: unknown, now = Date.now()): FailureInfo {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const retryAfterMs = parseRetryAfter(error.responseHeaders, now);
    if (status === undefined || status < 400) {
      // No HTTP status, or a 2xx whose body broke off: the connection failed, not the request.
      return { retryable: true, tripsBreaker: true, statusCode: undefined, retryAfterMs, message: error.message };
    }
    const serverSide = status >= 500;
    const retryable = serverSide || status === 408 || status === 409 || status === 429;
    // A 429 is the provider protecting itself, not failing: back off, but keep the circuit closed.
    return {
      retryable,
      tripsBreaker: serverSide || status === 408,
      statusCode: status,
      retryAfterMs,
      message: error.message,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError || hasNetworkCode(error)) {
    return { retryable: true, tripsBreaker: true, statusCode: undefined, retryAfterMs: undefined, message };
  }
  return { retryable: false, tripsBreaker: false, statusCode: undefined, retryAfterMs: undefined, message };
}

function hasNetworkCode(error: unknown): boolean {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ??
    (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR_)/.test(code);
}

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); OpenAI also sends
 * `retry-after-ms`. Header names arrive lower-cased from fetch, but be lenient.
 */
export function parseRetryAfter(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) => {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v.trim();
    return undefined;
  };
  const ms = get('retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = get('retry-after');
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): "full jitter" exponential backoff,
 * so that many sessions hitting the same 429 do not retry in lock-step. A server's Retry-After
 * is a floor, never shortened by jitter.
 */
export function backoffDelay(
  policy: TRetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
