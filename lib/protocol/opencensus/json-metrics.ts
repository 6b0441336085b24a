// OpenCensus metrics in JSON (Metric and everything under it) <-> the plain
// messages of types.ts. Field names are read in lowerCamelCase or snake_case
// and written in lowerCamelCase; see json-common.ts for the value mapping.
import {
  OcMetricType,
  type OcBucket,
  type OcDistributionValue,
  type OcExemplar,
  type OcMetric,
  type OcPoint,
  type OcPointValue,
  type OcSummaryValue,
  type OcTimeSeries,
} from './types.js';
import {
  bool,
  boolJ,
  double,
  doubleJ,
  doubles,
  doubleToJson,
  enumJ,
  enumOf,
  int64,
  int64J,
  list,
  listJ,
  oneof,
  resourceFromJson,
  resourceToJson,
  str,
  stringMap,
  stringMapToJson,
  strJ,
  sub,
  time,
  timeToJson,
  wrapper,
  type JsonObject,
} from './json-common.js';

// ---- decoding ----

export function metricFromJson(o: JsonObject): OcMetric {
  return {
    metricDescriptor: sub(
      o,
      (d) => ({
        name: str(d, 'name'),
        description: str(d, 'description'),
        unit: str(d, 'unit'),
        type: enumOf(d, OcMetricType, 'type'),
        labelKeys: list(d, (k) => ({ key: str(k, 'key'), description: str(k, 'description') }), 'labelKeys', 'label_keys'),
      }),
      'metricDescriptor',
      'metric_descriptor',
    ),
    timeseries: list(o, timeSeriesFromJson, 'timeseries'),
    resource: sub(o, resourceFromJson, 'resource'),
  };
}

function timeSeriesFromJson(o: JsonObject): OcTimeSeries {
  return {
    startTimestamp: time(o, 'startTimestamp', 'start_timestamp'),
    labelValues: list(o, (v) => ({ value: str(v, 'value'), hasValue: bool(v, 'hasValue', 'has_value') }), 'labelValues', 'label_values'),
    points: list(o, pointFromJson, 'points'),
  };
}

const POINT_VALUE = [
  ['int64Value', 'int64_value'],
  ['doubleValue', 'double_value'],
  ['distributionValue', 'distribution_value'],
  ['summaryValue', 'summary_value'],
] as const;

function pointFromJson(o: JsonObject): OcPoint {
  let value: OcPointValue;
  switch (oneof(o, 'value', POINT_VALUE)) {
    case 0:
      value = { kind: 'int64', value: int64(o, 'int64Value', 'int64_value') };
      break;
    case 1:
      value = { kind: 'double', value: double(o, 'doubleValue', 'double_value') };
      break;
    case 2:
      value = { kind: 'distribution', value: sub(o, distributionFromJson, 'distributionValue', 'distribution_value')! };
      break;
    case 3:
      value = { kind: 'summary', value: sub(o, summaryFromJson, 'summaryValue', 'summary_value')! };
      break;
    default:
      value = { kind: 'unset' };
  }
  return { timestamp: time(o, 'timestamp'), value };
}

function exemplarFromJson(o: JsonObject): OcExemplar {
  return { value: double(o, 'value'), timestamp: time(o, 'timestamp'), attachments: stringMap(o, 'attachments') };
}

function distributionFromJson(o: JsonObject): OcDistributionValue {
  return {
    count: int64(o, 'count'),
    sum: double(o, 'sum'),
    sumOfSquaredDeviation: double(o, 'sumOfSquaredDeviation', 'sum_of_squared_deviation'),
    bucketOptions: sub(
      o,
      (b) => ({
        explicit: sub(b, (e) => ({ bounds: doubles(e, 'bounds') }), 'explicit'),
      }),
      'bucketOptions',
      'bucket_options',
    ),
    buckets: list(
      o,
      (b): OcBucket => ({ count: int64(b, 'count'), exemplar: sub(b, exemplarFromJson, 'exemplar') }),
      'buckets',
    ),
  };
}

function summaryFromJson(o: JsonObject): OcSummaryValue {
  return {
    count: wrapper(o, int64, 'count'),
    sum: wrapper(o, double, 'sum'),
    snapshot: sub(
      o,
      (s) => ({
        count: wrapper(s, int64, 'count'),
        sum: wrapper(s, double, 'sum'),
        percentileValues: list(
          s,
          (p) => ({ percentile: double(p, 'percentile'), value: double(p, 'value') }),
          'percentileValues',
          'percentile_values',
        ),
      }),
      'snapshot',
    ),
  };
}

// ---- encoding (canonical proto3 JSON: lowerCamelCase, defaults left out) ----

export function metricToJson(m: OcMetric): JsonObject {
  const d = m.metricDescriptor;
  return {
    metricDescriptor: d && {
      name: strJ(d.name),
      description: strJ(d.description),
      unit: strJ(d.unit),
      type: enumJ(d.type, OcMetricType),
      labelKeys: listJ(d.labelKeys, (k) => ({ key: strJ(k.key), description: strJ(k.description) })),
    },
    timeseries: listJ(m.timeseries, timeSeriesToJson),
    resource: resourceToJson(m.resource),
  };
}

function timeSeriesToJson(t: OcTimeSeries): JsonObject {
  return {
    startTimestamp: timeToJson(t.startTimestamp),
    labelValues: listJ(t.labelValues, (v) => ({ value: strJ(v.value), hasValue: boolJ(v.hasValue) })),
    points: listJ(t.points, pointToJson),
  };
}

/** A oneof member is written even at its default, so that it stays set. */
function pointToJson(p: OcPoint): JsonObject {
  const v = p.value;
  return {
    timestamp: timeToJson(p.timestamp),
    int64Value: v.kind === 'int64' ? v.value.toString() : undefined,
    doubleValue: v.kind === 'double' ? doubleToJson(v.value) : undefined,
    distributionValue: v.kind === 'distribution' ? distributionToJson(v.value) : undefined,
    summaryValue: v.kind === 'summary' ? summaryToJson(v.value) : undefined,
  };
}

function distributionToJson(d: OcDistributionValue): JsonObject {
  const o = d.bucketOptions;
  return {
    count: int64J(d.count),
    sum: doubleJ(d.sum),
    sumOfSquaredDeviation: doubleJ(d.sumOfSquaredDeviation),
    bucketOptions: o && { explicit: o.explicit && { bounds: listJ(o.explicit.bounds, doubleToJson) } },
    buckets: listJ(d.buckets, (b) => ({ count: int64J(b.count), exemplar: b.exemplar && exemplarToJson(b.exemplar) })),
  };
}

function exemplarToJson(e: OcExemplar): JsonObject {
  return { value: doubleJ(e.value), timestamp: timeToJson(e.timestamp), attachments: stringMapToJson(e.attachments) };
}

// Wrappers are written as their plain value whenever present, defaults included.
const int64Wrapper = (v: bigint | undefined): string | undefined => v?.toString();
const doubleWrapper = (v: number | undefined): number | string | undefined => (v === undefined ? undefined : doubleToJson(v));

function summaryToJson(s: OcSummaryValue): JsonObject {
  const snap = s.snapshot;
  return {
    count: int64Wrapper(s.count),
    sum: doubleWrapper(s.sum),
    snapshot: snap && {
      count: int64Wrapper(snap.count),
      sum: doubleWrapper(snap.sum),
      percentileValues: listJ(snap.percentileValues, (v) => ({ percentile: doubleJ(v.percentile), value: doubleJ(v.value) })),
    },
  };
}
