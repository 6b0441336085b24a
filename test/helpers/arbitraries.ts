// fast-check arbitraries for valid models: what every decoder must be able to
// produce and every encoder to carry unchanged. Sizes are kept small so that a
// few hundred runs finish in seconds.
import fc from 'fast-check';
import type {
  AnyValue,
  Exemplar,
  ExponentialBuckets,
  InstrumentationScope,
  KeyValue,
  Metric,
  MetricData,
  Metrics,
  NumberValue,
  Resource,
  Span,
  SpanId,
  TraceId,
  Traces,
} from '../../lib/model/index.js';

/** Records with Object.prototype, like the decoders' output (fast-check also makes null-prototype ones). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const nonZero = (b: Uint8Array): boolean => b.some((x) => x !== 0);

export const traceIdArb: fc.Arbitrary<TraceId> = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .filter(nonZero)
  .map((b) => hexOf(b) as TraceId);
export const spanIdArb: fc.Arbitrary<SpanId> = fc
  .uint8Array({ minLength: 8, maxLength: 8 })
  .filter(nonZero)
  .map((b) => hexOf(b) as SpanId);

/** A handful of trace IDs, so that generated batches share traces. */
export const traceIdPoolArb = fc.uniqueArray(traceIdArb, { minLength: 1, maxLength: 4 });

/** Well-formed Unicode only: lone surrogates cannot survive UTF-8. */
export const textArb = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
export const uint32Arb = fc.integer({ min: 0, max: 0xffff_ffff });
export const int64Arb = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const uint64Arb = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
/** Any double, NaN, ±Infinity and -0 included. */
export const doubleArb = fc.double();

export const anyValueArb: fc.Arbitrary<AnyValue> = fc.letrec<{ value: AnyValue; kv: KeyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<AnyValue>({ kind: 'empty' }),
    textArb.map((value): AnyValue => ({ kind: 'string', value })),
    fc.boolean().map((value): AnyValue => ({ kind: 'bool', value })),
    int64Arb.map((value): AnyValue => ({ kind: 'int', value })),
    doubleArb.map((value): AnyValue => ({ kind: 'double', value })),
    fc.uint8Array({ maxLength: 8 }).map((value): AnyValue => ({ kind: 'bytes', value })),
    fc.array(tie('value'), { maxLength: 3 }).map((value): AnyValue => ({ kind: 'array', value })),
    fc.array(tie('kv'), { maxLength: 3 }).map((value): AnyValue => ({ kind: 'kvlist', value })),
  ),
  kv: rec({ key: textArb, value: tie('value') }),
})).value;

export const attributesArb: fc.Arbitrary<KeyValue[]> = fc.array(rec({ key: textArb, value: anyValueArb }), {
  maxLength: 3,
});

export const resourceArb: fc.Arbitrary<Resource> = rec({ attributes: attributesArb, droppedAttributesCount: uint32Arb });
export const scopeArb: fc.Arbitrary<InstrumentationScope> = rec({
  name: textArb,
  version: textArb,
  attributes: attributesArb,
  droppedAttributesCount: uint32Arb,
});

export function spanArb(traceIds: fc.Arbitrary<TraceId> = traceIdArb): fc.Arbitrary<Span> {
  return rec({
    traceId: traceIds,
    spanId: spanIdArb,
    traceState: textArb,
    parentSpanId: fc.oneof(fc.constant('' as SpanId), spanIdArb),
    flags: uint32Arb,
    name: textArb,
    kind: fc.constantFrom(0, 1, 2, 3, 4, 5),
    startTimeUnixNano: uint64Arb,
    endTimeUnixNano: uint64Arb,
    attributes: attributesArb,
    droppedAttributesCount: uint32Arb,
    events: fc.array(
      rec({ timeUnixNano: uint64Arb, name: textArb, attributes: attributesArb, droppedAttributesCount: uint32Arb }),
      { maxLength: 2 },
    ),
    droppedEventsCount: uint32Arb,
    links: fc.array(
      rec({
        traceId: traceIdArb,
        spanId: spanIdArb,
        traceState: textArb,
        attributes: attributesArb,
        droppedAttributesCount: uint32Arb,
        flags: uint32Arb,
      }),
      { maxLength: 2 },
    ),
    droppedLinksCount: uint32Arb,
    status: rec({ code: fc.constantFrom(0, 1, 2), message: textArb }),
  });
}

/** Traces whose spans draw on a small pool of trace IDs (so traces span resources). */
export const tracesArb: fc.Arbitrary<Traces> = traceIdPoolArb.chain((pool) =>
  rec({
    resourceSpans: fc.array(
      rec({
        resource: resourceArb,
        scopeSpans: fc.array(
          rec({ scope: scopeArb, spans: fc.array(spanArb(fc.constantFrom(...pool)), { maxLength: 4 }), schemaUrl: textArb }),
          { maxLength: 3 },
        ),
        schemaUrl: textArb,
      }),
      { maxLength: 3 },
    ),
  }),
);

const numberValueArb: fc.Arbitrary<NumberValue> = fc.oneof(
  int64Arb.map((value): NumberValue => ({ kind: 'int', value })),
  doubleArb.map((value): NumberValue => ({ kind: 'double', value })),
);

const exemplarArb: fc.Arbitrary<Exemplar> = rec({
  filteredAttributes: attributesArb,
  timeUnixNano: uint64Arb,
  value: numberValueArb,
  spanId: fc.oneof(fc.constant('' as const), spanIdArb),
  traceId: fc.oneof(fc.constant('' as const), traceIdArb),
});
const exemplarsArb = fc.array(exemplarArb, { maxLength: 2 });
const optDoubleArb = fc.option(doubleArb, { nil: undefined });
const countsArb = fc.array(uint64Arb, { maxLength: 4 });
const temporalityArb = fc.constantFrom(0, 1, 2);
const pointBase = { attributes: attributesArb, startTimeUnixNano: uint64Arb, timeUnixNano: uint64Arb, flags: uint32Arb };
const int32Arb = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const bucketsArb: fc.Arbitrary<ExponentialBuckets> = rec({ offset: int32Arb, bucketCounts: countsArb });

const numberPointsArb = fc.array(
  rec({ ...pointBase, value: fc.option(numberValueArb, { nil: undefined }), exemplars: exemplarsArb }),
  { maxLength: 3 },
);

export const metricDataArb: fc.Arbitrary<MetricData> = fc.oneof(
  fc.constant<MetricData>({ kind: 'empty' }),
  numberPointsArb.map((dataPoints): MetricData => ({ kind: 'gauge', dataPoints })),
  fc
    .record({ dataPoints: numberPointsArb, aggregationTemporality: temporalityArb, isMonotonic: fc.boolean() })
    .map((d): MetricData => ({ kind: 'sum', ...d })),
  fc
    .record({
      aggregationTemporality: temporalityArb,
      dataPoints: fc.array(
        rec({
          ...pointBase,
          count: uint64Arb,
          sum: optDoubleArb,
          bucketCounts: countsArb,
          explicitBounds: fc.array(doubleArb, { maxLength: 3 }),
          exemplars: exemplarsArb,
          min: optDoubleArb,
          max: optDoubleArb,
        }),
        { maxLength: 2 },
      ),
    })
    .map((d): MetricData => ({ kind: 'histogram', ...d })),
  fc
    .record({
      aggregationTemporality: temporalityArb,
      dataPoints: fc.array(
        rec({
          ...pointBase,
          count: uint64Arb,
          sum: optDoubleArb,
          scale: int32Arb,
          zeroCount: uint64Arb,
          positive: bucketsArb,
          negative: bucketsArb,
          exemplars: exemplarsArb,
          min: optDoubleArb,
          max: optDoubleArb,
          zeroThreshold: doubleArb,
        }),
        { maxLength: 2 },
      ),
    })
    .map((d): MetricData => ({ kind: 'exponentialHistogram', ...d })),
  fc
    .array(
      rec({
        ...pointBase,
        count: uint64Arb,
        sum: doubleArb,
        quantileValues: fc.array(rec({ quantile: doubleArb, value: doubleArb }), { maxLength: 3 }),
      }),
      { maxLength: 2 },
    )
    .map((dataPoints): MetricData => ({ kind: 'summary', dataPoints })),
);

export const metricArb: fc.Arbitrary<Metric> = rec({
  name: textArb,
  description: textArb,
  unit: textArb,
  metadata: attributesArb,
  data: metricDataArb,
});

export const metricsArb: fc.Arbitrary<Metrics> = rec({
  resourceMetrics: fc.array(
    rec({
      resource: resourceArb,
      scopeMetrics: fc.array(
        rec({ scope: scopeArb, metrics: fc.array(metricArb, { maxLength: 3 }), schemaUrl: textArb }),
        { maxLength: 2 },
      ),
      schemaUrl: textArb,
    }),
    { maxLength: 2 },
  ),
});
