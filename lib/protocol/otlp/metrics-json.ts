// OTLP/JSON metrics (the body of POST /v1/metrics with application/json) <->
// the model. See json-common.ts for the mapping. Decoding throws only
// InvalidInputError.
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
import {
  array,
  attributesFromJson,
  attributesToJson,
  boolean,
  double,
  doubleToJson,
  enumValue,
  int32,
  int64,
  object,
  optionalId,
  parseJson,
  put,
  putInt64,
  resourceFromJson,
  resourceToJson,
  rootObject,
  scopeFromJson,
  scopeToJson,
  string,
  type JsonObject,
} from './json-common.js';
import { mapLocated } from './located-error.js';

const TEMPORALITIES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

const temporality = (v: unknown): AggregationTemporality =>
  enumValue(v, TEMPORALITIES, 2, 'aggregationTemporality') as AggregationTemporality;

export function decodeMetricsJson(text: string | Uint8Array): Metrics {
  const root = rootObject(parseJson(text));
  return { resourceMetrics: mapLocated(array(root.resourceMetrics, 'resourceMetrics'), 'resource', resourceMetricsFromJson) };
}

function resourceMetricsFromJson(v: unknown): ResourceMetrics {
  const rm = object(v, 'resourceMetrics item') ?? {};
  const scopeMetrics = mapLocated(array(rm.scopeMetrics, 'scopeMetrics'), 'scope', (item): ScopeMetrics => {
    const sm = object(item, 'scopeMetrics item') ?? {};
    const metrics = mapLocated(array(sm.metrics, 'metrics'), 'metric', metricFromJson);
    return { scope: scopeFromJson(sm.scope), metrics, schemaUrl: string(sm.schemaUrl, 'schemaUrl') };
  });
  return { resource: resourceFromJson(rm.resource), scopeMetrics, schemaUrl: string(rm.schemaUrl, 'schemaUrl') };
}

function metricFromJson(v: unknown): Metric {
  const m = object(v, 'metric') ?? {};
  return {
    name: string(m.name, 'name'),
    description: string(m.description, 'description'),
    unit: string(m.unit, 'unit'),
    metadata: attributesFromJson(m.metadata),
    data: dataFromJson(m),
  };
}

function dataFromJson(m: JsonObject): MetricData {
  // The first member of the `data` oneof present wins, in field-number order.
  let d: JsonObject | undefined;
  if ((d = object(m.gauge, 'gauge')) !== undefined) {
    return { kind: 'gauge', dataPoints: points(d.dataPoints, numberPointFromJson) };
  }
  if ((d = object(m.sum, 'sum')) !== undefined) {
    return {
      kind: 'sum',
      dataPoints: points(d.dataPoints, numberPointFromJson),
      aggregationTemporality: temporality(d.aggregationTemporality),
      isMonotonic: boolean(d.isMonotonic, 'isMonotonic'),
    };
  }
  if ((d = object(m.histogram, 'histogram')) !== undefined) {
    return {
      kind: 'histogram',
      dataPoints: points(d.dataPoints, histogramPointFromJson),
      aggregationTemporality: temporality(d.aggregationTemporality),
    };
  }
  if ((d = object(m.exponentialHistogram, 'exponentialHistogram')) !== undefined) {
    return {
      kind: 'exponentialHistogram',
      dataPoints: points(d.dataPoints, expHistogramPointFromJson),
      aggregationTemporality: temporality(d.aggregationTemporality),
    };
  }
  if ((d = object(m.summary, 'summary')) !== undefined) {
    return { kind: 'summary', dataPoints: points(d.dataPoints, summaryPointFromJson) };
  }
  return { kind: 'empty' };
}

function points<T>(v: unknown, convert: (p: JsonObject) => T): T[] {
  return mapLocated(array(v, 'dataPoints'), 'data point', (p) => convert(object(p, 'data point') ?? {}));
}

function numberValue(o: JsonObject): NumberValue | undefined {
  if (o.asInt !== undefined && o.asInt !== null) return { kind: 'int', value: int64(o.asInt, 'asInt', false) };
  if (o.asDouble !== undefined && o.asDouble !== null) return { kind: 'double', value: double(o.asDouble, 'asDouble') };
  return undefined;
}

const optDouble = (v: unknown, what: string): number | undefined =>
  v === undefined || v === null ? undefined : double(v, what);

const u64s = (v: unknown, what: string): bigint[] => array(v, what).map((x) => int64(x, what, true));

function exemplarsFromJson(v: unknown): Exemplar[] {
  return array(v, 'exemplars').map((ev, i) => {
    const e = object(ev, `exemplar ${i}`) ?? {};
    return {
      filteredAttributes: attributesFromJson(e.filteredAttributes),
      timeUnixNano: int64(e.timeUnixNano, `exemplar ${i} timeUnixNano`, true),
      // OTLP allows an exemplar without a value; the model does not: read as 0.
      value: numberValue(e) ?? { kind: 'double', value: 0 },
      spanId: optionalId(e.spanId, 8, `exemplar ${i} span ID`) as SpanId | '',
      traceId: optionalId(e.traceId, 16, `exemplar ${i} trace ID`) as TraceId | '',
    };
  });
}

function baseFromJson(p: JsonObject): Pick<NumberDataPoint, 'attributes' | 'startTimeUnixNano' | 'timeUnixNano' | 'flags'> {
  return {
    attributes: attributesFromJson(p.attributes),
    startTimeUnixNano: int64(p.startTimeUnixNano, 'startTimeUnixNano', true),
    timeUnixNano: int64(p.timeUnixNano, 'timeUnixNano', true),
    flags: int32(p.flags, 'flags', true),
  };
}

function numberPointFromJson(p: JsonObject): NumberDataPoint {
  return { ...baseFromJson(p), value: numberValue(p), exemplars: exemplarsFromJson(p.exemplars) };
}

function histogramPointFromJson(p: JsonObject): HistogramDataPoint {
  return {
    ...baseFromJson(p),
    count: int64(p.count, 'count', true),
    sum: optDouble(p.sum, 'sum'),
    bucketCounts: u64s(p.bucketCounts, 'bucketCounts'),
    explicitBounds: array(p.explicitBounds, 'explicitBounds').map((x) => double(x, 'explicitBounds')),
    exemplars: exemplarsFromJson(p.exemplars),
    min: optDouble(p.min, 'min'),
    max: optDouble(p.max, 'max'),
  };
}

function bucketsFromJson(v: unknown, what: string): ExponentialBuckets {
  const b = object(v, what);
  if (b === undefined) return { offset: 0, bucketCounts: [] };
  return { offset: int32(b.offset, `${what} offset`, false), bucketCounts: u64s(b.bucketCounts, `${what} bucketCounts`) };
}

function expHistogramPointFromJson(p: JsonObject): ExponentialHistogramDataPoint {
  return {
    ...baseFromJson(p),
    count: int64(p.count, 'count', true),
    sum: optDouble(p.sum, 'sum'),
    scale: int32(p.scale, 'scale', false),
    zeroCount: int64(p.zeroCount, 'zeroCount', true),
    positive: bucketsFromJson(p.positive, 'positive'),
    negative: bucketsFromJson(p.negative, 'negative'),
    exemplars: exemplarsFromJson(p.exemplars),
    min: optDouble(p.min, 'min'),
    max: optDouble(p.max, 'max'),
    zeroThreshold: double(p.zeroThreshold, 'zeroThreshold'),
  };
}

function summaryPointFromJson(p: JsonObject): SummaryDataPoint {
  return {
    ...baseFromJson(p),
    count: int64(p.count, 'count', true),
    sum: double(p.sum, 'sum'),
    quantileValues: array(p.quantileValues, 'quantileValues').map((qv) => {
      const q = object(qv, 'quantile value') ?? {};
      return { quantile: double(q.quantile, 'quantile'), value: double(q.value, 'quantile value') };
    }),
  };
}

// ---- encoding ----

export function encodeMetricsJson(m: Metrics): string {
  return JSON.stringify({
    resourceMetrics: m.resourceMetrics.map((rm) => {
      const out: JsonObject = {};
      put(out, 'resource', resourceToJson(rm.resource));
      out.scopeMetrics = rm.scopeMetrics.map((sm) => {
        const o: JsonObject = {};
        put(o, 'scope', scopeToJson(sm.scope));
        o.metrics = sm.metrics.map(metricToJson);
        put(o, 'schemaUrl', sm.schemaUrl);
        return o;
      });
      put(out, 'schemaUrl', rm.schemaUrl);
      return out;
    }),
  });
}

function metricToJson(m: Metric): JsonObject {
  const o: JsonObject = {};
  put(o, 'name', m.name);
  put(o, 'description', m.description);
  put(o, 'unit', m.unit);
  const d = m.data;
  switch (d.kind) {
    case 'gauge':
      o.gauge = { dataPoints: d.dataPoints.map(numberPointToJson) };
      break;
    case 'sum': {
      const s: JsonObject = { dataPoints: d.dataPoints.map(numberPointToJson) };
      put(s, 'aggregationTemporality', d.aggregationTemporality);
      put(s, 'isMonotonic', d.isMonotonic);
      o.sum = s;
      break;
    }
    case 'histogram': {
      const h: JsonObject = { dataPoints: d.dataPoints.map(histogramPointToJson) };
      put(h, 'aggregationTemporality', d.aggregationTemporality);
      o.histogram = h;
      break;
    }
    case 'exponentialHistogram': {
      const h: JsonObject = { dataPoints: d.dataPoints.map(expHistogramPointToJson) };
      put(h, 'aggregationTemporality', d.aggregationTemporality);
      o.exponentialHistogram = h;
      break;
    }
    case 'summary':
      o.summary = { dataPoints: d.dataPoints.map(summaryPointToJson) };
      break;
    case 'empty':
      break;
  }
  put(o, 'metadata', attributesToJson(m.metadata));
  return o;
}

function baseToJson(p: NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint): JsonObject {
  const o: JsonObject = {};
  put(o, 'attributes', attributesToJson(p.attributes));
  putInt64(o, 'startTimeUnixNano', p.startTimeUnixNano);
  putInt64(o, 'timeUnixNano', p.timeUnixNano);
  return o;
}

/** A oneof member is written even when it holds its type's default. */
function putNumberValue(o: JsonObject, v: NumberValue | undefined): void {
  if (v === undefined) return;
  if (v.kind === 'int') o.asInt = v.value.toString();
  else o.asDouble = doubleToJson(v.value);
}

/** proto3 `optional` doubles: written whenever present, even as 0. */
function putOptional(o: JsonObject, key: string, v: number | undefined): void {
  if (v !== undefined) o[key] = doubleToJson(v);
}

function putDouble(o: JsonObject, key: string, v: number): void {
  if (!Object.is(v, 0)) o[key] = doubleToJson(v);
}

function exemplarToJson(e: Exemplar): JsonObject {
  const o: JsonObject = {};
  put(o, 'filteredAttributes', attributesToJson(e.filteredAttributes));
  putInt64(o, 'timeUnixNano', e.timeUnixNano);
  putNumberValue(o, e.value);
  put(o, 'spanId', e.spanId);
  put(o, 'traceId', e.traceId);
  return o;
}

function numberPointToJson(p: NumberDataPoint): JsonObject {
  const o = baseToJson(p);
  putNumberValue(o, p.value);
  put(o, 'exemplars', p.exemplars.map(exemplarToJson));
  put(o, 'flags', p.flags);
  return o;
}

function histogramPointToJson(p: HistogramDataPoint): JsonObject {
  const o = baseToJson(p);
  putInt64(o, 'count', p.count);
  putOptional(o, 'sum', p.sum);
  put(o, 'bucketCounts', p.bucketCounts.map(String));
  put(o, 'explicitBounds', p.explicitBounds.map(doubleToJson));
  put(o, 'exemplars', p.exemplars.map(exemplarToJson));
  put(o, 'flags', p.flags);
  putOptional(o, 'min', p.min);
  putOptional(o, 'max', p.max);
  return o;
}

function bucketsToJson(b: ExponentialBuckets): JsonObject | undefined {
  if (b.offset === 0 && b.bucketCounts.length === 0) return undefined;
  const o: JsonObject = {};
  put(o, 'offset', b.offset);
  put(o, 'bucketCounts', b.bucketCounts.map(String));
  return o;
}

function expHistogramPointToJson(p: ExponentialHistogramDataPoint): JsonObject {
  const o = baseToJson(p);
  putInt64(o, 'count', p.count);
  putOptional(o, 'sum', p.sum);
  put(o, 'scale', p.scale);
  putInt64(o, 'zeroCount', p.zeroCount);
  put(o, 'positive', bucketsToJson(p.positive));
  put(o, 'negative', bucketsToJson(p.negative));
  put(o, 'flags', p.flags);
  put(o, 'exemplars', p.exemplars.map(exemplarToJson));
  putOptional(o, 'min', p.min);
  putOptional(o, 'max', p.max);
  putDouble(o, 'zeroThreshold', p.zeroThreshold);
  return o;
}

function summaryPointToJson(p: SummaryDataPoint): JsonObject {
  const o = baseToJson(p);
  putInt64(o, 'count', p.count);
  putDouble(o, 'sum', p.sum);
  put(
    o,
    'quantileValues',
    p.quantileValues.map((q) => {
      const qo: JsonObject = {};
      putDouble(qo, 'quantile', q.quantile);
      putDouble(qo, 'value', q.value);
      return qo;
    }),
  );
  put(o, 'flags', p.flags);
  return o;
}
