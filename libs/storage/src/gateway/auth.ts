import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-app gateway tokens. A token is an HMAC of the app id under the gateway secret, so the
 * gateway keeps no token table, a token only ever opens its own app's data, and rotating the
 * secret revokes every token at once. workerd's binding clients cannot send custom headers, so
 * the token travels in the URL path (see docs/bindings-protocol.md).
 */
export function appToken(secret: string, appId: string): string {
  return createHmac('sha256', secret).update(`kiln-gateway-v1\n${appId}`).digest('base64url');
}

export function verifyAppToken(secret: string, appId: string, token: string): boolean {
  const expected = Buffer.from(appToken(secret, appId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
