export * from './load.js';
export * from './schemas.js';
export type * from './sections.js';
export * from './backends.js';
export { parseEndpoint } from '../net/endpoint.js';
export * from './policies.js';
