// The OpenCensus agent protocol (opencensus-proto v0.4.1): codecs between
// bytes and the plain messages of types.ts (proto.ts, json.ts), and the
// translation between those messages and the model (resource.ts, traces.ts,
// metrics.ts). Pure functions, no sockets. Decoders and the *FromOc
// translations throw only InvalidInputError, naming the problem and where.
export * from './types.js';
export * from './proto.js';
export * from './json.js';
export { resourceFromOc, resourceToOc } from './resource.js';
export { tracesFromOc, tracesToOc } from './traces.js';
export { metricsFromOc, metricsToOc } from './metrics.js';

/** gRPC method paths of the OpenCensus agent services (all bidirectional streams). */
export const OC_TRACE_EXPORT_PATH = '/opencensus.proto.agent.trace.v1.TraceService/Export';
export const OC_TRACE_CONFIG_PATH = '/opencensus.proto.agent.trace.v1.TraceService/Config';
export const OC_METRICS_EXPORT_PATH = '/opencensus.proto.agent.metrics.v1.MetricsService/Export';
