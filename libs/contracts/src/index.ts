export * from './envelope.js';
export * from './health.js';
export * from './sandbox.js';
export * from './agent-events.js';
