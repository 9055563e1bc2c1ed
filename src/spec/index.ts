export * from './mediatype.js';
export * from './types.js';
export * from './digest.js';
export * from './reference.js';
export { registryApiHost, isLoopbackRegistry } from './reference-parse.js';
export * from './parse.js';
export * from './build.js';
export * from './platform.js';
