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
import { channelCredentials, unaryExport } from './grpc-unary.js';

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

export interface OtlpGrpcOptions {
  /** Component name in logs and stats; defaults to the type. */
  name?: string;
  /** 'host:port', or any gRPC target such as 'dns:///host:port'. */
  endpoint: string;
  /** Plaintext when true; otherwise TLS with the system's roots (or caFile). */
  insecure?: boolean;
  /** PEM file of the CA that signed the server's certificate (a private CA). */
  caFile?: string;
  /** PEM client certificate and key, for mutual TLS; both or neither. */
  certFile?: string;
  keyFile?: string;
  /** Told when changed TLS files are unusable (the previous ones stay in use). */
  onTlsError?: (err: Error) => void;
  /** Sent as metadata on every call (authentication tokens, tenant IDs). */
  headers?: Record<string, string>;
  compression?: 'gzip' | 'none';
  /** Deadline of one Export call. */
  timeoutMs?: number;
}

export const OTLP_GRPC_DEFAULTS = {
  insecure: true,
  compression: 'gzip',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;

const GZIP = 2; // grpc-js CompressionAlgorithms.gzip
const USER_AGENT = 'ocsvc';

export class OtlpGrpcBackend implements Backend {
  readonly type = 'otlp';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: OtlpGrpcOptions) {
    this.name = options.name ?? this.type;
    this.timeoutMs = options.timeoutMs ?? OTLP_GRPC_DEFAULTS.timeoutMs;
    for (const [key, value] of Object.entries(options.headers ?? {})) this.metadata.set(key.toLowerCase(), value);
    const insecure = options.insecure ?? OTLP_GRPC_DEFAULTS.insecure;
    const channelOptions: grpc.ChannelOptions = { 'grpc.primary_user_agent': USER_AGENT };
    if ((options.compression ?? OTLP_GRPC_DEFAULTS.compression) === 'gzip') {
      channelOptions['grpc.default_compression_algorithm'] = GZIP;
    }
    // The channel connects lazily, so a backend that is down does not stop start-up.
    this.client = new grpc.Client(options.endpoint, channelCredentials({ ...options, insecure }, this.name), channelOptions);
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
