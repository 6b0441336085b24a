// Small, fully populated models for receiver tests: what a client sends and
// what the consumer must get back, field for field.
import {
  AggregationTemporality,
  type Metrics,
  SpanKind,
  StatusCode,
  type Traces,
  bool,
  dbl,
  int,
  spanIdFromHex,
  str,
  traceIdFromHex,
} from '../../../../lib/model/index.js';

export const TRACE_ID = traceIdFromHex('5b8efff798038103d269b633813fc60c');

export function sampleTraces(): Traces {
  const span = (spanId: string, parent: string, name: string) => ({
    traceId: TRACE_ID,
    spanId: spanIdFromHex(spanId),
    traceState: '',
    parentSpanId: spanIdFromHex(parent),
    flags: 1,
    name,
    kind: SpanKind.SERVER,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_250_000_000n,
    attributes: [
      { key: 'http.method', value: str('GET') },
      { key: 'http.status_code', value: int(200) },
      { key: 'retry', value: bool(false) },
      { key: 'ratio', value: dbl(0.5) },
    ],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.OK, message: '' },
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: str('checkout') }], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: 'test-tracer', version: '1.0.0', attributes: [], droppedAttributesCount: 0 },
            spans: [span('eee19b7ec3c1b174', '', 'GET /cart'), span('eee19b7ec3c1b175', 'eee19b7ec3c1b174', 'SELECT cart')],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

export function sampleMetrics(): Metrics {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: str('checkout') }], droppedAttributesCount: 0 },
        scopeMetrics: [
          {
            scope: { name: 'test-meter', version: '', attributes: [], droppedAttributesCount: 0 },
            metrics: [
              {
                name: 'http.server.requests',
                description: 'requests served',
                unit: '1',
                metadata: [],
                data: {
                  kind: 'sum',
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  isMonotonic: true,
                  dataPoints: [1n, 2n, 3n].map((n) => ({
                    attributes: [{ key: 'route', value: str(`/r${n}`) }],
                    startTimeUnixNano: 1_700_000_000_000_000_000n,
                    timeUnixNano: 1_700_000_010_000_000_000n,
                    flags: 0,
                    value: { kind: 'int' as const, value: n * 10n },
                    exemplars: [],
                  })),
                },
              },
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}
