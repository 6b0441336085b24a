// Traces and metrics that exercise every field the OTLP encoders carry, so a
// round trip through a backend and the sink shows any loss.
import { bool, dbl, emptyScope, int, str } from '../../../lib/model/common.js';
import { spanIdFromHex, traceIdFromHex, NO_SPAN_ID } from '../../../lib/model/ids.js';
import { AggregationTemporality, type Metrics } from '../../../lib/model/metrics.js';
import { SpanKind, StatusCode, type Span, type Traces } from '../../../lib/model/trace.js';

const BASE_NS = 1_700_000_000_123_456_789n;

export function sampleSpan(name: string, traceHex: string, spanHex: string, parentHex = ''): Span {
  return {
    traceId: traceIdFromHex(traceHex),
    spanId: spanIdFromHex(spanHex),
    traceState: '',
    parentSpanId: parentHex === '' ? NO_SPAN_ID : spanIdFromHex(parentHex),
    flags: 1,
    name,
    kind: SpanKind.SERVER,
    startTimeUnixNano: BASE_NS,
    endTimeUnixNano: BASE_NS + 1_500_000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
  };
}

export function sampleTraces(): Traces {
  const root = sampleSpan('GET /orders', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331');
  const child: Span = {
    ...sampleSpan('SELECT orders', '0af7651916cd43dd8448eb211c80319c', '00f067aa0ba902b7', 'b7ad6b7169203331'),
    kind: SpanKind.CLIENT,
    traceState: 'ot=th:8',
    attributes: [
      { key: 'db.system', value: str('postgresql') },
      { key: 'db.rows', value: int(9_007_199_254_740_993n) },
      { key: 'db.cached', value: bool(false) },
      { key: 'db.ratio', value: dbl(0.25) },
      { key: 'db.raw', value: { kind: 'bytes', value: new Uint8Array([0, 1, 254, 255]) } },
      { key: 'db.tags', value: { kind: 'array', value: [str('a'), int(2)] } },
      { key: 'db.map', value: { kind: 'kvlist', value: [{ key: 'inner', value: str('x') }] } },
    ],
    droppedAttributesCount: 2,
    events: [{ timeUnixNano: BASE_NS + 10n, name: 'retry', attributes: [{ key: 'n', value: int(1) }], droppedAttributesCount: 0 }],
    links: [
      {
        traceId: traceIdFromHex('11111111111111111111111111111111'),
        spanId: spanIdFromHex('2222222222222222'),
        traceState: '',
        attributes: [],
        droppedAttributesCount: 0,
        flags: 0,
      },
    ],
    status: { code: StatusCode.ERROR, message: 'timeout' },
  };
  const other = sampleSpan('consume', '4bf92f3577b34da6a3ce929d0e0e4736', '53995c3f42cd8ad8');
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: str('orders') }], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: 'io.opentelemetry.http', version: '1.2.3', attributes: [], droppedAttributesCount: 0 },
            spans: [root, child],
            schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
          },
        ],
        schemaUrl: '',
      },
      {
        resource: { attributes: [{ key: 'service.name', value: str('billing') }], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: emptyScope(), spans: [other], schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

export function sampleMetrics(): Metrics {
  const point = { attributes: [{ key: 'host', value: str('a') }], startTimeUnixNano: BASE_NS, timeUnixNano: BASE_NS + 1_000n, flags: 0 };
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: str('orders') }], droppedAttributesCount: 0 },
        scopeMetrics: [
          {
            scope: { name: 'meter', version: '', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name: 'queue.depth',
                description: 'items waiting',
                unit: '{item}',
                metadata: [],
                data: { kind: 'gauge', dataPoints: [{ ...point, value: { kind: 'int', value: 42n }, exemplars: [] }] },
              },
              {
                name: 'requests',
                description: '',
                unit: '1',
                metadata: [],
                data: {
                  kind: 'sum',
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  isMonotonic: true,
                  dataPoints: [{ ...point, value: { kind: 'double', value: 12.5 }, exemplars: [] }],
                },
              },
              {
                name: 'latency',
                description: '',
                unit: 'ms',
                metadata: [],
                data: {
                  kind: 'histogram',
                  aggregationTemporality: AggregationTemporality.DELTA,
                  dataPoints: [
                    {
                      ...point,
                      count: 3n,
                      sum: 30,
                      bucketCounts: [1n, 2n],
                      explicitBounds: [10],
                      exemplars: [],
                      min: 5,
                      max: 15,
                    },
                  ],
                },
              },
              {
                name: 'rpc.duration',
                description: '',
                unit: 's',
                metadata: [],
                data: {
                  kind: 'summary',
                  dataPoints: [{ ...point, count: 2n, sum: 3, quantileValues: [{ quantile: 0.5, value: 1.5 }] }],
                },
              },
            ],
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}
