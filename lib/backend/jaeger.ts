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
import { grpcBackendChannel, unaryExport, type GrpcBackendOptions } from './grpc-unary.js';

/** endpoint: a Jaeger collector's gRPC port (14250). compression: gzip only if the collector takes it (Jaeger's does since 1.x with gzip registered); none by default. */
export type JaegerOptions = GrpcBackendOptions;

export const JAEGER_DEFAULTS = {
  insecure: false,
  compression: 'none',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;

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
  private readonly metadata: grpc.Metadata;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: JaegerOptions) {
    this.name = options.name ?? this.type;
    this.timeoutMs = options.timeoutMs ?? JAEGER_DEFAULTS.timeoutMs;
    ({ client: this.client, metadata: this.metadata } = grpcBackendChannel(options, this.name, JAEGER_DEFAULTS));
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
