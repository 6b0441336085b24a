// OTLP over gRPC: unary Export calls to an OpenTelemetry Collector, Jaeger,
// Tempo or another ocsvc ingester. The method definitions are written by hand
// (two fixed paths whose bodies the OTLP codec already encodes), so neither
// proto-loader nor a second protobufjs copy is needed.
import * as grpc from '@grpc/grpc-js';
import { OcsvcError, errorMessage } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import {
  decodeMetricsResponseProto,
  decodeTraceResponseProto,
  encodeMetricsProto,
  encodeTracesProto,
  type PartialSuccess,
} from '../protocol/otlp/index.js';
import type { Backend, ExportResult } from './backend.js';
import { okResult } from './classify.js';
import { grpcBackendChannel, unaryExport, type GrpcBackendOptions } from './grpc-unary.js';

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

export type OtlpGrpcOptions = GrpcBackendOptions;

export const OTLP_GRPC_DEFAULTS = {
  insecure: true,
  compression: 'gzip',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;


export class OtlpGrpcBackend implements Backend {
  readonly type = 'otlp';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly client: grpc.Client;
  private readonly metadata: grpc.Metadata;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: OtlpGrpcOptions) {
    this.name = options.name ?? this.type;
    this.timeoutMs = options.timeoutMs ?? OTLP_GRPC_DEFAULTS.timeoutMs;
    ({ client: this.client, metadata: this.metadata } = grpcBackendChannel(options, this.name, OTLP_GRPC_DEFAULTS));
    this.close = closeOnce(async () => {
      this.closed = true;
      this.client.close();
    });
  }

  async start(): Promise<void> {}

  exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    return this.call(TRACE_EXPORT_PATH, encodeTracesProto(traces), decodeTraceResponseProto, signal);
  }

  exportMetrics(metrics: Metrics, signal: AbortSignal): Promise<ExportResult> {
    return this.call(METRICS_EXPORT_PATH, encodeMetricsProto(metrics), decodeMetricsResponseProto, signal);
  }

  private async call(
    path: string,
    body: Uint8Array,
    decodeResponse: (bytes: Uint8Array) => PartialSuccess,
    signal: AbortSignal,
  ): Promise<ExportResult> {
    if (this.closed) throw new OcsvcError('BACKEND_CLOSED', `${this.name}: export after close`);
    const outcome = await unaryExport(this.client, path, body, this.metadata, this.timeoutMs, signal);
    return outcome.ok ? okFromResponse(outcome.response, decodeResponse) : outcome.result;
  }
}

function okFromResponse(response: Buffer | undefined, decode: (bytes: Uint8Array) => PartialSuccess): ExportResult {
  if (response === undefined || response.length === 0) return { status: 'ok' };
  try {
    return okResult(decode(response));
  } catch (err) {
    // The server said OK: the data was accepted even if its answer is unreadable.
    return { status: 'ok', message: `unreadable response: ${errorMessage(err)}` };
  }
}
