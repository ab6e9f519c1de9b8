export * from './runner-client.js';
export * from './runner-sandbox.js';
export * from './templates.js';
