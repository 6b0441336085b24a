// Exporter backends: clients that push traces and metrics to telemetry backends.
export * from './backend.js';
export { parseRetryAfterMs, resultFromGrpcStatus, resultFromHttpStatus } from './classify.js';
export { DebugBackend, Verbosity, type DebugOptions } from './debug.js';
export { FILE_DEFAULTS, FileBackend, type FileOptions } from './file.js';
export { JAEGER_DEFAULTS, JaegerBackend, type JaegerOptions } from './jaeger.js';
export { METRICS_EXPORT_PATH, OTLP_GRPC_DEFAULTS, OtlpGrpcBackend, TRACE_EXPORT_PATH, type OtlpGrpcOptions } from './otlp-grpc.js';
export { OTLP_HTTP_DEFAULTS, OtlpHttpBackend, type OtlpHttpOptions } from './otlp-http.js';
export * from './registry.js';
export { ZIPKIN_DEFAULTS, ZipkinBackend, type ZipkinOptions } from './zipkin.js';
export { RETRY_DEFAULTS, withRetry, type RetryOptions } from './retry.js';
