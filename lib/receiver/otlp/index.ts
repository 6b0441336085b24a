// OTLP receivers (transport only; the codecs live in lib/protocol/otlp).
export { OtlpGrpcReceiver, type OtlpGrpcReceiverOptions } from './otlp-grpc.js';
export { OtlpHttpReceiver, type OtlpHttpReceiverOptions } from './otlp-http.js';
export { METRICS, TRACES, type OtlpFormat, type OtlpSignal } from './signals.js';
