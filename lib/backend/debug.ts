// Logs what would be exported, like the OpenTelemetry Collector's debug
// exporter: a count line per export ('basic'), a line per span or metric
// ('normal'), or every field ('detailed'). For wiring checks, not production.
import { closeOnce } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import { dataPointCount } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import { spanCount } from '../model/trace.js';
import { ABORTED, type Backend, type ExportResult } from './backend.js';
import { metricDetailLines, metricSummary, spanSummary, traceDetailLines } from './debug-format.js';

export const Verbosity = { basic: 'basic', normal: 'normal', detailed: 'detailed' } as const;
export type Verbosity = (typeof Verbosity)[keyof typeof Verbosity];

export interface DebugOptions {
  name?: string;
  verbosity?: Verbosity;
  log: (line: string) => void;
}

export class DebugBackend implements Backend {
  readonly type = 'debug';
  readonly name: string;
  readonly close = closeOnce(async () => {});
  private readonly verbosity: Verbosity;
  private readonly log: (line: string) => void;

  constructor(options: DebugOptions) {
    this.name = options.name ?? this.type;
    this.verbosity = options.verbosity ?? Verbosity.basic;
    this.log = options.log;
  }

  async start(): Promise<void> {}

  async exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    if (signal.aborted) return ABORTED;
    this.log(`${this.name}: Traces {resource spans: ${traces.resourceSpans.length}, spans: ${spanCount(traces)}}`);
    if (this.verbosity === Verbosity.normal) {
      for (const rs of traces.resourceSpans)
        for (const ss of rs.scopeSpans) for (const span of ss.spans) this.log(spanSummary(span));
    } else if (this.verbosity === Verbosity.detailed) {
      for (const line of traceDetailLines(traces)) this.log(line);
    }
    return { status: 'ok' };
  }

  async exportMetrics(metrics: Metrics, signal: AbortSignal): Promise<ExportResult> {
    if (signal.aborted) return ABORTED;
    let metricCount = 0;
    for (const rm of metrics.resourceMetrics) for (const sm of rm.scopeMetrics) metricCount += sm.metrics.length;
    this.log(
      `${this.name}: Metrics {resource metrics: ${metrics.resourceMetrics.length}, metrics: ${metricCount}, data points: ${dataPointCount(metrics)}}`,
    );
    if (this.verbosity === Verbosity.normal) {
      for (const rm of metrics.resourceMetrics)
        for (const sm of rm.scopeMetrics) for (const metric of sm.metrics) this.log(metricSummary(metric));
    } else if (this.verbosity === Verbosity.detailed) {
      for (const line of metricDetailLines(metrics)) this.log(line);
    }
    return { status: 'ok' };
  }
}
