import { join, resolve } from 'node:path';
import { type GatewayBinding, bindingUrl, directBindings, proxyBindings } from '@kiln/storage/client';
import { DoSyncError } from '@kiln/storage/do-errors';
import { Response as MiniflareResponse } from 'miniflare';
import { durableObjectClasses, SYNC_FRONT_WORKER, syncFrontScript } from './durable-objects.js';
import type { WranglerConfig } from './wrangler-config.js';

export interface GatewayTarget {
  /** Base URL of the binding gateway, e.g. `http://gateway:8787`. */
  url: string;
  /** This app's gateway token (see libs/storage/src/gateway/auth.ts). */
  token: string;
  /**
   * `direct` (default): workerd's binding clients talk to the gateway as an external service
   * (fast, kept-alive connections). `proxy`: through Miniflare's remote-proxy worker, which also
   * works for `https:` gateways.
   */
  mode?: 'direct' | 'proxy';
}

export interface RuntimeTarget {
  appId: string;
  appDir: string;
  host: string;
  port: number;
  gateway: GatewayTarget;
  durableObjects?: DurableObjectsTarget;
}

export interface DurableObjectsTarget {
  /** This app's own directory for Durable Object SQLite files (`durableObjectsPersist`). */
  persistDir: string;
  /**
   * Strict sync: awaited after every HTTP request, before its response is released (see
   * durable-objects.ts). Rejecting turns the response into a 503.
   */
  afterRequest?: () => Promise<void>;
}

/**
 * wrangler's default module rules. Miniflare's own defaults treat every imported `.js` file as
 * CommonJS, so an app whose entry imports `./util.js` (ES module syntax, as on Cloudflare) would
 * not start.
 */
const WRANGLER_MODULE_RULES = [
  { type: 'ESModule' as const, include: ['**/*.js', '**/*.mjs'] },
  { type: 'CommonJS' as const, include: ['**/*.cjs'] },
  { type: 'Text' as const, include: ['**/*.txt', '**/*.html', '**/*.sql'] },
  { type: 'Data' as const, include: ['**/*.bin'] },
  { type: 'CompiledWasm' as const, include: ['**/*.wasm', '**/*.wasm?module'] },
];

/**
 * Miniflare options that run the app's Worker with its KV/R2/D1 bindings served by the gateway.
 * Binding ids (KV `id`, R2 `bucket_name`, D1 `database_id`) become gateway resource ids, so an id
 * in wrangler.jsonc names the same data on Kiln as on Cloudflare; the app id in the URL scopes it
 * to this app.
 */
// The return type is inferred on purpose: Miniflare's published types import zod 3, the workspace
// has zod 4, and `MiniflareOptions` degrades to an error type; ours stays checked.
export function miniflareOptions(config: WranglerConfig, target: RuntimeTarget) {
  const remote = (kind: 'kv' | 'r2' | 'd1', resourceId: string) =>
    bindingUrl(target.gateway.url, kind, { appId: target.appId, resourceId }, target.gateway.token);
  const bindings: GatewayBinding[] = [
    ...config.kv_namespaces.map((b) => ({ name: b.binding, kind: 'kv' as const, url: remote('kv', b.id) })),
    ...config.r2_buckets.map((b) => ({ name: b.binding, kind: 'r2' as const, url: remote('r2', b.bucket_name) })),
    ...config.d1_databases.map((b) => ({ name: b.binding, kind: 'd1' as const, url: remote('d1', b.database_id) })),
  ];
  const main = config.main ?? 'src/index.js';
  const durableObjects = durableObjectClasses(config);
  const hasDurableObjects = Object.keys(durableObjects).length > 0;
  const app = {
    name: config.name,
    modules: true,
    scriptPath: resolve(target.appDir, main),
    modulesRoot: target.appDir,
    modulesRules: WRANGLER_MODULE_RULES,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: config.vars as Record<string, string>,
    ...(hasDurableObjects ? { durableObjects } : {}),
    ...(target.gateway.mode === 'proxy' ? proxyBindings(bindings) : { unsafeBindings: directBindings(bindings) }),
    ...(config.assets
      ? {
          assets: {
            directory: join(target.appDir, config.assets.directory),
            ...(config.assets.binding ? { binding: config.assets.binding } : {}),
            // The asset router reads the compatibility date itself (e.g. navigation requests prefer
            // asset serving from 2025-04-01), as wrangler passes it.
            assetConfig: {
              compatibility_date: config.compatibility_date,
              compatibility_flags: config.compatibility_flags,
              ...(config.assets.not_found_handling ? { not_found_handling: config.assets.not_found_handling } : {}),
              ...(config.assets.html_handling ? { html_handling: config.assets.html_handling } : {}),
            },
            routerConfig: {
              has_user_worker: config.main !== undefined,
              invoke_user_worker_ahead_of_assets: config.assets.run_worker_first === true,
            },
          },
        }
      : {}),
  };
  const shared = {
    host: target.host,
    port: target.port,
    ...(target.durableObjects ? { durableObjectsPersist: target.durableObjects.persistDir } : {}),
  };
  const afterRequest = target.durableObjects?.afterRequest;
  if (!hasDurableObjects || !afterRequest) return { ...shared, ...app };
  const front = {
    name: SYNC_FRONT_WORKER,
    modules: true,
    script: syncFrontScript(),
    compatibilityDate: config.compatibility_date,
    serviceBindings: {
      APP: config.name,
      SYNC: async () => {
        try {
          await afterRequest();
          return new MiniflareResponse(null, { status: 204 });
        } catch (err) {
          // 507: retrying will not help until the app deletes data; anything else may pass (503).
          const status = err instanceof DoSyncError && err.code === 'DO_OBJECT_TOO_LARGE' ? 507 : 503;
          return new MiniflareResponse(err instanceof Error ? err.message : String(err), { status });
        }
      },
    },
  };
  // The first Worker receives the requests on `port`.
  return { ...shared, workers: [front, app] };
}
