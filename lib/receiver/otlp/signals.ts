// What differs between the OTLP trace and metric services, in one table per
// signal, so that the gRPC and HTTP receivers share every other line.
import type { Metrics, Traces } from '../../model/index.js';
import { dataPointCount, spanCount } from '../../model/index.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from '../../pipeline/consumer.js';
import {
  METRICS_EXPORT_PATH,
  TRACE_EXPORT_PATH,
  decodeMetricsJson,
  decodeMetricsProto,
  decodeTracesJson,
  decodeTracesProto,
  encodeMetricsResponseJson,
  encodeMetricsResponseProto,
  encodeTraceResponseJson,
  encodeTraceResponseProto,
} from '../../protocol/otlp/index.js';
import type { Signal } from '../../telemetry/stats.js';

export type OtlpFormat = 'proto' | 'json';

export interface OtlpSignal<T> {
  signal: Signal;
  grpcPath: string;
  /** The OTLP/HTTP default path. */
  httpPath: string;
  decode(format: OtlpFormat, body: Uint8Array): T;
  /** Spans or data points. */
  count(data: T): number;
  consume(consumer: TelemetryConsumer, data: T, ctx: ReceiveContext): Promise<Outcome>;
  /** The Export*ServiceResponse for full success. */
  response(format: OtlpFormat): Uint8Array | string;
}

export const TRACES: OtlpSignal<Traces> = {
  signal: 'traces',
  grpcPath: TRACE_EXPORT_PATH,
  httpPath: '/v1/traces',
  decode: (format, body) => (format === 'proto' ? decodeTracesProto(body) : decodeTracesJson(body)),
  count: spanCount,
  consume: (consumer, data, ctx) => consumer.consumeTraces(data, ctx),
  response: (format) => (format === 'proto' ? encodeTraceResponseProto() : encodeTraceResponseJson()),
};

export const METRICS: OtlpSignal<Metrics> = {
  signal: 'metrics',
  grpcPath: METRICS_EXPORT_PATH,
  httpPath: '/v1/metrics',
  decode: (format, body) => (format === 'proto' ? decodeMetricsProto(body) : decodeMetricsJson(body)),
  count: dataPointCount,
  consume: (consumer, data, ctx) => consumer.consumeMetrics(data, ctx),
  response: (format) => (format === 'proto' ? encodeMetricsResponseProto() : encodeMetricsResponseJson()),
};
