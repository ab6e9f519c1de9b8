export { D1Service, type D1ServiceOptions } from './d1-service.js';
export { migrateD1Schema, schemaFor } from './d1-schema.js';
export { D1SqlError, D1RequestError, D1TenantError } from './d1-errors.js';
export type { D1ResultValue, D1Meta } from './d1-results.js';
export { sqliteLiteral } from './d1-export.js';
