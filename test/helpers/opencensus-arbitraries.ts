// fast-check arbitraries for valid OpenCensus agent messages (types.ts): what
// every OC decoder must be able to produce, every encoder to carry unchanged,
// and the translation to take. Valid means: trace IDs of 16 bytes and span IDs
// of 8 (not all zeros; a parent is empty or 8 bytes), known enum numbers, times
// in [0, 2^63) ns, unique map keys, as many label values as the descriptor has
// label keys, point values of the kind the descriptor's type says, explicit
// distributions with one bucket more than bounds. Doubles are finite, except
// NaN where a measurement may be one (attribute and point values). Sizes are
// small so that a few hundred runs finish in seconds.
import fc from 'fast-check';
import type {
  OcAttributes,
  OcAttributeValue,
  OcBucket,
  OcDistributionValue,
  OcExportMetricsRequest,
  OcExportTraceRequest,
  OcLibraryConfig,
  OcLink,
  OcMetric,
  OcMetricDescriptor,
  OcNode,
  OcPointValue,
  OcResource,
  OcSampler,
  OcSpan,
  OcStackFrame,
  OcStringEntry,
  OcSummaryValue,
  OcTimeEvent,
  OcTimeSeries,
  OcTracestate,
  OcTruncatableString,
} from '../../lib/protocol/opencensus/types.js';
import { textArb } from './arbitraries.js';

/** Records with Object.prototype, like the decoders' output (fast-check also makes null-prototype ones). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}
const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

const nonZero = (b: Uint8Array): boolean => b.some((x) => x !== 0);
const traceIdArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).filter(nonZero);
const spanIdArb = fc.uint8Array({ minLength: 8, maxLength: 8 }).filter(nonZero);

const countArb = fc.integer({ min: 0, max: 0x7fff_ffff }); // int32 counts, never negative
const uint32Arb = fc.integer({ min: 0, max: 0xffff_ffff });
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const int64Arb = fc.oneof(fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n), fc.bigInt({ min: INT64_MIN, max: INT64_MAX }));
const nonNegInt64Arb = fc.oneof(fc.constantFrom(0n, INT64_MAX), fc.bigInt({ min: 0n, max: INT64_MAX }));
const uint64Arb = fc.oneof(fc.constantFrom(0n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
/** Nanoseconds since the epoch: 0 (a present, empty Timestamp), the extremes, and anything between. */
const timeArb = fc.oneof(fc.constantFrom(0n, 1n, INT64_MAX), fc.bigInt({ min: 0n, max: INT64_MAX }));
const finiteArb = fc.double({ noNaN: true, noDefaultInfinity: true });
const measurementArb = fc.oneof(finiteArb, fc.constant(NaN));
const nonNegFiniteArb = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true });

const entriesArb: fc.Arbitrary<OcStringEntry[]> = fc.uniqueArray(rec<OcStringEntry>({ key: textArb, value: textArb }), {
  selector: (e) => e.key,
  maxLength: 3,
});
const truncArb: fc.Arbitrary<OcTruncatableString> = rec({ value: textArb, truncatedByteCount: countArb });

export function ocNode(): fc.Arbitrary<OcNode> {
  return rec({
    identifier: opt(rec({ hostName: textArb, pid: uint32Arb, startTimestamp: opt(timeArb) })),
    libraryInfo: opt(rec({ language: fc.integer({ min: 0, max: 10 }), exporterVersion: textArb, coreLibraryVersion: textArb })),
    serviceInfo: opt(rec({ name: textArb })),
    attributes: entriesArb,
  });
}

export function ocResource(): fc.Arbitrary<OcResource> {
  return rec({ type: textArb, labels: entriesArb });
}

// ---- traces ----

const attributeValueArb: fc.Arbitrary<OcAttributeValue> = fc.oneof(
  truncArb.map((value): OcAttributeValue => ({ kind: 'string', value })),
  int64Arb.map((value): OcAttributeValue => ({ kind: 'int', value })),
  fc.boolean().map((value): OcAttributeValue => ({ kind: 'bool', value })),
  measurementArb.map((value): OcAttributeValue => ({ kind: 'double', value })),
  fc.constant<OcAttributeValue>({ kind: 'unset' }),
);
const attributesArb: fc.Arbitrary<OcAttributes> = rec({
  attributeMap: fc.uniqueArray(rec({ key: textArb, value: attributeValueArb }), { selector: (e) => e.key, maxLength: 3 }),
  droppedAttributesCount: countArb,
});
const tracestateArb: fc.Arbitrary<OcTracestate> = rec({ entries: entriesArb });

const stackFrameArb: fc.Arbitrary<OcStackFrame> = rec({
  functionName: opt(truncArb),
  originalFunctionName: opt(truncArb),
  fileName: opt(truncArb),
  lineNumber: nonNegInt64Arb,
  columnNumber: nonNegInt64Arb,
  loadModule: opt(rec({ module: opt(truncArb), buildId: opt(truncArb) })),
  sourceVersion: opt(truncArb),
});

/** Exactly one of annotation and message event, as the oneof requires. */
const timeEventArb: fc.Arbitrary<OcTimeEvent> = fc.oneof(
  rec({
    time: opt(timeArb),
    annotation: rec({ description: opt(truncArb), attributes: opt(attributesArb) }),
    messageEvent: fc.constant(undefined),
  }),
  rec({
    time: opt(timeArb),
    annotation: fc.constant(undefined),
    messageEvent: rec({ type: fc.constantFrom(0, 1, 2), id: uint64Arb, uncompressedSize: uint64Arb, compressedSize: uint64Arb }),
  }),
);

const linkArb: fc.Arbitrary<OcLink> = rec({
  traceId: traceIdArb,
  spanId: spanIdArb,
  type: fc.constantFrom(0, 1, 2),
  attributes: opt(attributesArb),
  tracestate: opt(tracestateArb),
});

export function ocSpan(traceIds: fc.Arbitrary<Uint8Array> = traceIdArb): fc.Arbitrary<OcSpan> {
  return rec({
    traceId: traceIds,
    spanId: spanIdArb,
    tracestate: opt(tracestateArb),
    parentSpanId: fc.oneof(fc.constant(new Uint8Array(0)), spanIdArb),
    name: opt(truncArb),
    kind: fc.constantFrom(0, 1, 2),
    startTime: opt(timeArb),
    endTime: opt(timeArb),
    attributes: opt(attributesArb),
    stackTrace: opt(
      rec({
        stackFrames: opt(rec({ frame: fc.array(stackFrameArb, { maxLength: 2 }), droppedFramesCount: countArb })),
        stackTraceHashId: uint64Arb,
      }),
    ),
    timeEvents: opt(
      rec({ timeEvent: fc.array(timeEventArb, { maxLength: 3 }), droppedAnnotationsCount: countArb, droppedMessageEventsCount: countArb }),
    ),
    links: opt(rec({ link: fc.array(linkArb, { maxLength: 2 }), droppedLinksCount: countArb })),
    status: opt(rec({ code: fc.integer({ min: 0, max: 16 }), message: textArb })),
    resource: opt(ocResource()),
    sameProcessAsParentSpan: opt(fc.boolean()),
    childSpanCount: opt(uint32Arb),
  });
}

/** Spans draw on a small pool of trace IDs, so that requests hold several spans of one trace. */
export function ocTraceRequest(): fc.Arbitrary<OcExportTraceRequest> {
  return fc.uniqueArray(traceIdArb, { minLength: 1, maxLength: 3, selector: (b) => Buffer.from(b).toString('hex') }).chain((pool) =>
    rec({
      node: opt(ocNode()),
      spans: fc.array(ocSpan(fc.constantFrom(...pool)), { maxLength: 4 }),
      resource: opt(ocResource()),
    }),
  );
}

// ---- trace config ----

const samplerArb: fc.Arbitrary<OcSampler> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((samplingProbability): OcSampler => ({ kind: 'probability', samplingProbability })),
  fc.constantFrom(0, 1, 2).map((decision): OcSampler => ({ kind: 'constant', decision })),
  nonNegInt64Arb.map((qps): OcSampler => ({ kind: 'rateLimiting', qps })),
);

export function ocLibraryConfig(): fc.Arbitrary<OcLibraryConfig> {
  return rec({
    node: opt(ocNode()),
    config: opt(
      rec({
        sampler: opt(samplerArb),
        maxNumberOfAttributes: nonNegInt64Arb,
        maxNumberOfAnnotations: nonNegInt64Arb,
        maxNumberOfMessageEvents: nonNegInt64Arb,
        maxNumberOfLinks: nonNegInt64Arb,
      }),
    ),
  });
}

// ---- metrics ----

const exemplarArb = rec({ value: finiteArb, timestamp: opt(timeArb), attachments: entriesArb });
/** Bucket counts small enough that their sum (the distribution's count) stays an int64. */
const bucketArb: fc.Arbitrary<OcBucket> = rec({ count: fc.bigInt({ min: 0n, max: 2n ** 40n }), exemplar: opt(exemplarArb) });
const boundsArb = fc
  .uniqueArray(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { maxLength: 4, comparator: (a, b) => a === b })
  .map((b) => b.sort((x, y) => x - y));

/** Explicit bounds with bounds + 1 buckets, or no bounds and no buckets; count is the buckets' sum. */
const distributionArb: fc.Arbitrary<OcDistributionValue> = fc
  .oneof(
    fc.constant(undefined),
    fc.constant({ explicit: undefined }),
    boundsArb.map((bounds) => ({ explicit: { bounds } })),
  )
  .chain((bucketOptions) =>
    rec({
      count: fc.constant(0n),
      sum: finiteArb,
      sumOfSquaredDeviation: nonNegFiniteArb,
      bucketOptions: fc.constant(bucketOptions),
      buckets: bucketOptions?.explicit
        ? fc.array(bucketArb, { minLength: bucketOptions.explicit.bounds.length + 1, maxLength: bucketOptions.explicit.bounds.length + 1 })
        : fc.constant<OcBucket[]>([]),
    }).chain((d) =>
      d.buckets.length > 0
        ? fc.constant({ ...d, count: d.buckets.reduce((n, b) => n + b.count, 0n) })
        : nonNegInt64Arb.map((count) => ({ ...d, count })),
    ),
  );

const summaryArb: fc.Arbitrary<OcSummaryValue> = rec({
  count: opt(nonNegInt64Arb),
  sum: opt(nonNegFiniteArb),
  snapshot: opt(
    rec({
      count: opt(nonNegInt64Arb),
      sum: opt(nonNegFiniteArb),
      percentileValues: fc.array(
        rec({ percentile: fc.double({ min: Number.MIN_VALUE, max: 100, noNaN: true }), value: finiteArb }),
        { maxLength: 3 },
      ),
    }),
  ),
});

/** Point values of the kind the descriptor type calls for (UNSPECIFIED is not valid). */
function pointValueArb(type: number): fc.Arbitrary<OcPointValue> {
  switch (type) {
    case 1:
      return int64Arb.map((value): OcPointValue => ({ kind: 'int64', value }));
    case 4:
      return nonNegInt64Arb.map((value): OcPointValue => ({ kind: 'int64', value }));
    case 2:
    case 5:
      return measurementArb.map((value): OcPointValue => ({ kind: 'double', value }));
    case 3:
    case 6:
      return distributionArb.map((value): OcPointValue => ({ kind: 'distribution', value }));
    default:
      return summaryArb.map((value): OcPointValue => ({ kind: 'summary', value }));
  }
}

const descriptorArb: fc.Arbitrary<OcMetricDescriptor> = rec({
  name: textArb,
  description: textArb,
  unit: textArb,
  type: fc.integer({ min: 1, max: 7 }),
  labelKeys: fc.uniqueArray(rec({ key: textArb, description: textArb }), { selector: (k) => k.key, maxLength: 3 }),
});

/** Gauges have no start time; cumulative metrics and summaries have one. */
function timeSeriesArb(d: OcMetricDescriptor): fc.Arbitrary<OcTimeSeries> {
  const n = d.labelKeys.length;
  const gauge = d.type >= 1 && d.type <= 3;
  return rec({
    startTimestamp: gauge ? fc.constant(undefined) : timeArb,
    labelValues: fc.array(
      fc.oneof(
        rec({ value: textArb, hasValue: fc.constant(true) }),
        fc.constant({ value: '', hasValue: false }).map((v) => ({ ...v })),
      ),
      { minLength: n, maxLength: n },
    ),
    points: fc.array(rec({ timestamp: opt(timeArb), value: pointValueArb(d.type) }), { maxLength: 3 }),
  });
}

export function ocMetric(): fc.Arbitrary<OcMetric> {
  return descriptorArb.chain((d) =>
    rec({
      metricDescriptor: fc.constant(d),
      timeseries: fc.array(timeSeriesArb(d), { maxLength: 3 }),
      resource: opt(ocResource()),
    }),
  );
}

export function ocMetricsRequest(): fc.Arbitrary<OcExportMetricsRequest> {
  return rec({ node: opt(ocNode()), metrics: fc.array(ocMetric(), { maxLength: 3 }), resource: opt(ocResource()) });
}
