// The metric model: the shape of OTLP's MetricsData. Values keep OTLP's
// int/double distinction; int64 is bigint; optional doubles are undefined when
// absent (proto3 `optional`), so that a round trip is lossless.
import type { InstrumentationScope, KeyValue, Resource } from './common.js';
import type { SpanId, TraceId } from './ids.js';

export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;
export type AggregationTemporality = (typeof AggregationTemporality)[keyof typeof AggregationTemporality];

export type NumberValue = { readonly kind: 'int'; readonly value: bigint } | { readonly kind: 'double'; readonly value: number };

export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano: bigint;
  value: NumberValue;
  /** '' when absent. */
  spanId: SpanId | '';
  traceId: TraceId | '';
}

interface PointBase {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

export interface NumberDataPoint extends PointBase {
  /** undefined when the point carries no value (OTLP allows neither set). */
  value: NumberValue | undefined;
  exemplars: Exemplar[];
}

export interface HistogramDataPoint extends PointBase {
  count: bigint;
  sum: number | undefined;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  min: number | undefined;
  max: number | undefined;
}

export interface ExponentialBuckets {
  offset: number;
  bucketCounts: bigint[];
}

export interface ExponentialHistogramDataPoint extends PointBase {
  count: bigint;
  sum: number | undefined;
  scale: number;
  zeroCount: bigint;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
  exemplars: Exemplar[];
  min: number | undefined;
  max: number | undefined;
  zeroThreshold: number;
}

export interface SummaryDataPoint extends PointBase {
  count: bigint;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

export type MetricData =
  | { kind: 'gauge'; dataPoints: NumberDataPoint[] }
  | { kind: 'sum'; dataPoints: NumberDataPoint[]; aggregationTemporality: AggregationTemporality; isMonotonic: boolean }
  | { kind: 'histogram'; dataPoints: HistogramDataPoint[]; aggregationTemporality: AggregationTemporality }
  | {
      kind: 'exponentialHistogram';
      dataPoints: ExponentialHistogramDataPoint[];
      aggregationTemporality: AggregationTemporality;
    }
  | { kind: 'summary'; dataPoints: SummaryDataPoint[] }
  | { kind: 'empty' };

export interface Metric {
  name: string;
  description: string;
  unit: string;
  metadata: KeyValue[];
  data: MetricData;
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  metrics: Metric[];
  schemaUrl: string;
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

export interface Metrics {
  resourceMetrics: ResourceMetrics[];
}

export function dataPointCount(metrics: Metrics): number {
  let n = 0;
  for (const rm of metrics.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) n += m.data.kind === 'empty' ? 0 : m.data.dataPoints.length;
  return n;
}
