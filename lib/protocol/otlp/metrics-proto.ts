// OTLP metrics in protobuf (ExportMetricsServiceRequest, which is MetricsData
// on the wire) <-> the model. Decoding throws only InvalidInputError.
import type {
  AggregationTemporality,
  Exemplar,
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricData,
  Metrics,
  NumberDataPoint,
  NumberValue,
  ResourceMetrics,
  ScopeMetrics,
  SpanId,
  SummaryDataPoint,
  TraceId,
} from '../../model/index.js';
import { bigIntToLong, longToBigInt, type LongBits } from './int64.js';
import { mapLocated } from './located-error.js';
import {
  attributesFromPb,
  attributesToPb,
  idBytes,
  optionalIdHex,
  resourceFromPb,
  resourceToPb,
  scopeFromPb,
  scopeToPb,
  type PbKeyValue,
  type PbResource,
  type PbScope,
} from './proto-common.js';
import { decodeMessage } from './proto-decode.js';
import { MetricsRequestType } from './proto-root.js';

interface PbExemplar {
  filteredAttributes?: PbKeyValue[];
  timeUnixNano?: LongBits;
  value?: string | null;
  asDouble?: number;
  asInt?: LongBits;
  spanId?: Uint8Array;
  traceId?: Uint8Array;
}
interface PbPointBase {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: LongBits;
  timeUnixNano?: LongBits;
  flags?: number;
}
interface PbNumberPoint extends PbPointBase {
  value?: string | null;
  asDouble?: number;
  asInt?: LongBits;
  exemplars?: PbExemplar[];
}
interface PbHistogramPoint extends PbPointBase {
  count?: LongBits;
  sum?: number | null;
  bucketCounts?: LongBits[];
  explicitBounds?: number[];
  exemplars?: PbExemplar[];
  min?: number | null;
  max?: number | null;
}
interface PbBuckets {
  offset?: number;
  bucketCounts?: LongBits[];
}
interface PbExpHistogramPoint extends PbPointBase {
  count?: LongBits;
  sum?: number | null;
  scale?: number;
  zeroCount?: LongBits;
  positive?: PbBuckets | null;
  negative?: PbBuckets | null;
  exemplars?: PbExemplar[];
  min?: number | null;
  max?: number | null;
  zeroThreshold?: number;
}
interface PbSummaryPoint extends PbPointBase {
  count?: LongBits;
  sum?: number;
  quantileValues?: { quantile?: number; value?: number }[];
}
interface PbMetric {
  name?: string;
  description?: string;
  unit?: string;
  data?: string | null;
  gauge?: { dataPoints?: PbNumberPoint[] } | null;
  sum?: { dataPoints?: PbNumberPoint[]; aggregationTemporality?: number; isMonotonic?: boolean } | null;
  histogram?: { dataPoints?: PbHistogramPoint[]; aggregationTemporality?: number } | null;
  exponentialHistogram?: { dataPoints?: PbExpHistogramPoint[]; aggregationTemporality?: number } | null;
  summary?: { dataPoints?: PbSummaryPoint[] } | null;
  metadata?: PbKeyValue[];
}
interface PbScopeMetrics {
  scope?: PbScope | null;
  metrics?: PbMetric[];
  schemaUrl?: string;
}
interface PbResourceMetrics {
  resource?: PbResource | null;
  scopeMetrics?: PbScopeMetrics[];
  schemaUrl?: string;
}
interface PbMetrics {
  resourceMetrics?: PbResourceMetrics[];
}

const u64 = (l: LongBits | undefined): bigint => (l === undefined ? 0n : longToBigInt(l, true));
const u64s = (list: LongBits[] | undefined): bigint[] => (list === undefined ? [] : list.map((l) => longToBigInt(l, true)));
const opt = (v: number | null | undefined): number | undefined => (v == null ? undefined : v);
/** Unknown values (from a newer protocol) read as UNSPECIFIED. */
const temporality = (t: number | undefined): AggregationTemporality => (t === 1 || t === 2 ? t : 0);

export function decodeMetricsProto(buf: Uint8Array): Metrics {
  const msg = decodeMessage(MetricsRequestType, buf) as PbMetrics;
  return { resourceMetrics: mapLocated(msg.resourceMetrics ?? [], 'resource', resourceMetricsFromPb) };
}

function resourceMetricsFromPb(rm: PbResourceMetrics): ResourceMetrics {
  const scopeMetrics = mapLocated(rm.scopeMetrics ?? [], 'scope', (sm): ScopeMetrics => ({
    scope: scopeFromPb(sm.scope),
    metrics: mapLocated(sm.metrics ?? [], 'metric', metricFromPb),
    schemaUrl: sm.schemaUrl ?? '',
  }));
  return { resource: resourceFromPb(rm.resource), scopeMetrics, schemaUrl: rm.schemaUrl ?? '' };
}

function metricFromPb(m: PbMetric): Metric {
  return {
    name: m.name ?? '',
    description: m.description ?? '',
    unit: m.unit ?? '',
    metadata: attributesFromPb(m.metadata),
    data: dataFromPb(m),
  };
}

function dataFromPb(m: PbMetric): MetricData {
  switch (m.data) {
    case 'gauge':
      return { kind: 'gauge', dataPoints: points(m.gauge?.dataPoints, numberPointFromPb) };
    case 'sum':
      return {
        kind: 'sum',
        dataPoints: points(m.sum?.dataPoints, numberPointFromPb),
        aggregationTemporality: temporality(m.sum?.aggregationTemporality),
        isMonotonic: m.sum?.isMonotonic === true,
      };
    case 'histogram':
      return {
        kind: 'histogram',
        dataPoints: points(m.histogram?.dataPoints, histogramPointFromPb),
        aggregationTemporality: temporality(m.histogram?.aggregationTemporality),
      };
    case 'exponentialHistogram':
      return {
        kind: 'exponentialHistogram',
        dataPoints: points(m.exponentialHistogram?.dataPoints, expHistogramPointFromPb),
        aggregationTemporality: temporality(m.exponentialHistogram?.aggregationTemporality),
      };
    case 'summary':
      return { kind: 'summary', dataPoints: points(m.summary?.dataPoints, summaryPointFromPb) };
    default:
      return { kind: 'empty' };
  }
}

function points<P, T>(list: P[] | undefined, convert: (p: P) => T): T[] {
  return list === undefined ? [] : mapLocated(list, 'data point', convert);
}

function numberValue(p: { value?: string | null; asDouble?: number; asInt?: LongBits }): NumberValue | undefined {
  if (p.value === 'asInt') return { kind: 'int', value: p.asInt === undefined ? 0n : longToBigInt(p.asInt, false) };
  if (p.value === 'asDouble') return { kind: 'double', value: p.asDouble ?? 0 };
  return undefined;
}

function exemplarsFromPb(list: PbExemplar[] | undefined): Exemplar[] {
  if (list === undefined || list.length === 0) return [];
  const out = new Array<Exemplar>(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    out[i] = {
      filteredAttributes: attributesFromPb(e.filteredAttributes),
      timeUnixNano: u64(e.timeUnixNano),
      // OTLP allows an exemplar without a value; the model does not: read as 0.
      value: numberValue(e) ?? { kind: 'double', value: 0 },
      spanId: optionalIdHex(e.spanId, 8, `exemplar ${i} span ID`) as SpanId | '',
      traceId: optionalIdHex(e.traceId, 16, `exemplar ${i} trace ID`) as TraceId | '',
    };
  }
  return out;
}

/** The fields every kind of data point has, as baseFromJson in metrics-json.ts. */
function baseFromPb(p: PbPointBase): Pick<NumberDataPoint, 'attributes' | 'startTimeUnixNano' | 'timeUnixNano' | 'flags'> {
  return {
    attributes: attributesFromPb(p.attributes),
    startTimeUnixNano: u64(p.startTimeUnixNano),
    timeUnixNano: u64(p.timeUnixNano),
    flags: p.flags ?? 0,
  };
}

function numberPointFromPb(p: PbNumberPoint): NumberDataPoint {
  return {
    ...baseFromPb(p),
    value: numberValue(p),
    exemplars: exemplarsFromPb(p.exemplars),
  };
}

function histogramPointFromPb(p: PbHistogramPoint): HistogramDataPoint {
  return {
    ...baseFromPb(p),
    count: u64(p.count),
    sum: opt(p.sum),
    bucketCounts: u64s(p.bucketCounts),
    explicitBounds: p.explicitBounds === undefined ? [] : p.explicitBounds.slice(),
    exemplars: exemplarsFromPb(p.exemplars),
    min: opt(p.min),
    max: opt(p.max),
  };
}

function bucketsFromPb(b: PbBuckets | null | undefined): ExponentialBuckets {
  return b == null ? { offset: 0, bucketCounts: [] } : { offset: b.offset ?? 0, bucketCounts: u64s(b.bucketCounts) };
}

function expHistogramPointFromPb(p: PbExpHistogramPoint): ExponentialHistogramDataPoint {
  return {
    ...baseFromPb(p),
    count: u64(p.count),
    sum: opt(p.sum),
    scale: p.scale ?? 0,
    zeroCount: u64(p.zeroCount),
    positive: bucketsFromPb(p.positive),
    negative: bucketsFromPb(p.negative),
    exemplars: exemplarsFromPb(p.exemplars),
    min: opt(p.min),
    max: opt(p.max),
    zeroThreshold: p.zeroThreshold ?? 0,
  };
}

function summaryPointFromPb(p: PbSummaryPoint): SummaryDataPoint {
  const qv = p.quantileValues ?? [];
  return {
    ...baseFromPb(p),
    count: u64(p.count),
    sum: p.sum ?? 0,
    quantileValues: qv.map((q) => ({ quantile: q.quantile ?? 0, value: q.value ?? 0 })),
  };
}

// ---- encoding ----

export function encodeMetricsProto(m: Metrics): Uint8Array {
  const msg: PbMetrics = {
    resourceMetrics: m.resourceMetrics.map((rm) => ({
      resource: resourceToPb(rm.resource),
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        scope: scopeToPb(sm.scope),
        metrics: sm.metrics.map(metricToPb),
        schemaUrl: sm.schemaUrl,
      })),
      schemaUrl: rm.schemaUrl,
    })),
  };
  return MetricsRequestType.encode(msg).finish();
}

function metricToPb(m: Metric): PbMetric {
  const out: PbMetric = { name: m.name, description: m.description, unit: m.unit, metadata: attributesToPb(m.metadata) };
  const d = m.data;
  switch (d.kind) {
    case 'gauge':
      out.gauge = { dataPoints: d.dataPoints.map(numberPointToPb) };
      break;
    case 'sum':
      out.sum = {
        dataPoints: d.dataPoints.map(numberPointToPb),
        aggregationTemporality: d.aggregationTemporality,
        isMonotonic: d.isMonotonic,
      };
      break;
    case 'histogram':
      out.histogram = {
        dataPoints: d.dataPoints.map(histogramPointToPb),
        aggregationTemporality: d.aggregationTemporality,
      };
      break;
    case 'exponentialHistogram':
      out.exponentialHistogram = {
        dataPoints: d.dataPoints.map(expHistogramPointToPb),
        aggregationTemporality: d.aggregationTemporality,
      };
      break;
    case 'summary':
      out.summary = { dataPoints: d.dataPoints.map(summaryPointToPb) };
      break;
    case 'empty':
      break;
  }
  return out;
}

function base(p: NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint): PbPointBase {
  return {
    attributes: attributesToPb(p.attributes),
    startTimeUnixNano: bigIntToLong(p.startTimeUnixNano),
    timeUnixNano: bigIntToLong(p.timeUnixNano),
    flags: p.flags,
  };
}

/** Sets the oneof member for a value; leaves both out for undefined. */
function setNumberValue(out: { asDouble?: number; asInt?: LongBits }, v: NumberValue | undefined): void {
  if (v === undefined) return;
  if (v.kind === 'int') out.asInt = bigIntToLong(v.value);
  else out.asDouble = v.value;
}

function exemplarToPb(e: Exemplar): PbExemplar {
  const out: PbExemplar = {
    filteredAttributes: attributesToPb(e.filteredAttributes),
    timeUnixNano: bigIntToLong(e.timeUnixNano),
    spanId: idBytes(e.spanId),
    traceId: idBytes(e.traceId),
  };
  setNumberValue(out, e.value);
  return out;
}

function numberPointToPb(p: NumberDataPoint): PbNumberPoint {
  const out: PbNumberPoint = base(p);
  setNumberValue(out, p.value);
  out.exemplars = p.exemplars.map(exemplarToPb);
  return out;
}

/** Optional (proto3 `optional`) doubles: a property that is absent is not written. */
function setOptional(out: PbHistogramPoint | PbExpHistogramPoint, p: { sum: number | undefined; min: number | undefined; max: number | undefined }): void {
  if (p.sum !== undefined) out.sum = p.sum;
  if (p.min !== undefined) out.min = p.min;
  if (p.max !== undefined) out.max = p.max;
}

function histogramPointToPb(p: HistogramDataPoint): PbHistogramPoint {
  const out: PbHistogramPoint = base(p);
  out.count = bigIntToLong(p.count);
  out.bucketCounts = p.bucketCounts.map(bigIntToLong);
  out.explicitBounds = p.explicitBounds;
  out.exemplars = p.exemplars.map(exemplarToPb);
  setOptional(out, p);
  return out;
}

function bucketsToPb(b: ExponentialBuckets): PbBuckets | undefined {
  if (b.offset === 0 && b.bucketCounts.length === 0) return undefined;
  return { offset: b.offset, bucketCounts: b.bucketCounts.map(bigIntToLong) };
}

function expHistogramPointToPb(p: ExponentialHistogramDataPoint): PbExpHistogramPoint {
  const out: PbExpHistogramPoint = base(p);
  out.count = bigIntToLong(p.count);
  out.scale = p.scale;
  out.zeroCount = bigIntToLong(p.zeroCount);
  const positive = bucketsToPb(p.positive);
  if (positive !== undefined) out.positive = positive;
  const negative = bucketsToPb(p.negative);
  if (negative !== undefined) out.negative = negative;
  out.exemplars = p.exemplars.map(exemplarToPb);
  out.zeroThreshold = p.zeroThreshold;
  setOptional(out, p);
  return out;
}

function summaryPointToPb(p: SummaryDataPoint): PbSummaryPoint {
  const out: PbSummaryPoint = base(p);
  out.count = bigIntToLong(p.count);
  out.sum = p.sum;
  out.quantileValues = p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value }));
  return out;
}
