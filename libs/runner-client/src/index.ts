export * from './runner-client.js';
export * from './runner-sandbox.js';
