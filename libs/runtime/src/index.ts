export { WorkerRuntime } from './worker-runtime.js';
export {
  miniflareOptions,
  type DurableObjectsTarget,
  type GatewayTarget,
  type RuntimeTarget,
} from './miniflare-options.js';
export { durableObjectClasses } from './durable-objects.js';
export { readWranglerConfig, WranglerConfigError, ZWranglerConfig, type WranglerConfig } from './wrangler-config.js';
export { runtimeEnv } from './config.js';
