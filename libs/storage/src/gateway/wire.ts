import type { Readable } from 'node:stream';

/**
 * What one binding call looks like once the gateway has unwrapped it: the request that workerd's
 * own KV/R2/D1 client built, before Miniflare's proxy wrapped it (see docs/bindings-protocol.md).
 */
export interface WireRequest {
  method: string;
  /** The URL workerd's binding client built (`MF-URL`), e.g. `https://fake-host/key?urlencoded=true`. */
  url: URL;
  /**
   * The binding client's own headers (`MF-Header-*` with the prefix stripped), names lower-cased,
   * values already decoded from the raw UTF-8 bytes workerd sends.
   */
  headers: Record<string, string>;
  /** The request body, streamed. Empty stream when there is none. */
  body: Readable;
  /** Body length when the client sent Content-Length (R2 always does; KV stream puts do not). */
  contentLength: number | undefined;
}

export interface WireResponse {
  status: number;
  /** HTTP reason phrase. KV error messages travel here (ASCII, at most 512 characters). */
  statusText?: string;
  /** Header values are plain strings; the gateway writes them as UTF-8 bytes. */
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
}

/** Whose data a request may touch: fixed by the authenticated URL, never by the request body. */
export interface TenantRef {
  /** The app (tenant), `[a-z0-9][a-z0-9-]{0,62}` or a UUID. */
  appId: string;
  /** The KV namespace id, R2 bucket name or D1 database id within that app, `[A-Za-z0-9_-]{1,64}`. */
  resourceId: string;
}

/** One binding kind's semantics behind the wire format. */
export interface BindingService {
  handle(ref: TenantRef, req: WireRequest): Promise<WireResponse>;
}

export const RESOURCE_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const APP_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
