import type { WranglerConfig } from './wrangler-config.js';

/**
 * Miniflare's `durableObjects` for the app's bindings. Storage backend per class follows the
 * migrations as on Cloudflare: `new_classes` are KV-backed, `new_sqlite_classes` SQLite-backed. A
 * class no migration names gets SQLite (Cloudflare's recommended backend, and the only one with
 * `ctx.storage.sql`); locally both are SQLite files anyway (remote-bindings.md §9).
 */
export function durableObjectClasses(
  config: WranglerConfig,
): Record<string, { className: string; useSQLite: boolean }> {
  const kvBacked = new Set<string>();
  for (const migration of config.migrations) {
    for (const name of migration.new_classes) kvBacked.add(name);
    for (const name of migration.new_sqlite_classes) kvBacked.delete(name);
    for (const { from, to } of migration.renamed_classes) {
      if (kvBacked.delete(from)) kvBacked.add(to);
    }
  }
  return Object.fromEntries(
    config.durable_objects.bindings.map((b) => [
      b.name,
      { className: b.class_name, useSQLite: !kvBacked.has(b.class_name) },
    ]),
  );
}

/** Name of the Worker Kiln puts in front of an app with synced Durable Objects. */
export const SYNC_FRONT_WORKER = 'kiln-do-front';

/**
 * The Worker in front of the app when its Durable Objects are synced strictly (relaxed mode needs
 * no front: the runtime's sweep uploads every `windowMs`). It forwards each request to
 * the app through a service binding, then calls `SYNC` (a Node function in the runtime) which
 * uploads every object that wrote. In strict mode the response is held until that upload is done:
 * the body is read first, so writes made while streaming it are covered too (streamed responses
 * are therefore buffered in strict mode), and a failed upload turns the answer into a 503 (507 when
 * an object is over its size limit), never a silent success. WebSocket upgrades pass straight through; their later writes are saved by the
 * runtime's sweep.
 */
export function syncFrontScript(): string {
  return `const NO_BODY = new Set([101, 204, 205, 304]);
export default {
  async fetch(request, env) {
    const response = await env.APP.fetch(request);
    if (response.webSocket) return response;
    const body = NO_BODY.has(response.status) || request.method === 'HEAD' ? null : await response.arrayBuffer();
    const sync = await env.SYNC.fetch('http://kiln-do-sync/after-request', { method: 'POST' });
    if (!sync.ok) {
      return new Response('durable object state could not be saved: ' + (await sync.text()), {
        status: sync.status === 507 ? 507 : 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'x-kiln-do-sync': 'failed' },
      });
    }
    return new Response(body, response);
  },
};
`;
}
