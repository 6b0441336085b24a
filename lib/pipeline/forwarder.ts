// The agent's consumer when it cannot reach Kafka: it forwards what it
// received to an upstream ingester over OTLP or OpenCensus, through the same
// backends the exporter uses, and answers its client with the ingester's
// verdict. The ingester acknowledges only what Kafka holds, so "acknowledged"
// keeps its meaning across the extra hop. Nothing is retried here: the client
// is told to retry, which keeps the agent's memory bounded by its clients'
// in-flight requests.
import type { Backend, ExportResult } from '../backend/backend.js';
import { linkSignals } from '../backend/abort.js';
import { type Component, closeOnce } from '../lifecycle.js';
import { dataPointCount, type Metrics } from '../model/metrics.js';
import { spanCount, type Traces } from '../model/trace.js';
import type { ComponentStats, Signal } from '../telemetry/stats.js';
import type { Outcome, TelemetryConsumer } from './consumer.js';

export interface ForwarderOptions {
  backend: Backend;
  stats: ComponentStats;
  /** How long one forward may take before the client is told to retry. */
  timeoutMs: number;
  /** The delay suggested to clients when the upstream gave none. */
  retryAfterMs?: number;
}

export class Forwarder implements TelemetryConsumer, Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly closing = new AbortController();

  constructor(private readonly options: ForwarderOptions) {
    this.name = `forward/${options.backend.name}`;
    this.close = closeOnce(async () => {
      this.closing.abort();
      await options.backend.close();
    });
  }

  start(): Promise<void> {
    return this.options.backend.start();
  }

  consumeTraces(traces: Traces): Promise<Outcome> {
    return this.forward('traces', spanCount(traces), (signal) => this.options.backend.exportTraces(traces, signal));
  }

  consumeMetrics(metrics: Metrics): Promise<Outcome> {
    return this.forward('metrics', dataPointCount(metrics), (signal) => this.options.backend.exportMetrics(metrics, signal));
  }

  private async forward(signal: Signal, items: number, send: (s: AbortSignal) => Promise<ExportResult>): Promise<Outcome> {
    const { stats, timeoutMs } = this.options;
    if (items === 0) return { status: 'ok' };
    stats.received(items, signal);
    const { signal: abort, dispose } = linkSignals([this.closing.signal, AbortSignal.timeout(timeoutMs)]);
    let result: ExportResult;
    try {
      result = await send(abort);
    } finally {
      dispose();
    }
    return this.outcome(result, signal, items);
  }

  private outcome(result: ExportResult, signal: Signal, items: number): Outcome {
    const { stats } = this.options;
    switch (result.status) {
      case 'ok':
        // Items the upstream refused inside an accepted request are its drops;
        // the upstream counts them, and resending would duplicate the rest.
        if (result.rejectedItems) stats.dropped(result.rejectedItems, 'upstream_partial_success', signal);
        stats.sent(items - (result.rejectedItems ?? 0), signal);
        return { status: 'ok' };
      case 'rejected':
        stats.refused(items, 'invalid', signal);
        return { status: 'rejected', reason: `upstream refused the data: ${result.reason}` };
      case 'retryable':
        stats.refused(items, 'upstream_unavailable', signal);
        return {
          status: 'retryable',
          reason: 'upstream_unavailable',
          message: `forwarding to ${this.options.backend.name} failed: ${result.reason}`,
          retryAfterMs: result.retryAfterMs ?? this.options.retryAfterMs ?? 1_000,
        };
    }
  }
}
