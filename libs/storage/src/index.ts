export * from './clock.js';
export * from './gateway/wire.js';
export { appToken, verifyAppToken } from './gateway/auth.js';
export { bindingUrl, parseRoute, BINDING_KINDS, type BindingKind } from './gateway/route.js';
export { createGateway, type GatewayOptions } from './gateway/server.js';
export { GatewayMetrics } from './gateway/metrics.js';
export * from './kv/index.js';
export * from './r2/index.js';
export * from './do/index.js';
