// OpenCensus metrics <-> model: the mapping of each descriptor type, golden
// translations of what real OC libraries send, the promise that OC -> model ->
// OC (and through OTLP protobuf bytes) gives back every valid message, that
// invalid messages fail with InvalidInputError naming the place, and that
// model -> OC degrades OTLP-only data without ever throwing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import type { KeyValue, Metric, MetricData, Metrics, NumberDataPoint, NumberValue } from '../../../../lib/model/index.js';
import { metricsFromOc, metricsToOc, OC_METADATA_KEYS as KEYS } from '../../../../lib/protocol/opencensus/metrics.js';
import {
  OcLanguage,
  OcMetricType as T,
  type OcExportMetricsRequest,
  type OcLabelValue,
  type OcMetric,
  type OcPoint,
  type OcPointValue,
  type OcTimeSeries,
} from '../../../../lib/protocol/opencensus/types.js';
import { decodeMetricsProto, encodeMetricsProto } from '../../../../lib/protocol/otlp/index.js';
import { metricsArb } from '../../../helpers/arbitraries.js';
import { assertGolden } from '../../../helpers/golden.js';
import { ocMetricsRequest } from '../../../helpers/opencensus-arbitraries.js';

const RUNS = 150;
const T0 = 1_700_000_000_000_000_000n; // ns
const T1 = T0 + 10_000_000_000n; // 10 s later

const lv = (value: string): OcLabelValue => ({ value, hasValue: true });
const UNSET: OcLabelValue = { value: '', hasValue: false };
const series = (labelValues: OcLabelValue[], points: OcPoint[], startTimestamp?: bigint): OcTimeSeries => ({
  startTimestamp,
  labelValues,
  points,
});
const at = (value: OcPointValue, timestamp: bigint | undefined = T1): OcPoint => ({ timestamp, value });
const i64 = (value: bigint): OcPointValue => ({ kind: 'int64', value });
const f64 = (value: number): OcPointValue => ({ kind: 'double', value });
function ocMetric(type: number, keys: string[], timeseries: OcTimeSeries[], name = 'm', unit = '1'): OcMetric {
  const labelKeys = keys.map((key) => ({ key, description: '' }));
  return { metricDescriptor: { name, description: '', unit, type, labelKeys }, timeseries, resource: undefined };
}
const request = (...metrics: OcMetric[]): OcExportMetricsRequest => ({ node: undefined, metrics, resource: undefined });
const only = (m: Metrics): Metric => m.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
const metadataKeys = (m: Metric): string[] => m.metadata.map((e) => e.key);
const roundTrip = (r: OcExportMetricsRequest): void => assert.deepStrictEqual(metricsToOc(metricsFromOc(r)), [r]);
function modelOf(data: MetricData): Metrics {
  const scope = { name: 's', version: '', attributes: [], droppedAttributesCount: 0 };
  const metrics = [{ name: 'x', description: '', unit: '', metadata: [], data }];
  const resource = { attributes: [], droppedAttributesCount: 0 };
  return { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics, schemaUrl: '' }], schemaUrl: '' }] };
}
const ocOnly = (m: Metrics): OcMetric => metricsToOc(m)[0]!.metrics[0]!;
const dist = (bounds: number[], counts: bigint[]): OcPointValue => ({
  kind: 'distribution',
  value: {
    count: counts.reduce((a, b) => a + b, 0n),
    sum: 12.5,
    sumOfSquaredDeviation: 0,
    bucketOptions: { explicit: { bounds } },
    buckets: counts.map((count) => ({ count, exemplar: undefined })),
  },
});
const percentileValues = (pairs: [number, number][]) => pairs.map(([percentile, value]) => ({ percentile, value }));
const summary = (count: bigint | undefined, sum: number | undefined, percentiles: [number, number][]): OcPointValue => ({
  kind: 'summary',
  value: { count, sum, snapshot: { count: undefined, sum: undefined, percentileValues: percentileValues(percentiles) } },
});
/** The points of a metric's data, whatever its kind. */
const pointsOf = <P = Record<string, unknown>>(m: Metric): P[] => (m.data.kind === 'empty' ? [] : (m.data.dataPoints as P[]));
const SUM = { kind: 'sum', aggregationTemporality: 2, isMonotonic: true };

describe('OpenCensus metrics: each descriptor type', () => {
  /** `want` is the data without its points. */
  const cases: { type: number; value: OcPointValue; start?: bigint; want: object }[] = [
    { type: T.GAUGE_INT64, value: i64(-7n), want: { kind: 'gauge' } },
    { type: T.GAUGE_DOUBLE, value: f64(0.25), want: { kind: 'gauge' } },
    { type: T.CUMULATIVE_INT64, value: i64(2n ** 62n), start: T0, want: SUM },
    { type: T.CUMULATIVE_DOUBLE, value: f64(1e21), start: T0, want: SUM },
    { type: T.CUMULATIVE_DISTRIBUTION, value: dist([1, 2], [1n, 0n, 3n]), start: T0, want: { kind: 'histogram', aggregationTemporality: 2 } },
    { type: T.GAUGE_DISTRIBUTION, value: dist([], [4n]), want: { kind: 'histogram', aggregationTemporality: 1 } },
    { type: T.SUMMARY, value: summary(10n, 55, [[50, 4], [99, 9.5]]), start: T0, want: { kind: 'summary' } },
  ];
  for (const c of cases) {
    const name = Object.entries(T).find(([, n]) => n === c.type)![0];
    it(`${name} becomes ${JSON.stringify(c.want)} with clean metadata, and comes back`, () => {
      const r = request(ocMetric(c.type, ['k'], [series([lv('v')], [at(c.value)], c.start)]));
      const m = only(metricsFromOc(r));
      const { dataPoints, ...rest } = m.data as Exclude<MetricData, { kind: 'empty' }>;
      assert.deepStrictEqual(rest, c.want);
      assert.equal(dataPoints.length, 1);
      assert.deepStrictEqual(dataPoints[0]!.attributes, [{ key: 'k', value: { kind: 'string', value: 'v' } }]);
      assert.equal(dataPoints[0]!.startTimeUnixNano, c.start ?? 0n);
      assert.deepStrictEqual(m.metadata, []);
      roundTrip(r);
    });
  }

  it('UNSPECIFIED, or no descriptor at all, is a metric without data', () => {
    const noDescriptor: OcMetric = { metricDescriptor: undefined, timeseries: [], resource: undefined };
    const m = metricsFromOc(request(ocMetric(T.UNSPECIFIED, [], []), noDescriptor)).resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    assert.deepStrictEqual(m.map((x) => x.data), [{ kind: 'empty' }, { kind: 'empty' }]);
    assert.deepStrictEqual(m.map(metadataKeys), [[], [KEYS.noDescriptor]]);
    roundTrip(request(ocMetric(T.UNSPECIFIED, [], []), noDescriptor));
  });

  it('keeps int and double apart, and notes the type only when no point tells it', () => {
    assert.deepStrictEqual(metadataKeys(only(metricsFromOc(request(ocMetric(T.GAUGE_INT64, [], []))))), []);
    const empty = only(metricsFromOc(request(ocMetric(T.CUMULATIVE_DOUBLE, [], [series([], [], T0)]))));
    assert.deepStrictEqual(empty.metadata[0], { key: KEYS.type, value: { kind: 'string', value: 'CUMULATIVE_DOUBLE' } });
    roundTrip(request(ocMetric(T.CUMULATIVE_DOUBLE, [], [series([], [], T0)])));
    roundTrip(request(ocMetric(T.GAUGE_DOUBLE, [], [series([], [at({ kind: 'unset' })])])));
  });
});

describe('OpenCensus metrics: labels, time series and what OTLP has no field for', () => {
  it('writes a label with a value, even empty, and leaves out one without', () => {
    const r = request(ocMetric(T.GAUGE_INT64, ['a', 'b', 'c'], [series([lv(''), UNSET, lv('x')], [at(i64(1n))])]));
    assert.deepStrictEqual(pointsOf(only(metricsFromOc(r)))[0]!.attributes, [
      { key: 'a', value: { kind: 'string', value: '' } },
      { key: 'c', value: { kind: 'string', value: 'x' } },
    ]);
    assert.deepStrictEqual(metadataKeys(only(metricsFromOc(r))), [KEYS.labelKeys]); // "b" is never set
    roundTrip(r);
  });

  it('gives every point its time series start, and groups consecutive points back', () => {
    const r = request(
      ocMetric(T.CUMULATIVE_INT64, ['k'], [
        series([lv('1')], [at(i64(1n), T0 + 1n), at(i64(2n))], T0),
        series([lv('2')], [at(i64(5n))], T0),
      ]),
    );
    const m = only(metricsFromOc(r));
    assert.deepStrictEqual(pointsOf(m).map((p) => p.startTimeUnixNano), [T0, T0, T0]);
    assert.deepStrictEqual(m.metadata, []);
    roundTrip(r);
  });

  it('notes label key order and descriptions, empty and split series, and present zero times', () => {
    const m = ocMetric(T.GAUGE_INT64, ['b', 'a'], [series([lv('1'), lv('2')], []), series([lv('1'), lv('2')], [at(i64(1n), 0n)], 0n)]);
    m.metricDescriptor!.labelKeys[0]!.description = 'the b';
    const r = request(m);
    const want = [KEYS.labelKeyDescriptions, KEYS.timeseries, KEYS.zeroPointTimestamps];
    assert.deepStrictEqual(metadataKeys(only(metricsFromOc(r))), want);
    roundTrip(r);
    roundTrip(request(ocMetric(T.GAUGE_INT64, ['k'], [series([lv('1')], [at(i64(1n))]), series([lv('1')], [at(i64(2n))])])));
    roundTrip(request(ocMetric(T.GAUGE_INT64, ['k'], [series([{ value: 'hidden', hasValue: false }], [at(i64(1n))])])));
  });

  it('keeps distribution details: exemplars, their buckets, sum of squared deviation, bucket options', () => {
    const exemplar = { value: 3, timestamp: T1, attachments: [{ key: 'SpanContext', value: 'opaque' }] };
    const value: OcPointValue = {
      kind: 'distribution',
      value: {
        count: 2n,
        sum: 4,
        sumOfSquaredDeviation: 2,
        bucketOptions: { explicit: { bounds: [1, 5] } },
        buckets: [{ count: 1n, exemplar: undefined }, { count: 1n, exemplar }, { count: 0n, exemplar: undefined }],
      },
    };
    const r = request(ocMetric(T.CUMULATIVE_DISTRIBUTION, [], [series([], [at(value)], T0)]));
    const m = only(metricsFromOc(r));
    const p = pointsOf(m)[0]!;
    assert.deepStrictEqual([p.bucketCounts, p.explicitBounds], [[1n, 1n, 0n], [1, 5]]);
    const attachment = { key: 'SpanContext', value: { kind: 'string', value: 'opaque' } };
    const value3 = { kind: 'double', value: 3 };
    assert.deepStrictEqual(p.exemplars, [{ filteredAttributes: [attachment], timeUnixNano: T1, value: value3, spanId: '', traceId: '' }]);
    assert.deepStrictEqual(metadataKeys(m), [KEYS.sumOfSquaredDeviations]); // the exemplar sits in its own bucket
    roundTrip(r);
    // Move the exemplar to [-inf, 1), where its value does not fall: noted.
    if (value.kind === 'distribution') value.value.buckets.push(value.value.buckets.shift()!);
    assert.deepStrictEqual(metadataKeys(only(metricsFromOc(r))), [KEYS.sumOfSquaredDeviations, KEYS.exemplarBuckets]);
    roundTrip(r);
    const noBuckets = (bucketOptions: { explicit: undefined } | undefined): OcPointValue => ({
      kind: 'distribution',
      value: { count: 3n, sum: 1, sumOfSquaredDeviation: 0, bucketOptions, buckets: [] },
    });
    roundTrip(request(ocMetric(T.GAUGE_DISTRIBUTION, [], [series([], [at(noBuckets(undefined)), at(noBuckets({ explicit: undefined }))])])));
  });

  it('maps percentiles to quantiles and back exactly, noting those that * 100 would not give back', () => {
    const points = [at(summary(3n, 1.5, [[50, 1], [99.9, 2]])), at(summary(1n, 0, [[7, 3]]))];
    const r = request(ocMetric(T.SUMMARY, [], [series([], points, T0)]));
    const m = only(metricsFromOc(r));
    const quantiles = pointsOf<{ quantileValues: { quantile: number }[] }>(m).map((p) => p.quantileValues.map((q) => q.quantile));
    assert.deepStrictEqual(quantiles, [[0.5, 99.9 / 100], [0.07]]);
    assert.deepStrictEqual(metadataKeys(m), [KEYS.summaries]); // 0.07 * 100 is 7.000000000000001
    roundTrip(r);
    const absent: OcPointValue = { kind: 'summary', value: { count: undefined, sum: undefined, snapshot: undefined } };
    const snapshot = { count: 4n, sum: -0, percentileValues: [] };
    const partial: OcPointValue = { kind: 'summary', value: { count: 0n, sum: 0, snapshot } };
    roundTrip(request(ocMetric(T.SUMMARY, [], [series([], [at(absent), at(partial)])])));
  });

  it('puts each metric with its own resource in a ResourceMetrics of its own, after the shared one', () => {
    const resource = { type: 'host', labels: [{ key: 'host.name', value: 'a' }] };
    const own = { ...ocMetric(T.GAUGE_INT64, [], []), resource };
    const r = { node: undefined, metrics: [own, ocMetric(T.GAUGE_DOUBLE, [], [], 'shared')], resource: undefined };
    const m = metricsFromOc(r);
    assert.deepStrictEqual(m.resourceMetrics.map((rm) => rm.scopeMetrics[0]!.metrics.map((x) => x.name)), [['shared'], ['m']]);
    assert.deepStrictEqual(metricsToOc(m).map((q) => q.resource), [undefined, resource]);
    assert.equal(metricsFromOc(request()).resourceMetrics.length, 1, 'an empty request keeps its resource');
  });
});

describe('OpenCensus metrics: invalid input', () => {
  const points = (type: number, ...values: OcPointValue[]): OcMetric => ocMetric(type, [], [series([], values.map((v) => at(v)))]);
  const cases: [string, OcMetric, string][] = [
    [
      'fewer label values than keys',
      ocMetric(T.GAUGE_INT64, ['a', 'b'], [series([lv('1')], [])]),
      'metrics[1].timeseries[0]: 1 label values for 2 label keys',
    ],
    [
      'a point of the wrong kind',
      points(T.CUMULATIVE_DOUBLE, f64(1), f64(1), i64(1n)),
      'metrics[1].timeseries[0].points[2]: int64 value in a CUMULATIVE_DOUBLE metric',
    ],
    [
      'no value in a distribution',
      points(T.GAUGE_DISTRIBUTION, { kind: 'unset' }),
      'metrics[1].timeseries[0].points[0]: no value in a GAUGE_DISTRIBUTION metric',
    ],
    [
      'a point in an UNSPECIFIED metric',
      points(T.UNSPECIFIED, f64(1)),
      'metrics[1].timeseries[0].points[0]: double value in a metric without a type',
    ],
    [
      'buckets not bounds + 1',
      points(T.CUMULATIVE_DISTRIBUTION, dist([1, 2], [1n, 2n])),
      'metrics[1].timeseries[0].points[0]: 2 buckets for 2 bounds (want 3)',
    ],
    ['an unknown type', ocMetric(8, [], []), 'metrics[1].metric_descriptor: unknown type 8'],
    ['a repeated label key', ocMetric(T.GAUGE_INT64, ['a', 'a'], []), 'metrics[1].metric_descriptor.label_keys[1]: duplicate label key "a"'],
    [
      'a time beyond int64',
      ocMetric(T.GAUGE_INT64, [], [series([], [at(i64(1n), 2n ** 63n)])]),
      'metrics[1].timeseries[0].points[0]: timestamp 9223372036854775808 ns does not fit in int64',
    ],
  ];
  for (const [what, bad, message] of cases) {
    it(`rejects ${what}, saying where`, () => {
      assert.throws(() => metricsFromOc(request(ocMetric(T.GAUGE_INT64, [], []), bad)), { name: 'InvalidInputError', message });
    });
  }
});

describe('OpenCensus metrics: model -> OC for what only OTLP has', () => {
  const int = (value: bigint) => ({ kind: 'int', value }) as const;
  const double = (value: number) => ({ kind: 'double', value }) as const;
  const num = (value: NumberValue | undefined, attributes: KeyValue[] = []): NumberDataPoint => ({
    attributes,
    startTimeUnixNano: T0,
    timeUnixNano: T1,
    flags: 1,
    value,
    exemplars: [],
  });

  it('sends sums that are not monotonic and cumulative as gauges, mixed values as doubles', () => {
    const types = (
      [
        { isMonotonic: false, aggregationTemporality: 2 },
        { isMonotonic: true, aggregationTemporality: 1 },
      ] as const
    ).map((s) => ocOnly(modelOf({ kind: 'sum', ...s, dataPoints: [num(int(1n))] })).metricDescriptor!.type);
    assert.deepStrictEqual(types, [T.GAUGE_INT64, T.GAUGE_INT64]);
    const mixed = ocOnly(modelOf({ kind: 'gauge', dataPoints: [num(int(3n)), num(double(0.5)), num(undefined)] }));
    assert.equal(mixed.metricDescriptor!.type, T.GAUGE_DOUBLE);
    assert.deepStrictEqual(mixed.timeseries[0]!.points.map((p) => p.value), [f64(3), f64(0.5), { kind: 'unset' }]);
  });

  it('turns attributes into labels: keys in first-seen order, values as text', () => {
    const bytes = { kind: 'bytes', value: new Uint8Array([1, 2]) } as const;
    const dataPoints = [num(undefined, [{ key: 'n', value: int(5n) }]), num(undefined, [{ key: 'b', value: bytes }])];
    const oc = ocOnly(modelOf({ kind: 'gauge', dataPoints }));
    assert.deepStrictEqual(oc.metricDescriptor!.labelKeys.map((k) => k.key), ['n', 'b']);
    assert.deepStrictEqual(oc.timeseries.map((s) => s.labelValues), [[lv('5'), UNSET], [UNSET, lv('AQI=')]]);
  });

  it('sends an exponential histogram as explicit bounds ±base^index', () => {
    const p = {
      ...num(undefined),
      count: 10n,
      sum: 3,
      scale: 0, // base 2
      zeroCount: 4n,
      zeroThreshold: 0,
      positive: { offset: 0, bucketCounts: [1n, 2n] }, // (1, 2], (2, 4]
      negative: { offset: 0, bucketCounts: [3n] }, // [-2, -1)
      min: -1.5,
      max: 3.5,
    };
    const oc = ocOnly(modelOf({ kind: 'exponentialHistogram', aggregationTemporality: 1, dataPoints: [p] }));
    assert.equal(oc.metricDescriptor!.type, T.GAUGE_DISTRIBUTION);
    const d = oc.timeseries[0]!.points[0]!.value;
    assert.ok(d.kind === 'distribution');
    assert.deepStrictEqual(d.value.bucketOptions, { explicit: { bounds: [-1, 1, 2] } });
    assert.deepStrictEqual(d.value.buckets.map((b) => b.count), [3n, 4n, 1n, 2n]);
  });

  it('ignores notes that no longer agree with the data (say, attributes changed by a processor)', () => {
    const r = request(ocMetric(T.GAUGE_INT64, ['k'], [series([lv('1')], []), series([lv('1')], [at(i64(1n))])]));
    const m = metricsFromOc(r);
    const point = pointsOf<{ attributes: KeyValue[] }>(only(m))[0]!;
    point.attributes = [{ key: 'k', value: { kind: 'string', value: 'renamed' } }];
    assert.deepStrictEqual(ocOnly(m).timeseries.map((s) => s.labelValues), [[lv('renamed')]]);
  });

  it('never throws on any model, and what it makes translates back to the same OC (property)', () => {
    fc.assert(
      fc.property(metricsArb, (m) => {
        for (const r of metricsToOc(m)) roundTrip(r);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('OpenCensus metrics: round trips (property)', () => {
  const withoutOwnResources = ocMetricsRequest().map((r) => ({
    ...r,
    metrics: r.metrics.map((m) => ({ ...m, resource: undefined })),
  }));

  it('OC -> model -> OC gives back every valid request whose metrics have no resource of their own', () => {
    fc.assert(fc.property(withoutOwnResources, roundTrip), { numRuns: RUNS });
  });

  it('keeps each metric with its effective resource when metrics have their own', () => {
    fc.assert(
      fc.property(ocMetricsRequest(), (r) => {
        const back = metricsToOc(metricsFromOc(r));
        const shared = r.metrics.filter((m) => m.resource === undefined);
        const own = r.metrics.filter((m) => m.resource !== undefined);
        const want = [
          ...(shared.length > 0 || own.length === 0 ? [{ node: r.node, resource: r.resource, metrics: shared }] : []),
          ...own.map((m) => ({ node: r.node, resource: m.resource, metrics: [{ ...m, resource: undefined }] })),
        ];
        assert.deepStrictEqual(back, want);
      }),
      { numRuns: RUNS },
    );
  });

  it('OC -> model -> OTLP protobuf bytes -> model -> OC gives back the request', () => {
    fc.assert(
      fc.property(withoutOwnResources, (r) => {
        assert.deepStrictEqual(metricsToOc(decodeMetricsProto(encodeMetricsProto(metricsFromOc(r)))), [r]);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a request with one fault with InvalidInputError naming the metric', () => {
    const unset = (m: OcMetric): OcLabelValue[] => m.metricDescriptor!.labelKeys.map(() => UNSET);
    const wrongKind = (m: OcMetric): OcPointValue => (m.metricDescriptor!.type === T.SUMMARY ? f64(1) : summary(1n, 1, []));
    const faults: ((m: OcMetric) => OcMetric)[] = [
      (m) => ({ ...m, metricDescriptor: { ...m.metricDescriptor!, type: 9 } }),
      (m) => ({ ...m, timeseries: [...m.timeseries, series([...unset(m), UNSET], [])] }),
      (m) => ({ ...m, timeseries: [...m.timeseries, series(unset(m), [at(wrongKind(m))])] }),
      (m) => ({
        ...m,
        metricDescriptor: { ...m.metricDescriptor!, type: T.CUMULATIVE_DISTRIBUTION },
        timeseries: [series(unset(m), [at(dist([1], [1n]))])],
      }),
    ];
    const arb = fc.tuple(ocMetricsRequest().filter((r) => r.metrics.length > 0), fc.nat(), fc.nat(faults.length - 1));
    fc.assert(
      fc.property(arb, ([r, i, f]) => {
        const index = i % r.metrics.length;
        const metrics = r.metrics.map((m, j) => (j === index ? faults[f]!(m) : m));
        const named = (err: unknown): boolean => err instanceof InvalidInputError && err.message.startsWith(`metrics[${index}]`);
        assert.throws(() => metricsFromOc({ ...r, metrics }), named);
      }),
      { numRuns: RUNS },
    );
  });

  it('on loosely made messages either throws InvalidInputError or round-trips exactly', () => {
    fc.assert(
      fc.property(looseRequest, (r) => {
        let model: Metrics;
        try {
          model = metricsFromOc(r);
        } catch (err) {
          assert.ok(err instanceof InvalidInputError, String(err));
          return;
        }
        assert.deepStrictEqual(metricsToOc(decodeMetricsProto(encodeMetricsProto(model))), [r]);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

// Wider than the shared arbitraries, and mostly valid, so that most runs get
// through: any type number, repeated label keys, label values of any count
// with hidden values, negative and out-of-range times, points of any kind,
// bucket options of every shape with any bucket count, summaries of any shape.
/** Records with Object.prototype, as the decoders make. */
function rec<R>(model: { [K in keyof R]: fc.Arbitrary<R[K]> }): fc.Arbitrary<R> {
  return fc.record(model, { noNullPrototype: true });
}
const maybe = <X>(arb: fc.Arbitrary<X>): fc.Arbitrary<X | undefined> => fc.option(arb, { nil: undefined });
/** Mostly `usual`, sometimes `odd`. */
const mostly = <X>(usual: fc.Arbitrary<X>, odd: fc.Arbitrary<X>): fc.Arbitrary<X> =>
  fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: odd, weight: 1 });
const loose = {
  time: maybe(mostly(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(0n, -1n, 2n ** 63n))),
  text: fc.constantFrom('', 'a', 'b', 'c'),
  double: fc.double(),
  int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
};
const looseExemplar = rec({
  value: loose.double,
  timestamp: loose.time,
  attachments: fc.array(rec({ key: loose.text, value: loose.text }), { maxLength: 2 }),
});
const looseBucketOptions = maybe(rec({ explicit: maybe(rec({ bounds: fc.array(loose.double, { maxLength: 2 }) })) }));
const looseDistribution: fc.Arbitrary<OcPointValue> = looseBucketOptions
  .chain((bucketOptions) => {
    const n = bucketOptions?.explicit === undefined ? 0 : bucketOptions.explicit.bounds.length + 1;
    const bucket = rec({ count: loose.int64, exemplar: maybe(looseExemplar) });
    return rec({
      count: loose.int64,
      sum: loose.double,
      sumOfSquaredDeviation: loose.double,
      bucketOptions: fc.constant(bucketOptions),
      buckets: mostly(fc.array(bucket, { minLength: n, maxLength: n }), fc.array(bucket, { maxLength: 3 })),
    });
  })
  .map((value): OcPointValue => ({ kind: 'distribution', value }));
const looseSummary: fc.Arbitrary<OcPointValue> = rec({
  count: maybe(loose.int64),
  sum: maybe(loose.double),
  snapshot: maybe(
    rec({
      count: maybe(loose.int64),
      sum: maybe(loose.double),
      percentileValues: fc.array(rec({ percentile: fc.oneof(fc.constantFrom(7, 50, 99.9), loose.double), value: loose.double }), {
        maxLength: 2,
      }),
    }),
  ),
}).map((value): OcPointValue => ({ kind: 'summary', value }));
const looseValues = {
  unset: fc.constant<OcPointValue>({ kind: 'unset' }),
  int64: loose.int64.map(i64),
  double: loose.double.map(f64),
  distribution: looseDistribution,
  summary: looseSummary,
};
const anyValue = fc.oneof(...Object.values(looseValues));
function loosePoint(type: number): fc.Arbitrary<OcPointValue> {
  const { int64, double, distribution, summary, unset } = looseValues;
  const fitting = [[], [int64, unset], [double, unset], [distribution], [int64, unset], [double, unset], [distribution], [summary]][type];
  return fitting === undefined || fitting.length === 0 ? anyValue : mostly(fc.oneof(...fitting), anyValue);
}
const looseMetric: fc.Arbitrary<OcMetric> = rec({
  name: loose.text,
  description: loose.text,
  unit: loose.text,
  type: mostly(fc.integer({ min: 1, max: 7 }), fc.constantFrom(0, 8, 99)),
  labelKeys: fc.array(rec({ key: loose.text, description: mostly(fc.constant(''), loose.text) }), { maxLength: 2 }),
}).chain((d) => {
  const n = d.labelKeys.length;
  const labelValue = rec({ value: loose.text, hasValue: fc.boolean() });
  return rec({
    metricDescriptor: mostly(fc.constant(d), fc.constant(undefined)),
    timeseries: fc.array(
      rec({
        startTimestamp: loose.time,
        labelValues: mostly(fc.array(labelValue, { minLength: n, maxLength: n }), fc.array(labelValue, { maxLength: 3 })),
        points: fc.array(rec({ timestamp: loose.time, value: loosePoint(d.type) }), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    ),
    resource: fc.constant(undefined),
  });
});
const looseRequest: fc.Arbitrary<OcExportMetricsRequest> = rec({
  node: fc.constant(undefined),
  metrics: fc.array(looseMetric, { maxLength: 2 }),
  resource: fc.constant(undefined),
});

// ---- golden: what real OpenCensus libraries send ----

/** The model as stable JSON; resources are left to resource.ts's own tests. */
function render(m: Metrics): string {
  const body = m.resourceMetrics.map((rm) => ({ scopeMetrics: rm.scopeMetrics }));
  const stable = (_key: string, v: unknown): unknown =>
    typeof v === 'bigint' ? v.toString() : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  const json = JSON.stringify(body, stable, 2);
  return `${json}\n`;
}

const node = (language: number, hostName: string, service: string) => ({
  identifier: { hostName, pid: 4242, startTimestamp: T0 - 3_600_000_000_000n },
  libraryInfo: { language, exporterVersion: '0.1.11', coreLibraryVersion: '0.23.0' },
  serviceInfo: { name: service },
  attributes: [],
});

/** go.opencensus.io views (count, sum, last value, distribution with an exemplar) through the ocagent exporter. */
function goRequest(): OcExportMetricsRequest {
  const exemplar = {
    value: 31.7,
    timestamp: T1 - 2_000_000_000n,
    attachments: [{ key: 'SpanContext', value: '{4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 1}' }],
  };
  const latency: OcPointValue = {
    kind: 'distribution',
    value: {
      count: 9n,
      sum: 171.2,
      sumOfSquaredDeviation: 2210.5,
      bucketOptions: { explicit: { bounds: [0, 5, 10, 25, 50, 100] } },
      buckets: [0n, 2n, 3n, 1n, 2n, 1n, 0n].map((count, i) => ({ count, exemplar: i === 4 ? exemplar : undefined })),
    },
  };
  const method = ['grpc_server_method', 'grpc_server_status'];
  return {
    node: node(OcLanguage.GO_LANG, 'checkout-7d9f', 'checkout'),
    resource: { type: 'k8s', labels: [{ key: 'k8s.pod.name', value: 'checkout-7d9f' }] },
    metrics: [
      ocMetric(T.CUMULATIVE_INT64, method, [
        series([lv('shop.Checkout/Pay'), lv('OK')], [at(i64(120n))], T0),
        series([lv('shop.Checkout/Pay'), lv('UNAVAILABLE')], [at(i64(3n))], T0),
      ], 'grpc.io/server/completed_rpcs'),
      ocMetric(T.CUMULATIVE_DOUBLE, ['currency'], [series([lv('EUR')], [at(f64(10412.5))], T0)], 'checkout/amount_total', 'EUR'),
      ocMetric(T.GAUGE_INT64, [], [series([], [at(i64(17n))])], 'checkout/queue_length'),
      ocMetric(
        T.CUMULATIVE_DISTRIBUTION,
        ['grpc_server_method'],
        [series([lv('shop.Checkout/Pay')], [at(latency)], T0)],
        'grpc.io/server/server_latency',
        'ms',
      ),
    ],
  };
}

/** opencensus-python's ocagent stats exporter: a latency distribution (one tag unset) and a gauge. */
function pythonRequest(): OcExportMetricsRequest {
  return {
    node: node(OcLanguage.PYTHON, 'web-1', 'storefront'),
    resource: undefined,
    metrics: [
      ocMetric(
        T.CUMULATIVE_DISTRIBUTION,
        ['http_method', 'http_route'],
        [series([lv('GET'), UNSET], [at(dist([0, 25, 50, 100, 200, 400], [0n, 40n, 12n, 5n, 1n, 0n, 0n]))], T0)],
        'http/server/latency',
        'ms',
      ),
      ocMetric(T.GAUGE_DOUBLE, [], [series([], [at(f64(37.5))])], 'process/cpu_percent', '%'),
    ],
  };
}

/** opencensus-java runtime and Dropwizard metrics: gauges and a summary without a sum. */
function javaRequest(): OcExportMetricsRequest {
  const gc = summary(412n, undefined, [[50, 4.1], [75, 6], [95, 18.2], [98, 25], [99, 31.9], [99.9, 60.3]]);
  return {
    node: node(OcLanguage.JAVA, 'orders-0', 'orders'),
    resource: { type: 'host', labels: [{ key: 'host.name', value: 'orders-0' }] },
    metrics: [
      ocMetric(
        T.GAUGE_INT64,
        ['area'],
        [series([lv('heap')], [at(i64(268_435_456n))]), series([lv('nonheap')], [at(i64(91_226_112n))])],
        'jvm_memory_bytes_used',
        'By',
      ),
      ocMetric(T.GAUGE_INT64, [], [series([], [at(i64(42n))])], 'jvm_threads_live', '1'),
      ocMetric(T.SUMMARY, ['gc'], [series([lv('G1 Young Generation')], [at(gc)], T0)], 'jvm_gc_pause', 'ms'),
    ],
  };
}

describe('OpenCensus metrics: golden translations of real libraries', () => {
  for (const [name, make] of [['go', goRequest], ['python', pythonRequest], ['java', javaRequest]] as const) {
    it(`translates a ${name} request as the golden file says, and back exactly`, (t) => {
      const model = metricsFromOc(make());
      assertGolden(t, `opencensus/metrics-${name}.json`, render(model));
      assert.deepStrictEqual(metricsToOc(model), [make()]);
    });
  }
});
