// Jaeger's collector gRPC API: CollectorService.PostSpans (api_v2, port
// 14250), for Jaeger backends that predate OTLP. One call per export: the
// first resource becomes the batch's process and spans of the others carry
// their own process, which the API allows ("span.Process takes priority over
// batch.Process"). The translation is lib/protocol/jaeger's; errors are
// classified as for OTLP (classify.ts), so the exporter retries what may pass
// later and dead-letters what never will. Jaeger carries no metrics.
import * as grpc from '@grpc/grpc-js';
import { OcsvcError } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import { encodePostSpansProto, JAEGER_POST_SPANS_PATH, tracesToJaeger, type JaegerBatch } from '../protocol/jaeger/index.js';
import type { Backend, ExportResult } from './backend.js';
import { channelCredentials, unaryExport } from './grpc-unary.js';

export interface JaegerOptions {
  /** Component name in logs and stats; defaults to the type. */
  name?: string;
  /** 'host:port' of a Jaeger collector's gRPC port (14250), or any gRPC target such as 'dns:///host:port'. */
  endpoint: string;
  /** Plaintext when true; otherwise TLS with the system's roots (or caFile). */
  insecure?: boolean;
  caFile?: string;
  /** PEM client certificate and key, for mutual TLS; both or neither. */
  certFile?: string;
  keyFile?: string;
  /** Told when changed TLS files are unusable (the previous ones stay in use). */
  onTlsError?: (err: Error) => void;
  /** Sent as metadata on every call (authentication tokens, tenant IDs). */
  headers?: Record<string, string>;
  /** gzip only if the collector takes it (Jaeger's does since 1.x with gzip registered); none by default. */
  compression?: 'gzip' | 'none';
  /** Deadline of one PostSpans call. */
  timeoutMs?: number;
}

export const JAEGER_DEFAULTS = {
  insecure: false,
  compression: 'none',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;

const GZIP = 2; // grpc-js CompressionAlgorithms.gzip

/** All batches as one: the first's process for the batch, the others' on their spans. */
export function oneBatch(batches: readonly JaegerBatch[]): JaegerBatch {
  const [first, ...rest] = batches;
  if (first === undefined) return { process: undefined, spans: [] };
  return { process: first.process, spans: [...first.spans, ...rest.flatMap((b) => b.spans.map((s) => ({ ...s, process: b.process })))] };
}

export class JaegerBackend implements Backend {
  readonly type = 'jaeger';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: JaegerOptions) {
    this.name = options.name ?? this.type;
    this.timeoutMs = options.timeoutMs ?? JAEGER_DEFAULTS.timeoutMs;
    for (const [key, value] of Object.entries(options.headers ?? {})) this.metadata.set(key.toLowerCase(), value);
    const channelOptions: grpc.ChannelOptions = { 'grpc.primary_user_agent': 'ocsvc' };
    if ((options.compression ?? JAEGER_DEFAULTS.compression) === 'gzip') channelOptions['grpc.default_compression_algorithm'] = GZIP;
    const credentials = channelCredentials({ ...options, insecure: options.insecure ?? JAEGER_DEFAULTS.insecure }, this.name);
    // The channel connects lazily, so a collector that is down does not stop start-up.
    this.client = new grpc.Client(options.endpoint, credentials, channelOptions);
    this.close = closeOnce(async () => {
      this.closed = true;
      this.client.close();
    });
  }

  async start(): Promise<void> {}

  async exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    if (this.closed) throw new OcsvcError('BACKEND_CLOSED', `${this.name}: export after close`);
    const batch = oneBatch(tracesToJaeger(traces).filter((b) => b.spans.length > 0));
    if (batch.spans.length === 0) return { status: 'ok' };
    const outcome = await unaryExport(this.client, JAEGER_POST_SPANS_PATH, encodePostSpansProto(batch), this.metadata, this.timeoutMs, signal);
    // PostSpansResponse has no fields: OK is all there is to read.
    return outcome.ok ? { status: 'ok' } : outcome.result;
  }

  async exportMetrics(_metrics: Metrics, _signal: AbortSignal): Promise<ExportResult> {
    return { status: 'rejected', reason: `${this.name}: Jaeger carries traces only; configure this backend with signals: [traces]` };
  }
}
