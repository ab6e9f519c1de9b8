export { KvService, type KvServiceOptions } from './kv-service.js';
export type { KvExportEntry } from './kv-export.js';
export { KvHttpError, KvStoreError, KvTenantError } from './kv-errors.js';
export { KV_LIMITS } from './kv-validate.js';
