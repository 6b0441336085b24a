export * from './ids.js';
export * from './common.js';
export * from './trace.js';
export * from './metrics.js';
