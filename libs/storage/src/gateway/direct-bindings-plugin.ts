/**
 * A Miniflare external plugin (loaded through `unsafeBindings`) that gives a Worker native
 * workerd KV/R2/D1 bindings whose backing service is the Kiln gateway itself, reached as a workerd
 * `external` HTTP service.
 *
 * Why not `remoteProxyConnectionString`: that path adds a proxy Worker, a new TCP connection and a
 * WebSocket attempt to every call (about 2x Miniflare's local KV before any work is done). Here
 * workerd's own binding client talks straight to the gateway over kept-alive connections. Binding
 * identity, which the native request does not carry, travels in a header that workerd injects
 * into every request to that service; Worker code cannot set or see it.
 */

export const DIRECT_BINDINGS_PLUGIN = 'kiln-direct-bindings';
export const ROUTE_HEADER = 'x-kiln-route';

export interface DirectBindingOptions {
  /** `host:port` of the gateway. */
  address: string;
  /** `/v1/<appId>/<kind>/<resourceId>/<token>`: the gateway route for this binding. */
  route: string;
}

interface UnsafeBinding {
  name: string;
  type: string;
  options: DirectBindingOptions;
}

const serviceName = (binding: UnsafeBinding) => `kiln-direct:${binding.type}:${binding.name}`;

/** The workerd binding for one entry, declared as Miniflare's own KV/R2/D1 plugins declare theirs. */
function workerdBinding(binding: UnsafeBinding) {
  const service = { name: serviceName(binding) };
  switch (binding.type) {
    case 'r2':
      return { name: binding.name, r2Bucket: service };
    case 'd1':
      // D1 has no native binding: workerd's JS shim (`cloudflare-internal:d1-api`) wraps a plain
      // fetcher and POSTs `http://d1/query|execute` with JSON bodies to it.
      return {
        name: binding.name,
        wrapped: { moduleName: 'cloudflare-internal:d1-api', innerBindings: [{ name: 'fetcher', service }] },
      };
    default:
      return { name: binding.name, kvNamespace: service };
  }
}

export const plugins = {
  [DIRECT_BINDINGS_PLUGIN]: {
    getBindings(options: UnsafeBinding[] | undefined) {
      return (options ?? []).map(workerdBinding);
    },
    getNodeBindings() {
      return {};
    },
    getServices({ options }: { options: UnsafeBinding[] | undefined }) {
      return (options ?? []).map((binding) => ({
        name: serviceName(binding),
        external: {
          address: binding.options.address,
          http: { injectRequestHeaders: [{ name: ROUTE_HEADER, value: binding.options.route }] },
        },
      }));
    },
  },
};
