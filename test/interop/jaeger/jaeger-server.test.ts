// The jaeger backend against a real Jaeger (v2, built from the Go module
// proxy; test/harness/jaeger-server.ts): one PostSpans call carrying spans of
// two services, read back through Jaeger's own query API
// (GET /api/traces/{id}) and checked span by span: IDs, operation names,
// start and duration in microseconds, the parent and a link as references,
// typed tags, the span kind, the error status, events as logs, and each
// span's service and process tags (the second resource travels on its spans,
// which the API allows, and must come out as its own process).
// (test/lib/backend/jaeger.test.ts covers the call itself: metadata,
// compression, and how each refusal maps for the retry logic.)
// Without Go the test skips locally and fails under CI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JaegerBackend } from '../../../lib/backend/jaeger.js';
import { SpanKind, StatusCode, type KeyValue, type SpanId, type TraceId, type Traces } from '../../../lib/model/index.js';
import { jaegerServer, type JaegerQueryTrace } from '../../harness/jaeger-server.js';
import { waitFor } from '../../harness/wait-for.js';
import { spanOf } from '../../helpers/trace-builder.js';

const TRACE = '5b8efff798038103d269b633813fc6aa' as TraceId;
const ROOT = 'eee19b7ec3c1b174' as SpanId;
const DB = 'eee19b7ec3c1b175' as SpanId;
const STOCK = 'eee19b7ec3c1b176' as SpanId;
const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c' as TraceId, spanId: 'b7ad6b7169203331' as SpanId };
const T0 = 1_700_000_000_123_456_000n;

const str = (key: string, value: string): KeyValue => ({ key, value: { kind: 'string', value } });
const int = (key: string, value: bigint): KeyValue => ({ key, value: { kind: 'int', value } });

function resource(service: string, host: string, spans: ReturnType<typeof spanOf>[]): Traces['resourceSpans'][number] {
  return {
    resource: { attributes: [str('service.name', service), str('host.name', host)], droppedAttributesCount: 0 },
    schemaUrl: '',
    scopeSpans: [{ scope: { name: 'http', version: '1.0', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans }],
  };
}

const TRACES: Traces = {
  resourceSpans: [
    resource('cart', 'h1', [
      spanOf({
        traceId: TRACE,
        spanId: ROOT,
        name: 'GET /cart',
        kind: SpanKind.SERVER,
        startTimeUnixNano: T0,
        endTimeUnixNano: T0 + 100_000_000n,
        attributes: [str('http.method', 'GET'), int('http.status_code', 500n), { key: 'ratio', value: { kind: 'double', value: 0.5 } }, { key: 'cached', value: { kind: 'bool', value: false } }],
        events: [{ timeUnixNano: T0 + 26_544_000n, name: 'retry', attributes: [int('attempt', 2n)], droppedAttributesCount: 0 }],
        status: { code: StatusCode.ERROR, message: 'boom' },
      }),
      spanOf({
        traceId: TRACE,
        spanId: DB,
        parentSpanId: ROOT,
        name: 'SELECT',
        kind: SpanKind.CLIENT,
        startTimeUnixNano: T0 + 6_544_000n,
        endTimeUnixNano: T0 + 16_544_000n,
        links: [{ ...LINKED, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }],
      }),
    ]),
    resource('stock', 'h2', [
      spanOf({ traceId: TRACE, spanId: STOCK, parentSpanId: ROOT, name: 'reserve', kind: SpanKind.SERVER, startTimeUnixNano: T0 + 20_000_000n, endTimeUnixNano: T0 + 30_000_000n }),
    ]),
  ],
};

type QuerySpan = JaegerQueryTrace['spans'][number];
const tags = (list: { key: string; type: string; value: unknown }[]) => Object.fromEntries(list.map((t) => [t.key, `${t.type}:${String(t.value)}`]));
const scope = { 'otel.scope.name': 'string:http', 'otel.scope.version': 'string:1.0' };

test('the jaeger backend to a real Jaeger: what its query API returns is what was exported', { timeout: 15 * 60_000 }, async (t) => {
  const jaeger = await jaegerServer(t);
  if (!jaeger) return;
  const backend = new JaegerBackend({ endpoint: jaeger.grpcEndpoint, insecure: true });
  t.after(() => backend.close());

  assert.deepEqual(await backend.exportTraces(TRACES, new AbortController().signal), { status: 'ok' });
  const trace = await waitFor(
    async () => {
      const found = await jaeger.trace(TRACE);
      return found?.spans.length === 3 ? found : undefined;
    },
    { timeoutMs: 20_000, what: 'the trace in Jaeger' },
  );
  const span = (id: string): QuerySpan => trace.spans.find((s) => s.spanID === id) ?? assert.fail(`span ${id} not in ${JSON.stringify(trace)}`);
  const process = (s: QuerySpan) => {
    const p = trace.processes[s.processID]!;
    return { service: p.serviceName, tags: tags(p.tags) };
  };

  const root = span(ROOT);
  assert.equal(root.traceID, TRACE);
  assert.equal(root.operationName, 'GET /cart');
  assert.deepEqual([root.startTime, root.duration], [Number(T0 / 1_000n), 100_000]);
  assert.deepEqual(root.references, []);
  assert.deepEqual(tags(root.tags), {
    ...scope,
    'span.kind': 'string:server',
    'http.method': 'string:GET',
    'http.status_code': 'int64:500',
    ratio: 'float64:0.5',
    cached: 'bool:false',
    error: 'bool:true',
    'otel.status_code': 'string:ERROR',
    'otel.status_description': 'string:boom',
  });
  assert.deepEqual(root.logs, [{ timestamp: Number((T0 + 26_544_000n) / 1_000n), fields: [{ key: 'event', type: 'string', value: 'retry' }, { key: 'attempt', type: 'int64', value: 2 }] }]);
  assert.deepEqual(process(root), { service: 'cart', tags: { 'host.name': 'string:h1' } });

  const db = span(DB);
  assert.equal(db.operationName, 'SELECT');
  assert.deepEqual([db.startTime, db.duration], [Number((T0 + 6_544_000n) / 1_000n), 10_000]);
  assert.deepEqual(db.references, [
    { refType: 'CHILD_OF', traceID: TRACE, spanID: ROOT },
    { refType: 'FOLLOWS_FROM', traceID: LINKED.traceId, spanID: LINKED.spanId },
  ]);
  assert.deepEqual(tags(db.tags), { ...scope, 'span.kind': 'string:client' });
  assert.deepEqual(process(db), { service: 'cart', tags: { 'host.name': 'string:h1' } });

  const stock = span(STOCK);
  assert.equal(stock.operationName, 'reserve');
  assert.deepEqual(stock.references, [{ refType: 'CHILD_OF', traceID: TRACE, spanID: ROOT }]);
  assert.deepEqual(process(stock), { service: 'stock', tags: { 'host.name': 'string:h2' } }, 'the second resource is its own process');
});
