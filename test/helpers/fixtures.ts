// Hand-built model data that exercises every field of the span and metric
// model: every AnyValue kind (nested arrays and kvlists, bytes, empty), events,
// links, status, flags, trace state, int64 values beyond 2^53 and negative,
// doubles that JSON numbers cannot carry (NaN, ±Infinity, -0), every metric
// kind, exemplars, and optional sum/min/max both present and absent.
// Deterministic, so that golden files can be made from it.
import type {
  AnyValue,
  KeyValue,
  Metrics,
  Resource,
  Span,
  SpanId,
  TraceId,
  Traces,
} from '../../lib/model/index.js';

const T0 = 1_700_000_000_123_456_789n; // ns, beyond 2^53

export const traceIdN = (n: number): TraceId => `5b8efff798038103d269b633813f${(0xc600 + n).toString(16)}` as TraceId;
export const spanIdN = (n: number): SpanId => `eee19b7ec3c1${(0xb100 + n).toString(16)}` as SpanId;

const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

/** One attribute of every AnyValue kind, nested containers included. */
export function allValueKinds(): KeyValue[] {
  return [
    kv('string', { kind: 'string', value: 'héllo, wörld ✓' }),
    kv('bool', { kind: 'bool', value: true }),
    kv('int.big', { kind: 'int', value: 9_007_199_254_740_993n }), // 2^53 + 1
    kv('int.negative', { kind: 'int', value: -42n }),
    kv('int.min', { kind: 'int', value: -(2n ** 63n) }),
    kv('double', { kind: 'double', value: 3.25 }),
    kv('double.nan', { kind: 'double', value: NaN }),
    kv('double.inf', { kind: 'double', value: -Infinity }),
    kv('double.negzero', { kind: 'double', value: -0 }),
    kv('bytes', { kind: 'bytes', value: new Uint8Array([0, 1, 2, 0xfe, 0xff]) }),
    kv('empty', { kind: 'empty' }),
    kv('array', {
      kind: 'array',
      value: [
        { kind: 'string', value: 'a' },
        { kind: 'int', value: 1n },
        { kind: 'empty' },
        { kind: 'array', value: [{ kind: 'bool', value: false }] },
      ],
    }),
    kv('kvlist', {
      kind: 'kvlist',
      value: [kv('inner', { kind: 'double', value: 0.5 }), kv('nested', { kind: 'kvlist', value: [] })],
    }),
  ];
}

function resource(service: string): Resource {
  return {
    attributes: [kv('service.name', { kind: 'string', value: service }), kv('host.cpus', { kind: 'int', value: 2n })],
    droppedAttributesCount: service === 'checkout' ? 1 : 0,
  };
}

function span(trace: number, n: number, parent: number | undefined, full: boolean): Span {
  const start = T0 + BigInt(n) * 1_000_000n;
  return {
    traceId: traceIdN(trace),
    spanId: spanIdN(trace * 16 + n),
    traceState: full ? 'ot=th:8;rv:1234,vendor=x' : '',
    parentSpanId: parent === undefined ? ('' as SpanId) : spanIdN(trace * 16 + parent),
    flags: full ? 0x301 : 0x100,
    name: `op-${trace}-${n}`,
    kind: (n % 6) as Span['kind'],
    startTimeUnixNano: start,
    endTimeUnixNano: start + 2_500_000n,
    attributes: full ? allValueKinds() : [kv('http.status_code', { kind: 'int', value: 200n })],
    droppedAttributesCount: full ? 3 : 0,
    events: full
      ? [
          { timeUnixNano: start + 1n, name: 'exception', attributes: [kv('exception.type', { kind: 'string', value: 'Error' })], droppedAttributesCount: 1 },
          { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
        ]
      : [],
    droppedEventsCount: full ? 2 : 0,
    links: full
      ? [
          {
            traceId: traceIdN(99),
            spanId: spanIdN(99),
            traceState: 'k=v',
            attributes: [kv('link.kind', { kind: 'string', value: 'follows' })],
            droppedAttributesCount: 4,
            flags: 0xffff_ffff,
          },
        ]
      : [],
    droppedLinksCount: full ? 5 : 0,
    status: full ? { code: 2, message: 'boom' } : n === 0 ? { code: 1, message: '' } : { code: 0, message: '' },
  };
}

/**
 * Two resources (the second with two scopes); spans of `traceCount` traces
 * spread across them, so that a split by trace ID has work to do. The first
 * span of every trace fills every field.
 */
export function sampleTraces(opts: { traceCount?: number } = {}): Traces {
  const traceCount = opts.traceCount ?? 3;
  const byPlace: Span[][] = [[], [], []];
  for (let tr = 0; tr < traceCount; tr++) {
    byPlace[0]!.push(span(tr, 0, undefined, true));
    byPlace[1]!.push(span(tr, 1, 0, false));
    byPlace[2]!.push(span(tr, 2, 1, false));
  }
  return {
    resourceSpans: [
      {
        resource: resource('frontend'),
        scopeSpans: [
          {
            scope: { name: 'io.opentelemetry.http', version: '1.2.3', attributes: [kv('scope.attr', { kind: 'bool', value: false })], droppedAttributesCount: 2 },
            spans: byPlace[0]!,
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      },
      {
        resource: resource('checkout'),
        scopeSpans: [
          { scope: { name: 'db', version: '', attributes: [], droppedAttributesCount: 0 }, spans: byPlace[1]!, schemaUrl: '' },
          { scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, spans: byPlace[2]!, schemaUrl: '' },
        ],
        schemaUrl: '',
      },
    ],
  };
}

/** One resource and scope holding every metric kind, plus a metric with no data. */
export function sampleMetrics(): Metrics {
  const attrs = [kv('host', { kind: 'string', value: 'a' })];
  const exemplar = {
    filteredAttributes: [kv('user', { kind: 'string', value: 'u1' })],
    timeUnixNano: T0 + 5n,
    value: { kind: 'double', value: 12.5 } as const,
    spanId: spanIdN(1),
    traceId: traceIdN(1),
  };
  const bareExemplar = {
    filteredAttributes: [],
    timeUnixNano: T0,
    value: { kind: 'int', value: -7n } as const,
    spanId: '' as const,
    traceId: '' as const,
  };
  return {
    resourceMetrics: [
      {
        resource: resource('frontend'),
        scopeMetrics: [
          {
            scope: { name: 'meter', version: '0.1', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
            metrics: [
              {
                name: 'cpu.temperature',
                description: 'a gauge',
                unit: 'Cel',
                metadata: [kv('prometheus.type', { kind: 'string', value: 'gauge' })],
                data: {
                  kind: 'gauge',
                  dataPoints: [
                    { attributes: attrs, startTimeUnixNano: 0n, timeUnixNano: T0, flags: 0, value: { kind: 'double', value: 41.5 }, exemplars: [exemplar] },
                    { attributes: [], startTimeUnixNano: 0n, timeUnixNano: T0, flags: 0, value: { kind: 'double', value: NaN }, exemplars: [] },
                    { attributes: [], startTimeUnixNano: 0n, timeUnixNano: T0, flags: 1, value: undefined, exemplars: [] },
                  ],
                },
              },
              {
                name: 'requests',
                description: '',
                unit: '1',
                metadata: [],
                data: {
                  kind: 'sum',
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    { attributes: attrs, startTimeUnixNano: T0 - 1_000n, timeUnixNano: T0, flags: 0, value: { kind: 'int', value: 2n ** 63n - 1n }, exemplars: [bareExemplar] },
                    { attributes: [], startTimeUnixNano: T0 - 1_000n, timeUnixNano: T0, flags: 0, value: { kind: 'int', value: 0n }, exemplars: [] },
                  ],
                },
              },
              {
                name: 'latency',
                description: 'explicit buckets',
                unit: 'ms',
                metadata: [],
                data: {
                  kind: 'histogram',
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: attrs,
                      startTimeUnixNano: T0 - 1_000n,
                      timeUnixNano: T0,
                      flags: 0,
                      count: 2n ** 60n,
                      sum: 0,
                      bucketCounts: [1n, 2n ** 60n - 3n, 2n],
                      explicitBounds: [-0, 10.5],
                      exemplars: [exemplar],
                      min: -Infinity,
                      max: 99.75,
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: T0,
                      flags: 0,
                      count: 0n,
                      sum: undefined,
                      bucketCounts: [],
                      explicitBounds: [],
                      exemplars: [],
                      min: undefined,
                      max: undefined,
                    },
                  ],
                },
              },
              {
                name: 'latency.exp',
                description: '',
                unit: 's',
                metadata: [],
                data: {
                  kind: 'exponentialHistogram',
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: attrs,
                      startTimeUnixNano: T0 - 1_000n,
                      timeUnixNano: T0,
                      flags: 0,
                      count: 17n,
                      sum: 123.25,
                      scale: -3,
                      zeroCount: 1n,
                      positive: { offset: -2, bucketCounts: [3n, 0n, 2n ** 64n - 1n] },
                      negative: { offset: 0, bucketCounts: [] },
                      exemplars: [bareExemplar],
                      min: 0,
                      max: undefined,
                      zeroThreshold: 1e-9,
                    },
                  ],
                },
              },
              {
                name: 'rpc.summary',
                description: '',
                unit: '',
                metadata: [],
                data: {
                  kind: 'summary',
                  dataPoints: [
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: T0,
                      flags: 0,
                      count: 3n,
                      sum: 7.5,
                      quantileValues: [
                        { quantile: 0, value: 1 },
                        { quantile: 0.99, value: Infinity },
                      ],
                    },
                  ],
                },
              },
              { name: 'no.data', description: '', unit: '', metadata: [], data: { kind: 'empty' } },
            ],
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}
