import { APP_ID, RESOURCE_ID, type TenantRef } from './wire.js';

export const BINDING_KINDS = ['kv', 'r2', 'd1'] as const;
export type BindingKind = (typeof BINDING_KINDS)[number];

export interface GatewayRoute {
  kind: BindingKind;
  ref: TenantRef;
  token: string;
}

/**
 * Parses `/v1/<appId>/<kind>/<resourceId>/<token>`, the connection-string path the runtime gives
 * each binding. Anything else is undefined: tenancy comes only from this path, never from the
 * `MF-Binding` or `Host` headers.
 */
export function parseRoute(pathname: string): GatewayRoute | undefined {
  const parts = pathname.split('/');
  // ['', 'v1', app, kind, resource, token] with an optional trailing ''.
  if (parts.length < 6 || parts.length > 7 || parts[0] !== '' || parts[1] !== 'v1') return undefined;
  if (parts.length === 7 && parts[6] !== '') return undefined;
  const [, , appId = '', kind = '', resourceId = '', token = ''] = parts;
  if (!APP_ID.test(appId) || !RESOURCE_ID.test(resourceId) || !/^[A-Za-z0-9_-]{16,128}$/.test(token)) return undefined;
  if (!(BINDING_KINDS as readonly string[]).includes(kind)) return undefined;
  return { kind: kind as BindingKind, ref: { appId, resourceId }, token };
}

/** The URL a binding of `kind` uses to reach the gateway (Miniflare's `remoteProxyConnectionString`). */
export function bindingUrl(gatewayUrl: string, kind: BindingKind, ref: TenantRef, token: string): URL {
  const base = gatewayUrl.endsWith('/') ? gatewayUrl.slice(0, -1) : gatewayUrl;
  return new URL(`${base}/v1/${ref.appId}/${kind}/${ref.resourceId}/${token}`);
}
