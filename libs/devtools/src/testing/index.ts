export { createTestDatabase, type TestDatabase } from './postgres.js';
export { requireEnv } from './env.js';
export { freePort, isPortFree } from '../services/ports.js';
export { startChild, waitFor, type Child } from '../services/child.js';
export { repoRoot } from '../paths.js';
export { browserUnavailable, launchChromium } from './browser.js';
export { startRunnerProcess } from './runner-process.js';
export { dockerUnavailable, removeRunnerResources } from './runner-resources.js';
