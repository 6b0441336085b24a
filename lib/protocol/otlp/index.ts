// OTLP codecs: bytes (protobuf or OTLP/JSON) <-> the model. Pure functions, no
// sockets. Every decoder throws only InvalidInputError, with a message that
// names the problem and where it is.
export { decodeTracesProto, encodeTracesProto } from './traces-proto.js';
export { decodeTracesJson, encodeTracesJson } from './traces-json.js';
export { decodeMetricsProto, encodeMetricsProto } from './metrics-proto.js';
export { decodeMetricsJson, encodeMetricsJson } from './metrics-json.js';
export {
  decodeMetricsResponseJson,
  decodeMetricsResponseProto,
  decodeTraceResponseJson,
  decodeTraceResponseProto,
  encodeMetricsResponseJson,
  encodeMetricsResponseProto,
  encodeTraceResponseJson,
  encodeTraceResponseProto,
  type PartialSuccess,
} from './response.js';
export { mergeTraces, splitTracesByTraceId } from './split.js';
export { scanTracesProto, type TracesScan } from './scan-traces.js';
export { MAX_VALUE_DEPTH } from './json-common.js';
export { PROTO_DIR } from './proto-root.js';

/** gRPC method paths of the OTLP export services. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
