export * from './catalogue-types.js';
export * from './errors.js';
export * from './ids.js';
export * from './limits.js';
export * from './logger.js';
export * from './parse.js';
