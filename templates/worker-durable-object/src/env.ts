/** The bindings wrangler.jsonc declares. */
export interface Env {
  ROOMS: DurableObjectNamespace;
}
