import { DIRECT_BINDINGS_PLUGIN } from './direct-bindings-plugin.js';
import { type BindingKind, bindingUrl } from './route.js';

export { bindingUrl, type BindingKind };
export { DIRECT_BINDINGS_PLUGIN } from './direct-bindings-plugin.js';

/** The client half of the gateway protocol: how a runtime points its bindings at the gateway. */
export interface GatewayBinding {
  /** The binding's name in `env`. */
  name: string;
  kind: BindingKind;
  /** The gateway route URL from `bindingUrl`. */
  url: URL;
}

export class DirectBindingError extends Error {
  readonly code = 'DIRECT_BINDING_UNSUPPORTED';
}

/**
 * Miniflare `unsafeBindings` entries that give the Worker native KV/R2/D1 bindings served straight
 * by the gateway (see direct-bindings-plugin.ts). Needs an `http:` gateway URL.
 */
export function directBindings(bindings: GatewayBinding[]) {
  return bindings.map(({ name, kind, url }) => {
    if (url.protocol !== 'http:') {
      throw new DirectBindingError(
        `direct bindings need an http: gateway URL (got ${url.protocol}); use the proxy mode for https`,
      );
    }
    return {
      name,
      type: kind,
      plugin: { name: DIRECT_BINDINGS_PLUGIN, package: '@kiln/storage/direct-bindings-plugin' },
      options: { address: url.host, route: url.pathname },
    };
  });
}

/**
 * Miniflare `kvNamespaces`/`r2Buckets`/`d1Databases` options that reach the gateway through
 * Miniflare's remote proxy.
 */
export function proxyBindings(bindings: GatewayBinding[]) {
  const entries = (kind: GatewayBinding['kind']) =>
    Object.fromEntries(
      bindings.filter((b) => b.kind === kind).map((b) => [b.name, { id: b.name, remoteProxyConnectionString: b.url }]),
    );
  return { kvNamespaces: entries('kv'), r2Buckets: entries('r2'), d1Databases: entries('d1') };
}
