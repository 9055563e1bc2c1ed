export * from './mediatype.js';
export * from './types.js';
export * from './digest.js';
export * from './reference.js';
