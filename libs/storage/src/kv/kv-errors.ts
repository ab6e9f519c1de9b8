import type { WireResponse } from '../gateway/wire.js';

/**
 * workerd turns any non-2xx KV answer into `Error("KV <OP> failed: <status> <reason phrase>")` and
 * ignores the body, so the reason phrase is the only channel for the message. Miniflare cuts it at
 * 512 characters; Node refuses non-Latin-1 reason phrases, and workerd's client expects ASCII.
 */
const MAX_REASON_LENGTH = 512;

export function toReasonPhrase(message: string): string {
  return message.replace(/[^\x20-\x7e]/g, '?').substring(0, MAX_REASON_LENGTH);
}

/** An expected KV failure with the status and wording Miniflare's local KV gives for it. */
export class KvHttpError extends Error {
  readonly code = 'KV_HTTP_ERROR';

  constructor(
    readonly status: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'KvHttpError';
  }

  toResponse(): WireResponse {
    const phrase = toReasonPhrase(this.reason);
    // Miniflare also sends the message as the body; workerd ignores it but it helps with curl.
    return { status: this.status, statusText: phrase, body: phrase };
  }
}

/** The gateway handed over a tenant reference that cannot be a real app/namespace: a bug, not user input. */
export class KvTenantError extends Error {
  readonly code = 'KV_INVALID_TENANT';

  constructor(message: string) {
    super(message);
    this.name = 'KvTenantError';
  }
}

/** Redis answered in a shape the store did not expect; surfaces as a 500 at the gateway. */
export class KvStoreError extends Error {
  readonly code = 'KV_STORE_FAILURE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`KV store: ${message}`, options);
    this.name = 'KvStoreError';
  }
}
