import type { BindingKind } from './route.js';
import type { WireResponse } from './wire.js';

/** R2's code for "not authorised", as Cloudflare's API uses it. */
const R2_UNAUTHORIZED = 10002;
const R2_INTERNAL = 10001;

/**
 * An error answer in the form each binding client reads it: KV takes the message from the HTTP
 * reason phrase, R2 from the `cf-r2-error` header, D1 from a JSON body (status ignored).
 */
export function bindingError(kind: BindingKind, status: number, message: string, r2Code?: number): WireResponse {
  const reason = message.replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
  switch (kind) {
    case 'kv':
      return { status, statusText: reason };
    case 'r2': {
      const v4code = r2Code ?? (status === 401 || status === 403 ? R2_UNAUTHORIZED : R2_INTERNAL);
      return {
        status,
        statusText: reason,
        headers: { 'cf-r2-error': JSON.stringify({ message, version: 1, v4code }) },
      };
    }
    case 'd1':
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ success: false, error: message }),
      };
  }
}
