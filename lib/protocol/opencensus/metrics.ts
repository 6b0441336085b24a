// OpenCensus metrics <-> model Metrics. Follows the OpenTelemetry Collector's
// OpenCensus translator where it decided something, and is lossless where it
// was not: OC -> model -> OC gives back the very message.
//
//   GAUGE_INT64, GAUGE_DOUBLE           -> gauge, int or double values
//   CUMULATIVE_INT64, CUMULATIVE_DOUBLE -> sum, monotonic, cumulative
//   CUMULATIVE_DISTRIBUTION             -> histogram, cumulative
//   GAUGE_DISTRIBUTION                  -> histogram, DELTA: each point stands
//       for its own window, not a total since a start; and the collector maps
//       every non-cumulative histogram back to GAUGE_DISTRIBUTION, so the type
//       round-trips with no note
//   SUMMARY                             -> summary, quantile = percentile / 100
//   UNSPECIFIED, or no descriptor       -> a metric without data
//
// Labels become point attributes (an unset label is left out, '' is kept);
// each time series' start is each of its points' start. An absent time is 0.
// Times must fit int64 nanoseconds (1677-2262): the model holds them as
// uint64, wrapping before 1970 as OTLP's fixed64 wire does, and metricsToOc
// reads them back as int64; counts wrap the same way.
//
// metricsFromOc throws only InvalidInputError, naming the place
// ("metrics[1].timeseries[0].points[2]: int64 value in a CUMULATIVE_DOUBLE
// metric"): an unknown type, a repeated label key, label values not one per
// key, a point of another kind than the type's, buckets not bounds + 1 (or any
// without bounds), a time outside int64. A request whose metrics all carry
// their own resource loses its own (it applies to none), as in the collector.
//
// What OTLP has no field for goes into Metric.metadata under OC_METADATA_KEYS,
// and only when it differs from what metricsToOc infers from the data alone,
// so a metric from a real library translates to clean OTLP. metricsToOc uses a
// note only if it still agrees with the data (a processor may have changed the
// points since) and ignores it otherwise, so it never throws.
//
// Model -> OC, for what only OTLP has:
// - a sum that is not monotonic and cumulative -> GAUGE_* (as the collector;
//   turning deltas into totals would need state across requests);
// - a histogram that is not cumulative -> GAUGE_DISTRIBUTION;
// - an exponential histogram -> a distribution with explicit bounds
//   ±base^index between its negative, zero and positive buckets (no buckets if
//   the bounds overflow); a histogram whose bucket counts do not fit its bounds
//   -> no buckets;
// - int and double points mixed -> *_DOUBLE; int exemplars -> double;
//   non-string attributes -> their text; exemplar trace and span IDs ->
//   "trace_id" and "span_id" attachments; an exemplar goes to the bucket its
//   value falls in (the last one wins), and is dropped if there are no buckets;
// - dropped: min, max, flags, scopes, schema URLs, other metadata, exemplars
//   of number points, all but the first of repeated attribute keys.
import { InvalidInputError } from '../../errors.js';
import { bool, dbl, int, str, type AnyValue, type KeyValue } from '../../model/common.js';
import {
  AggregationTemporality,
  type Exemplar,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type Metric,
  type MetricData,
  type Metrics,
  type NumberDataPoint,
  type NumberValue,
  type ResourceMetrics,
  type SummaryDataPoint,
} from '../../model/metrics.js';
import { resourceFromOc, resourceToOc } from './resource.js';
import {
  OcMetricType as T,
  type OcDistributionValue,
  type OcExemplar,
  type OcExportMetricsRequest,
  type OcLabelValue,
  type OcMetric,
  type OcPoint,
  type OcPointValue,
  type OcSummaryValue,
  type OcTimeSeries,
} from './types.js';

/** Metric.metadata keys for what OTLP has no field for; each written only when it carries information. */
export const OC_METADATA_KEYS = {
  /** string: the descriptor type's name, when no point value tells int from double. */
  type: 'opencensus.type',
  /** bool true: the metric had no metric_descriptor. */
  noDescriptor: 'opencensus.no_descriptor',
  /** string[]: the label keys, when not the keys of the points' attributes in first-seen order. */
  labelKeys: 'opencensus.label_keys',
  /** string[]: the label keys' descriptions, when any is not empty. */
  labelKeyDescriptions: 'opencensus.label_key_descriptions',
  /**
   * kvlist[]: the time series, one {points, start?, label_values, label_has_value}
   * each, when grouping consecutive points of equal start and labels would not
   * give them back (empty series, present zero starts, values of unset labels).
   */
  timeseries: 'opencensus.timeseries',
  /** int[]: indexes of the points whose timestamp was present and zero. */
  zeroPointTimestamps: 'opencensus.zero_point_timestamps',
  /** int[]: indexes of the exemplars (counted across points) whose timestamp was present and zero. */
  zeroExemplarTimestamps: 'opencensus.zero_exemplar_timestamps',
  /** double[]: each distribution's sum_of_squared_deviation, when any is not 0. */
  sumOfSquaredDeviations: 'opencensus.sum_of_squared_deviations',
  /** int[]: each exemplar's bucket, when one is not in the bucket its value falls in. */
  exemplarBuckets: 'opencensus.exemplar_buckets',
  /** int[]: indexes of the distributions whose bucket_options was present but empty. */
  emptyBucketOptions: 'opencensus.empty_bucket_options',
  /**
   * kvlist[]: one per summary point, what differs from "count, sum and snapshot
   * present, snapshot count and sum absent": count, sum or snapshot (empty
   * value: absent), snapshot_count, snapshot_sum, and percentiles when
   * quantile * 100 does not give them back.
   */
  summaries: 'opencensus.summaries',
} as const;
const K = OC_METADATA_KEYS;

const TYPE_NAMES = new Map<number, string>(Object.entries(T).map(([name, n]) => [n, name]));
/** The point value each descriptor type takes ('unset' is also allowed for numbers). */
const VALUE_KIND = new Map<number, OcPointValue['kind'] | 'none'>([
  [T.UNSPECIFIED, 'none'],
  [T.GAUGE_INT64, 'int64'],
  [T.GAUGE_DOUBLE, 'double'],
  [T.GAUGE_DISTRIBUTION, 'distribution'],
  [T.CUMULATIVE_INT64, 'int64'],
  [T.CUMULATIVE_DOUBLE, 'double'],
  [T.CUMULATIVE_DISTRIBUTION, 'distribution'],
  [T.SUMMARY, 'summary'],
]);
const VALUE_TEXT = {
  int64: 'int64 value',
  double: 'double value',
  distribution: 'distribution value',
  summary: 'summary value',
  unset: 'no value',
} as const;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EMPTY: AnyValue = { kind: 'empty' };

type Point = NumberDataPoint | HistogramDataPoint | SummaryDataPoint;
/** MetricData once exponential histograms are explicit ones. */
type Data = Exclude<MetricData, { kind: 'exponentialHistogram' }>;
interface Series {
  start: bigint | undefined;
  labelValues: OcLabelValue[];
  count: number;
}

const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });
const list = (values: AnyValue[]): AnyValue => ({ kind: 'array', value: values });
/** `where` is a function so that the happy path builds no location strings. */
type Where = () => string;
const invalid = (where: Where, what: string): InvalidInputError => new InvalidInputError(`${where()}: ${what}`);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const timeToOc = (t: bigint, presentZero: boolean): bigint | undefined => (t === 0n ? (presentZero ? 0n : undefined) : i64(t));

// ---------------------------------------------------------------- OC -> model

export function metricsFromOc(request: OcExportMetricsRequest): Metrics {
  const shared: Metric[] = [];
  const own: ResourceMetrics[] = [];
  request.metrics.forEach((m, i) => {
    const metric = metricFromOc(m, () => `metrics[${i}]`);
    if (m.resource === undefined) shared.push(metric);
    else own.push(resourceMetrics(resourceFromOc(request.node, m.resource), [metric]));
  });
  // The request's own resource is kept unless every metric overrides it (as the collector).
  if (shared.length === 0 && own.length > 0) return { resourceMetrics: own };
  return { resourceMetrics: [resourceMetrics(resourceFromOc(request.node, request.resource), shared), ...own] };
}

function resourceMetrics(resource: ResourceMetrics['resource'], metrics: Metric[]): ResourceMetrics {
  const scope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  return { resource, scopeMetrics: [{ scope, metrics, schemaUrl: '' }], schemaUrl: '' };
}

/** What one metric's translation gathers for its notes. */
interface Notes {
  zeroPoints: number[];
  zeroExemplars: number[];
  sumsq: number[];
  exemplarBuckets: number[];
  bucketsMoved: boolean;
  emptyOptions: number[];
  summaries: KeyValue[][];
}

function metricFromOc(m: OcMetric, where: Where): Metric {
  const d = m.metricDescriptor;
  const type = d?.type ?? T.UNSPECIFIED;
  const expected = VALUE_KIND.get(type);
  if (expected === undefined) throw invalid(() => `${where()}.metric_descriptor`, `unknown type ${type}`);
  const keys = d?.labelKeys.map((k) => k.key) ?? [];
  const seen = new Set<string>();
  keys.forEach((k, i) => {
    if (seen.has(k)) throw invalid(() => `${where()}.metric_descriptor.label_keys[${i}]`, `duplicate label key ${JSON.stringify(k)}`);
    seen.add(k);
  });
  const data = emptyData(type);
  const notes: Notes = {
    zeroPoints: [],
    zeroExemplars: [],
    sumsq: [],
    exemplarBuckets: [],
    bucketsMoved: false,
    emptyOptions: [],
    summaries: [],
  };
  const typeText = type === T.UNSPECIFIED ? 'a metric without a type' : `a ${TYPE_NAMES.get(type)} metric`;
  let n = 0;
  m.timeseries.forEach((ts, j) => {
    const at = (): string => `${where()}.timeseries[${j}]`;
    if (ts.labelValues.length !== keys.length) {
      throw invalid(at, `${ts.labelValues.length} label values for ${keys.length} label keys`);
    }
    const start = timeFromOc(ts.startTimestamp, at, 'start timestamp');
    ts.points.forEach((p, k) => {
      const pat = (): string => `${at()}.points[${k}]`;
      const kind = p.value.kind;
      if (kind !== expected && !(kind === 'unset' && (expected === 'int64' || expected === 'double'))) {
        throw invalid(pat, `${VALUE_TEXT[kind]} in ${typeText}`);
      }
      if (p.timestamp === 0n) notes.zeroPoints.push(n);
      const base = {
        attributes: keys.flatMap((key, i) => (ts.labelValues[i]!.hasValue ? [kv(key, str(ts.labelValues[i]!.value))] : [])),
        startTimeUnixNano: start,
        timeUnixNano: timeFromOc(p.timestamp, pat, 'timestamp'),
        flags: 0,
      };
      const v = p.value;
      if ((data.kind === 'gauge' || data.kind === 'sum') && (v.kind === 'int64' || v.kind === 'double' || v.kind === 'unset')) {
        const value: NumberValue | undefined =
          v.kind === 'unset' ? undefined : v.kind === 'int64' ? { kind: 'int', value: v.value } : { kind: 'double', value: v.value };
        data.dataPoints.push({ ...base, value, exemplars: [] });
      } else if (data.kind === 'histogram' && v.kind === 'distribution') {
        data.dataPoints.push(histogramFromOc(v.value, base, pat, notes, data.dataPoints.length));
      } else if (data.kind === 'summary' && v.kind === 'summary') {
        data.dataPoints.push(summaryFromOc(v.value, base, notes));
      }
      n++;
    });
  });
  return {
    name: d?.name ?? '',
    description: d?.description ?? '',
    unit: d?.unit ?? '',
    metadata: metadataFromOc(m, type, keys, data, notes),
    data,
  };
}

function emptyData(type: number): Data {
  const CUMULATIVE = AggregationTemporality.CUMULATIVE;
  switch (type) {
    case T.GAUGE_INT64:
    case T.GAUGE_DOUBLE:
      return { kind: 'gauge', dataPoints: [] };
    case T.CUMULATIVE_INT64:
    case T.CUMULATIVE_DOUBLE:
      return { kind: 'sum', dataPoints: [], aggregationTemporality: CUMULATIVE, isMonotonic: true };
    case T.GAUGE_DISTRIBUTION:
      return { kind: 'histogram', dataPoints: [], aggregationTemporality: AggregationTemporality.DELTA };
    case T.CUMULATIVE_DISTRIBUTION:
      return { kind: 'histogram', dataPoints: [], aggregationTemporality: CUMULATIVE };
    case T.SUMMARY:
      return { kind: 'summary', dataPoints: [] };
    default:
      return { kind: 'empty' };
  }
}

function timeFromOc(t: bigint | undefined, where: Where, what: string): bigint {
  if (t === undefined) return 0n;
  if (t < INT64_MIN || t > INT64_MAX) throw invalid(where, `${what} ${t} ns does not fit in int64`);
  return u64(t);
}

type Base = Pick<HistogramDataPoint, 'attributes' | 'startTimeUnixNano' | 'timeUnixNano' | 'flags'>;

function histogramFromOc(v: OcDistributionValue, base: Base, where: Where, notes: Notes, index: number): HistogramDataPoint {
  const explicit = v.bucketOptions?.explicit;
  const bounds = explicit?.bounds ?? [];
  if (explicit !== undefined && v.buckets.length !== bounds.length + 1) {
    throw invalid(where, `${v.buckets.length} buckets for ${bounds.length} bounds (want ${bounds.length + 1})`);
  }
  if (explicit === undefined && v.buckets.length > 0) throw invalid(where, `${v.buckets.length} buckets without bucket bounds`);
  if (v.bucketOptions !== undefined && explicit === undefined) notes.emptyOptions.push(index);
  notes.sumsq.push(v.sumOfSquaredDeviation);
  const exemplars: Exemplar[] = [];
  v.buckets.forEach((b, k) => {
    if (b.exemplar === undefined) return;
    const e = b.exemplar;
    if (e.timestamp === 0n) notes.zeroExemplars.push(notes.exemplarBuckets.length);
    notes.exemplarBuckets.push(k);
    if (bucketOf(e.value, bounds) !== k) notes.bucketsMoved = true;
    exemplars.push({
      filteredAttributes: e.attachments.map((a) => kv(a.key, str(a.value))),
      timeUnixNano: timeFromOc(e.timestamp, () => `${where()}.buckets[${k}].exemplar`, 'timestamp'),
      value: { kind: 'double', value: e.value },
      spanId: '',
      traceId: '',
    });
  });
  const bucketCounts = v.buckets.map((b) => u64(b.count));
  const explicitBounds = [...bounds];
  return { ...base, count: u64(v.count), sum: v.sum, bucketCounts, explicitBounds, exemplars, min: undefined, max: undefined };
}

function summaryFromOc(v: OcSummaryValue, base: Base, notes: Notes): SummaryDataPoint {
  const note: KeyValue[] = [];
  if (v.count === undefined) note.push(kv('count', EMPTY));
  if (v.sum === undefined) note.push(kv('sum', EMPTY));
  const snap = v.snapshot;
  if (snap === undefined) note.push(kv('snapshot', EMPTY));
  if (snap?.count !== undefined) note.push(kv('snapshot_count', int(snap.count)));
  if (snap?.sum !== undefined) note.push(kv('snapshot_sum', dbl(snap.sum)));
  const percentiles = snap?.percentileValues ?? [];
  // Dividing by 100 is not one-to-one on doubles: keep what * 100 would not give back.
  if (percentiles.some((p) => !Object.is((p.percentile / 100) * 100, p.percentile))) {
    note.push(kv('percentiles', list(percentiles.map((p) => dbl(p.percentile)))));
  }
  notes.summaries.push(note);
  const quantileValues = percentiles.map((p) => ({ quantile: p.percentile / 100, value: p.value }));
  return { ...base, count: u64(v.count ?? 0n), sum: v.sum ?? 0, quantileValues };
}

/** The notes that metricsToOc needs to give back `m`: only those that differ from what it infers. */
function metadataFromOc(m: OcMetric, type: number, keys: string[], data: Data, notes: Notes): KeyValue[] {
  const out: KeyValue[] = [];
  const ints = (values: number[]): AnyValue => list(values.map((x) => int(x)));
  const strings = (values: string[]): AnyValue => list(values.map(str));
  const points = pointsOf(data);
  if (m.metricDescriptor === undefined) out.push(kv(K.noDescriptor, bool(true)));
  if (ocType(data, undefined) !== type) out.push(kv(K.type, str(TYPE_NAMES.get(type)!)));
  if (!sameList(attributeKeys(points), keys)) out.push(kv(K.labelKeys, strings(keys)));
  const descriptions = m.metricDescriptor?.labelKeys.map((k) => k.description) ?? [];
  if (descriptions.some((x) => x !== '')) out.push(kv(K.labelKeyDescriptions, strings(descriptions)));
  if (!sameSeries(groupSeries(points, keys), m.timeseries)) out.push(kv(K.timeseries, list(m.timeseries.map(seriesNote))));
  if (notes.zeroPoints.length > 0) out.push(kv(K.zeroPointTimestamps, ints(notes.zeroPoints)));
  if (notes.zeroExemplars.length > 0) out.push(kv(K.zeroExemplarTimestamps, ints(notes.zeroExemplars)));
  if (notes.sumsq.some((x) => !Object.is(x, 0))) out.push(kv(K.sumOfSquaredDeviations, list(notes.sumsq.map(dbl))));
  if (notes.bucketsMoved) out.push(kv(K.exemplarBuckets, ints(notes.exemplarBuckets)));
  if (notes.emptyOptions.length > 0) out.push(kv(K.emptyBucketOptions, ints(notes.emptyOptions)));
  if (notes.summaries.some((s) => s.length > 0)) {
    out.push(kv(K.summaries, list(notes.summaries.map((s): AnyValue => ({ kind: 'kvlist', value: s })))));
  }
  return out;
}

function seriesNote(ts: OcTimeSeries): AnyValue {
  const entry = [kv('points', int(ts.points.length))];
  if (ts.startTimestamp !== undefined) entry.push(kv('start', int(ts.startTimestamp)));
  entry.push(kv('label_values', list(ts.labelValues.map((l) => str(l.value)))));
  entry.push(kv('label_has_value', list(ts.labelValues.map((l) => bool(l.hasValue)))));
  return { kind: 'kvlist', value: entry };
}

function sameSeries(a: Series[], b: OcTimeSeries[]): boolean {
  return (
    a.length === b.length &&
    a.every((s, i) => {
      const ts = b[i]!;
      return s.count === ts.points.length && s.start === ts.startTimestamp && sameLabels(s.labelValues, ts.labelValues);
    })
  );
}

// ---------------------------------------------------------------- model -> OC

export function metricsToOc(metrics: Metrics): OcExportMetricsRequest[] {
  return metrics.resourceMetrics.map((rm) => {
    const { node, resource } = resourceToOc(rm.resource);
    return { node, metrics: rm.scopeMetrics.flatMap((sm) => sm.metrics.map(metricToOc)), resource };
  });
}

function metricToOc(metric: Metric): OcMetric {
  const notes = new Map<string, AnyValue>();
  for (const e of metric.metadata) if (e.key.startsWith('opencensus.') && !notes.has(e.key)) notes.set(e.key, e.value);
  const data = explicitData(metric.data);
  const type = ocType(data, notes.get(K.type));
  const points = pointsOf(data);
  const attrKeys = attributeKeys(points);
  const notedKeys = stringsOf(notes.get(K.labelKeys)) ?? [];
  const notedSet = new Set(notedKeys);
  const notedFit = notedSet.size === notedKeys.length && notedSet.size > 0 && attrKeys.every((k) => notedSet.has(k));
  const keys = notedFit ? notedKeys : attrKeys;
  const descriptions = stringsOf(notes.get(K.labelKeyDescriptions));
  const series = notedSeries(notes.get(K.timeseries), points, keys) ?? groupSeries(points, keys);
  const zeroPoints = new Set(intsOf(notes.get(K.zeroPointTimestamps)));
  const values = pointValuesToOc(data, type, notes);
  let n = 0;
  const timeseries = series.map((s) => {
    const ocPoints: OcPoint[] = [];
    for (let k = 0; k < s.count; k++, n++) {
      ocPoints.push({ timestamp: timeToOc(points[n]!.timeUnixNano, zeroPoints.has(n)), value: values[n]! });
    }
    return { startTimestamp: s.start, labelValues: s.labelValues, points: ocPoints };
  });
  const bare = metric.name === '' && metric.description === '' && metric.unit === '' && type === T.UNSPECIFIED && keys.length === 0;
  const marker = notes.get(K.noDescriptor);
  const noDescriptor = bare && marker?.kind === 'bool' && marker.value;
  const labelKeys = keys.map((key, i) => ({ key, description: descriptions?.length === keys.length ? descriptions[i]! : '' }));
  const metricDescriptor = { name: metric.name, description: metric.description, unit: metric.unit, type, labelKeys };
  return { metricDescriptor: noDescriptor ? undefined : metricDescriptor, timeseries, resource: undefined };
}

/** The OC type the data asks for; `noted` decides int or double only when no point has a value. */
function ocType(data: MetricData, noted: AnyValue | undefined): number {
  switch (data.kind) {
    case 'gauge':
    case 'sum': {
      const cumulative = data.kind === 'sum' && data.isMonotonic && data.aggregationTemporality === AggregationTemporality.CUMULATIVE;
      const [intType, doubleType] = cumulative ? [T.CUMULATIVE_INT64, T.CUMULATIVE_DOUBLE] : [T.GAUGE_INT64, T.GAUGE_DOUBLE];
      const kinds = new Set(data.dataPoints.map((p) => p.value?.kind));
      if (kinds.has('double')) return doubleType;
      if (kinds.has('int')) return intType;
      // Nothing tells: the note does, else int, as the collector chose.
      return noted?.kind === 'string' && noted.value === TYPE_NAMES.get(doubleType) ? doubleType : intType;
    }
    case 'histogram':
    case 'exponentialHistogram':
      return data.aggregationTemporality === AggregationTemporality.CUMULATIVE ? T.CUMULATIVE_DISTRIBUTION : T.GAUGE_DISTRIBUTION;
    case 'summary':
      return T.SUMMARY;
    case 'empty':
      return T.UNSPECIFIED;
  }
}

function explicitData(data: MetricData): Data {
  if (data.kind !== 'exponentialHistogram') return data;
  const { aggregationTemporality } = data;
  return { kind: 'histogram', aggregationTemporality, dataPoints: data.dataPoints.map(explicitFromExponential) };
}

/** Explicit buckets with bounds ±base^index between the negative, zero and positive buckets. */
function explicitFromExponential(p: ExponentialHistogramDataPoint): HistogramDataPoint {
  const bound = (index: number): number => 2 ** (index * 2 ** -p.scale);
  const { negative: neg, positive: pos } = p;
  const bounds: number[] = [];
  for (let i = neg.offset + neg.bucketCounts.length - 1; i >= neg.offset; i--) bounds.push(-bound(i));
  for (let i = 0; i < pos.bucketCounts.length; i++) bounds.push(bound(pos.offset + i));
  const counts = [...neg.bucketCounts].reverse().concat(p.zeroCount, pos.bucketCounts);
  // Extreme scales or offsets overflow to ±Infinity or 0: then no buckets rather than wrong ones.
  const ok = bounds.every((b, i) => Number.isFinite(b) && (i === 0 || bounds[i - 1]! < b));
  const { attributes, startTimeUnixNano, timeUnixNano, flags, count, sum, exemplars, min, max } = p;
  const buckets = ok ? { explicitBounds: bounds, bucketCounts: counts } : { explicitBounds: [], bucketCounts: [] };
  return { attributes, startTimeUnixNano, timeUnixNano, flags, count, sum, exemplars, min, max, ...buckets };
}

function pointValuesToOc(data: Data, type: number, notes: Map<string, AnyValue>): OcPointValue[] {
  switch (data.kind) {
    case 'gauge':
    case 'sum': {
      const ints = type === T.GAUGE_INT64 || type === T.CUMULATIVE_INT64;
      return data.dataPoints.map(({ value: v }): OcPointValue => {
        if (v === undefined) return { kind: 'unset' };
        if (ints && v.kind === 'int') return { kind: 'int64', value: v.value };
        return { kind: 'double', value: v.kind === 'int' ? Number(v.value) : v.value };
      });
    }
    case 'histogram':
      return histogramsToOc(data.dataPoints, notes);
    case 'summary': {
      const noted = kvlistsOf(notes.get(K.summaries));
      const fits = noted?.length === data.dataPoints.length;
      return data.dataPoints.map((p, i) => ({ kind: 'summary', value: summaryToOc(p, fits ? noted[i]! : []) }));
    }
    case 'empty':
      return [];
  }
}

function histogramsToOc(points: HistogramDataPoint[], notes: Map<string, AnyValue>): OcPointValue[] {
  const sumsq = doublesOf(notes.get(K.sumOfSquaredDeviations));
  const emptyOptions = new Set(intsOf(notes.get(K.emptyBucketOptions)));
  const zeroExemplars = new Set(intsOf(notes.get(K.zeroExemplarTimestamps)));
  const hasBuckets = (p: HistogramDataPoint): boolean =>
    p.bucketCounts.length > 0 && p.bucketCounts.length === p.explicitBounds.length + 1;
  const placed = notedBuckets(notes.get(K.exemplarBuckets), points, (p) => (hasBuckets(p) ? p.bucketCounts.length : 0));
  let e = 0;
  return points.map((p, i): OcPointValue => {
    const withBuckets = hasBuckets(p);
    const buckets = withBuckets ? p.bucketCounts.map((c) => ({ count: i64(c), exemplar: undefined as OcExemplar | undefined })) : [];
    for (const ex of p.exemplars) {
      const value = ex.value.kind === 'int' ? Number(ex.value.value) : ex.value.value;
      const bucket = buckets[placed?.[e] ?? bucketOf(value, p.explicitBounds)];
      if (bucket !== undefined) bucket.exemplar = exemplarToOc(ex, value, zeroExemplars.has(e));
      e++;
    }
    const bucketOptions = withBuckets
      ? { explicit: { bounds: [...p.explicitBounds] } }
      : emptyOptions.has(i) && p.bucketCounts.length === 0
        ? { explicit: undefined }
        : undefined;
    const sumOfSquaredDeviation = sumsq?.length === points.length ? sumsq[i]! : 0;
    return { kind: 'distribution', value: { count: i64(p.count), sum: p.sum ?? 0, sumOfSquaredDeviation, bucketOptions, buckets } };
  });
}

function exemplarToOc(ex: Exemplar, value: number, presentZero: boolean): OcExemplar {
  const attachments = ex.filteredAttributes.map((a) => ({ key: a.key, value: text(a.value) }));
  if (ex.traceId !== '') attachments.push({ key: 'trace_id', value: ex.traceId });
  if (ex.spanId !== '') attachments.push({ key: 'span_id', value: ex.spanId });
  return { value, timestamp: timeToOc(ex.timeUnixNano, presentZero), attachments };
}

/** The noted bucket of every exemplar, if there is one per exemplar and each fits its point's buckets. */
function notedBuckets(
  note: AnyValue | undefined,
  points: HistogramDataPoint[],
  bucketCount: (p: HistogramDataPoint) => number,
): number[] | undefined {
  const noted = intsOf(note);
  if (noted.length !== points.reduce((n, p) => n + p.exemplars.length, 0) || noted.length === 0) return undefined;
  let e = 0;
  for (const p of points) {
    const mine = noted.slice(e, (e += p.exemplars.length));
    if (mine.some((b) => b >= bucketCount(p)) || new Set(mine).size !== mine.length) return undefined;
  }
  return noted;
}

/** OC's bucket for a value: the first whose upper bound is above it (bucket i is [bounds[i-1], bounds[i])). */
function bucketOf(value: number, bounds: readonly number[]): number {
  const i = bounds.findIndex((b) => value < b);
  return i === -1 ? bounds.length : i;
}

function summaryToOc(p: SummaryDataPoint, note: KeyValue[]): OcSummaryValue {
  const n = summaryNote(note, p);
  const percentiles = n.percentiles ?? p.quantileValues.map((q) => q.quantile * 100);
  const percentileValues = p.quantileValues.map((q, k) => ({ percentile: percentiles[k]!, value: q.value }));
  return {
    count: n.countAbsent ? undefined : i64(p.count),
    sum: n.sumAbsent ? undefined : p.sum,
    snapshot: n.snapshotAbsent ? undefined : { count: n.snapshotCount, sum: n.snapshotSum, percentileValues },
  };
}

interface SummaryNote {
  countAbsent?: boolean;
  sumAbsent?: boolean;
  snapshotAbsent?: boolean;
  snapshotCount?: bigint;
  snapshotSum?: number;
  percentiles?: number[];
}

/** A summary point's note, if it agrees with the point; nothing otherwise. */
function summaryNote(note: KeyValue[], p: SummaryDataPoint): SummaryNote {
  const n: SummaryNote = {};
  for (const { key, value: v } of note) {
    if (key === 'count' && v.kind === 'empty' && p.count === 0n) n.countAbsent = true;
    else if (key === 'sum' && v.kind === 'empty' && Object.is(p.sum, 0)) n.sumAbsent = true;
    else if (key === 'snapshot' && v.kind === 'empty' && p.quantileValues.length === 0) n.snapshotAbsent = true;
    else if (key === 'snapshot_count' && v.kind === 'int') n.snapshotCount = v.value;
    else if (key === 'snapshot_sum' && v.kind === 'double') n.snapshotSum = v.value;
    else if (key === 'percentiles' && percentilesFit(doublesOf(v), p)) n.percentiles = doublesOf(v);
    else return {};
  }
  const snapshotNoted = n.snapshotCount !== undefined || n.snapshotSum !== undefined || n.percentiles !== undefined;
  return n.snapshotAbsent && snapshotNoted ? {} : n;
}

function percentilesFit(percentiles: number[] | undefined, p: SummaryDataPoint): boolean {
  const q = p.quantileValues;
  return percentiles?.length === q.length && percentiles.every((x, k) => Object.is(x / 100, q[k]!.quantile));
}

// ---------------------------------------------------------------- both ways

function pointsOf(data: Data): Point[] {
  return data.kind === 'empty' ? [] : data.dataPoints;
}

/** The attributes' keys in first-seen order: the label keys unless noted otherwise. */
function attributeKeys(points: readonly Point[]): string[] {
  const seen = new Set<string>();
  for (const p of points) for (const a of p.attributes) seen.add(a.key);
  return [...seen];
}

function labelValuesOf(attributes: readonly KeyValue[], index: ReadonlyMap<string, number>): OcLabelValue[] {
  const out = Array.from({ length: index.size }, (): OcLabelValue => ({ value: '', hasValue: false }));
  for (const a of attributes) {
    const i = index.get(a.key);
    if (i !== undefined && !out[i]!.hasValue) out[i] = { value: text(a.value), hasValue: true };
  }
  return out;
}

/** Time series by default: consecutive points with the same start and labels share one. */
function groupSeries(points: readonly Point[], keys: readonly string[]): Series[] {
  const index = new Map(keys.map((k, i) => [k, i]));
  const out: Series[] = [];
  let last: (Series & { t: bigint }) | undefined;
  for (const p of points) {
    const labelValues = labelValuesOf(p.attributes, index);
    if (last !== undefined && last.t === p.startTimeUnixNano && sameLabels(last.labelValues, labelValues)) {
      last.count++;
    } else {
      last = { start: timeToOc(p.startTimeUnixNano, false), labelValues, count: 1, t: p.startTimeUnixNano };
      out.push(last);
    }
  }
  return out.map(({ start, labelValues, count }) => ({ start, labelValues, count }));
}

/** The noted time series, if well formed and still in agreement with the points. */
function notedSeries(note: AnyValue | undefined, points: readonly Point[], keys: readonly string[]): Series[] | undefined {
  const entries = kvlistsOf(note);
  if (entries === undefined) return undefined;
  const index = new Map(keys.map((k, i) => [k, i]));
  const out: Series[] = [];
  let n = 0;
  for (const entry of entries) {
    const get = (key: string): AnyValue | undefined => entry.find((e) => e.key === key)?.value;
    const count = get('points');
    const start = get('start');
    const values = stringsOf(get('label_values'));
    const hasValue = arrayOf(get('label_has_value'), (x) => (x.kind === 'bool' ? x.value : undefined));
    if (count?.kind !== 'int' || count.value < 0n || count.value > BigInt(points.length - n)) return undefined;
    if (start !== undefined && start.kind !== 'int') return undefined;
    if (values?.length !== keys.length || hasValue?.length !== keys.length) return undefined;
    const s: Series = {
      start: start?.kind === 'int' ? start.value : undefined,
      labelValues: values.map((value, i) => ({ value, hasValue: hasValue[i]! })),
      count: Number(count.value),
    };
    for (const p of points.slice(n, (n += s.count))) {
      if (p.startTimeUnixNano !== u64(s.start ?? 0n)) return undefined;
      const actual = labelValuesOf(p.attributes, index);
      // A hidden value (an unset label's) is the note's to keep; everything else must match.
      const agree = s.labelValues.every((l, i) => l.hasValue === actual[i]!.hasValue && (!l.hasValue || l.value === actual[i]!.value));
      if (!agree) return undefined;
    }
    out.push(s);
  }
  return n === points.length ? out : undefined;
}

function sameLabels(a: readonly OcLabelValue[], b: readonly OcLabelValue[]): boolean {
  return a.length === b.length && a.every((l, i) => l.value === b[i]!.value && l.hasValue === b[i]!.hasValue);
}

function sameList<X>(a: readonly X[], b: readonly X[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** An attribute value as label text: strings as they are, containers as JSON. */
function text(v: AnyValue): string {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'empty':
      return '';
    case 'bytes':
      return Buffer.from(v.value).toString('base64');
    case 'bool':
    case 'int':
    case 'double':
      return String(v.value);
    default:
      return JSON.stringify(plain(v));
  }
}

function plain(v: AnyValue): unknown {
  switch (v.kind) {
    case 'array':
      return v.value.map(plain);
    case 'kvlist':
      return Object.fromEntries(v.value.map((e) => [e.key, plain(e.value)]));
    case 'bytes':
      return Buffer.from(v.value).toString('base64');
    case 'int':
      return String(v.value);
    case 'empty':
      return null;
    default:
      return v.value;
  }
}

// Readers of notes: undefined (or empty) when a note is not of the expected shape.
function arrayOf<X>(v: AnyValue | undefined, item: (x: AnyValue) => X | undefined): X[] | undefined {
  if (v?.kind !== 'array') return undefined;
  const out: X[] = [];
  for (const x of v.value) {
    const y = item(x);
    if (y === undefined) return undefined;
    out.push(y);
  }
  return out;
}
const stringsOf = (v: AnyValue | undefined): string[] | undefined => arrayOf(v, (x) => (x.kind === 'string' ? x.value : undefined));
const doublesOf = (v: AnyValue | undefined): number[] | undefined => arrayOf(v, (x) => (x.kind === 'double' ? x.value : undefined));
const kvlistsOf = (v: AnyValue | undefined): KeyValue[][] | undefined =>
  arrayOf(v, (x) => (x.kind === 'kvlist' ? [...x.value] : undefined));
/** Non-negative safe integers; [] when malformed, as an index list that names nothing. */
const MAX_INDEX = BigInt(Number.MAX_SAFE_INTEGER);
const intsOf = (v: AnyValue | undefined): number[] =>
  arrayOf(v, (x) => (x.kind === 'int' && x.value >= 0n && x.value <= MAX_INDEX ? Number(x.value) : undefined)) ?? [];
