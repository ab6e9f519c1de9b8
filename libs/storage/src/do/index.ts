export * from './do-admin.js';
export * from './do-errors.js';
export * from './do-lease.js';
export * from './do-snapshot.js';
export * from './do-store-config.js';
export * from './do-sync.js';
export * from './do-version-index.js';
