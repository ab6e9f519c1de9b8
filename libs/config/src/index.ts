export * from './define-env.js';
export * from './parsers.js';
export * from './render-markdown.js';
