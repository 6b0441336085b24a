// OpenCensus metrics in protobuf (Metric and everything under it) between
// protobufjs message objects and the plain messages of types.ts. As in
// proto.ts, decoding validates only Timestamps, locating errors by path
// (`metrics[0].timeseries[2].points[1].timestamp: ...`).
import type {
  OcBucket,
  OcDistributionValue,
  OcExemplar,
  OcMetric,
  OcPoint,
  OcPointValue,
  OcSummaryValue,
  OcTimeSeries,
} from './types.js';
import { bigIntToLong, type LongBits } from '../otlp/int64.js';
import { atField, mapAt } from '../decode-error.js';
import {
  dbl,
  entriesFromPb,
  entriesToPb,
  int64FromPb,
  int64ToPb,
  num,
  resourceFromPb,
  resourceToPb,
  str,
  timeFromPb,
  timeToPb,
  type PbEntry,
  type PbResource,
  type PbTimestamp,
} from './proto-common.js';

interface PbExemplar {
  value?: number;
  timestamp?: PbTimestamp | null;
  attachments?: PbEntry<string>[];
}
interface PbDistribution {
  count?: LongBits;
  sum?: number;
  sumOfSquaredDeviation?: number;
  bucketOptions?: { type?: string; explicit?: { bounds?: number[] } | null } | null;
  buckets?: { count?: LongBits; exemplar?: PbExemplar | null }[];
}
interface PbSummary {
  count?: { value?: LongBits } | null;
  sum?: { value?: number } | null;
  snapshot?: {
    count?: { value?: LongBits } | null;
    sum?: { value?: number } | null;
    percentileValues?: { percentile?: number; value?: number }[];
  } | null;
}
interface PbPoint {
  timestamp?: PbTimestamp | null;
  value?: string;
  int64Value?: LongBits;
  doubleValue?: number;
  distributionValue?: PbDistribution | null;
  summaryValue?: PbSummary | null;
}
interface PbTimeSeries {
  startTimestamp?: PbTimestamp | null;
  labelValues?: { value?: string; hasValue?: boolean }[];
  points?: PbPoint[];
}
export interface PbMetric {
  metricDescriptor?: {
    name?: string;
    description?: string;
    unit?: string;
    type?: number;
    labelKeys?: { key?: string; description?: string }[];
  } | null;
  timeseries?: PbTimeSeries[];
  resource?: PbResource | null;
}

// ---- decoding ----

export function metricFromPb(m: PbMetric): OcMetric {
  const d = m.metricDescriptor;
  return {
    metricDescriptor:
      d == null
        ? undefined
        : {
            name: d.name ?? '',
            description: d.description ?? '',
            unit: d.unit ?? '',
            type: d.type ?? 0,
            labelKeys: (d.labelKeys ?? []).map((k) => ({ key: k.key ?? '', description: k.description ?? '' })),
          },
    timeseries: mapAt(m.timeseries ?? [], 'timeseries', timeSeriesFromPb),
    resource: resourceFromPb(m.resource),
  };
}

function timeSeriesFromPb(t: PbTimeSeries): OcTimeSeries {
  const values = t.labelValues ?? [];
  const labelValues = new Array<OcTimeSeries['labelValues'][number]>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    labelValues[i] = { value: v.value ?? '', hasValue: v.hasValue === true };
  }
  return {
    startTimestamp: timeFromPb(t.startTimestamp, 'start_timestamp'),
    labelValues,
    points: mapAt(t.points ?? [], 'points', pointFromPb),
  };
}

function pointFromPb(p: PbPoint): OcPoint {
  return { timestamp: timeFromPb(p.timestamp, 'timestamp'), value: pointValueFromPb(p) };
}

function pointValueFromPb(p: PbPoint): OcPointValue {
  switch (p.value) {
    case 'int64Value':
      return { kind: 'int64', value: int64FromPb(p.int64Value) };
    case 'doubleValue':
      return { kind: 'double', value: p.doubleValue ?? 0 };
    case 'distributionValue':
      return { kind: 'distribution', value: atField('distribution_value', distributionFromPb, p.distributionValue!) };
    case 'summaryValue':
      return { kind: 'summary', value: summaryFromPb(p.summaryValue!) };
    default:
      return { kind: 'unset' };
  }
}

function distributionFromPb(d: PbDistribution): OcDistributionValue {
  const o = d.bucketOptions;
  const bounds = o?.type === 'explicit' ? o.explicit?.bounds : undefined;
  return {
    count: int64FromPb(d.count),
    sum: d.sum ?? 0,
    sumOfSquaredDeviation: d.sumOfSquaredDeviation ?? 0,
    bucketOptions:
      o == null
        ? undefined
        : { explicit: o.type === 'explicit' ? { bounds: bounds === undefined || bounds.length === 0 ? [] : bounds } : undefined },
    buckets: mapAt(
      d.buckets ?? [],
      'buckets',
      (b): OcBucket => ({
        count: int64FromPb(b.count),
        exemplar: b.exemplar == null ? undefined : atField('exemplar', exemplarFromPb, b.exemplar),
      }),
    ),
  };
}

function exemplarFromPb(e: PbExemplar): OcExemplar {
  return { value: e.value ?? 0, timestamp: timeFromPb(e.timestamp, 'timestamp'), attachments: entriesFromPb(e.attachments) };
}

function summaryFromPb(s: PbSummary): OcSummaryValue {
  const snap = s.snapshot;
  return {
    count: s.count == null ? undefined : int64FromPb(s.count.value),
    sum: s.sum == null ? undefined : (s.sum.value ?? 0),
    snapshot:
      snap == null
        ? undefined
        : {
            count: snap.count == null ? undefined : int64FromPb(snap.count.value),
            sum: snap.sum == null ? undefined : (snap.sum.value ?? 0),
            percentileValues: (snap.percentileValues ?? []).map((v) => ({ percentile: v.percentile ?? 0, value: v.value ?? 0 })),
          },
  };
}

// ---- encoding ----

export function metricToPb(m: OcMetric): PbMetric {
  const d = m.metricDescriptor;
  return {
    metricDescriptor: d && {
      name: str(d.name),
      description: str(d.description),
      unit: str(d.unit),
      type: num(d.type),
      labelKeys: d.labelKeys.map((k) => ({ key: str(k.key), description: str(k.description) })),
    },
    timeseries: m.timeseries.map(timeSeriesToPb),
    resource: resourceToPb(m.resource),
  };
}

function timeSeriesToPb(t: OcTimeSeries): PbTimeSeries {
  return {
    startTimestamp: timeToPb(t.startTimestamp),
    labelValues: t.labelValues.map((v) => ({ value: str(v.value), hasValue: v.hasValue || undefined })),
    points: t.points.map(pointToPb),
  };
}

function pointToPb(p: OcPoint): PbPoint {
  const out: PbPoint = { timestamp: timeToPb(p.timestamp) };
  // A oneof member is written even at its default, so that it stays set.
  const v = p.value;
  if (v.kind === 'int64') out.int64Value = bigIntToLong(v.value);
  else if (v.kind === 'double') out.doubleValue = v.value;
  else if (v.kind === 'distribution') out.distributionValue = distributionToPb(v.value);
  else if (v.kind === 'summary') out.summaryValue = summaryToPb(v.value);
  return out;
}

function distributionToPb(d: OcDistributionValue): PbDistribution {
  const o = d.bucketOptions;
  return {
    count: int64ToPb(d.count),
    sum: dbl(d.sum),
    sumOfSquaredDeviation: dbl(d.sumOfSquaredDeviation),
    bucketOptions: o && { explicit: o.explicit && { bounds: o.explicit.bounds } },
    buckets: d.buckets.map((b) => ({ count: int64ToPb(b.count), exemplar: b.exemplar && exemplarToPb(b.exemplar) })),
  };
}

function exemplarToPb(e: OcExemplar): PbExemplar {
  return { value: dbl(e.value), timestamp: timeToPb(e.timestamp), attachments: entriesToPb(e.attachments) };
}

// Wrappers are written when defined, even at their default value.
const int64Wrapper = (v: bigint | undefined): { value?: LongBits } | undefined =>
  v === undefined ? undefined : { value: int64ToPb(v) };
const doubleWrapper = (v: number | undefined): { value?: number } | undefined =>
  v === undefined ? undefined : { value: dbl(v) };

function summaryToPb(s: OcSummaryValue): PbSummary {
  const snap = s.snapshot;
  return {
    count: int64Wrapper(s.count),
    sum: doubleWrapper(s.sum),
    snapshot: snap && {
      count: int64Wrapper(snap.count),
      sum: doubleWrapper(snap.sum),
      percentileValues: snap.percentileValues.map((v) => ({ percentile: dbl(v.percentile), value: dbl(v.value) })),
    },
  };
}
