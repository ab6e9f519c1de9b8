export * from './model-script.js';
export * from './scripted-model-server.js';
export * from './in-memory-sandbox.js';
