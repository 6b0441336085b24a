// JaegerBackend against a real gRPC server serving PostSpans
// (test/helpers/jaeger-collector.ts, which decodes with its own protobufjs):
// what arrives, field by field, and how each answer maps to ok / retryable /
// rejected for the exporter's retry and offset logic.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { status } from '@grpc/grpc-js';
import { JaegerBackend, type JaegerOptions } from '../../../lib/backend/jaeger.js';
import { createBackend } from '../../../lib/backend/registry.js';
import { backendProblems, normaliseBackends } from '../../../lib/config/backends.js';
import { SpanKind, StatusCode, type Span, type Traces } from '../../../lib/model/index.js';
import { decodeJaegerProto } from '../../../lib/protocol/jaeger/index.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';
import { JaegerCollector } from '../../helpers/jaeger-collector.js';
import { makeCerts } from '../../helpers/certs.js';
import { unusedPort } from './unused-port.js';
import { spanOf } from '../../helpers/trace-builder.js';

const live = () => new AbortController().signal;

function backend(t: TestContext, options: JaegerOptions): JaegerBackend {
  const b = new JaegerBackend({ insecure: true, timeoutMs: 5_000, ...options });
  t.after(() => b.close());
  return b;
}

const kv = (key: string, value: string) => ({ key, value: { kind: 'string', value } }) as const;

/** Two resources, a child with status, kind, event and link, a root with scope. */
function traces(): Traces {
  const traceId = '5b8efff798038103d269b633813fc60c' as never;
  // IDs written as plain strings below: the fields are checked where they arrive.
  const span = (over: object) =>
    spanOf({
      traceId,
      spanId: 'eee19b7ec3c1b174' as never,
      flags: 1,
      name: 'GET /cart',
      kind: SpanKind.SERVER,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_000_223_456_789n,
      attributes: [kv('http.method', 'GET')],
      ...(over as Partial<Span>),
    });
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', 'cart'), kv('host.name', 'h1')], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'http', version: '1.0', attributes: [], droppedAttributesCount: 0 }, spans: [span({})], schemaUrl: '' }],
        schemaUrl: '',
      },
      {
        resource: { attributes: [kv('service.name', 'db')], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
            spans: [
              span({
                spanId: 'eee19b7ec3c1b175',
                parentSpanId: 'eee19b7ec3c1b174',
                name: 'SELECT',
                kind: SpanKind.CLIENT,
                attributes: [],
                status: { code: StatusCode.ERROR, message: 'timeout' },
                events: [{ timeUnixNano: 1_700_000_000_200_000_000n, name: 'retry', attributes: [kv('attempt', '2')], droppedAttributesCount: 0 }],
                links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }],
              }),
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

test('spans arrive in one PostSpans call: the first resource as the batch process, the others on their spans, every field mapped', async (t) => {
  const collector = await JaegerCollector.start(t);
  const b = backend(t, { endpoint: collector.endpoint, headers: { Authorization: 'Bearer abc' } });
  assert.deepEqual(await b.exportTraces(traces(), live()), { status: 'ok' });
  assert.equal(collector.requests.length, 1);
  const [request] = collector.requests;
  assert.equal(request!.metadata.authorization, 'Bearer abc');
  assert.equal(request!.compression, 'identity');
  const str = (key: string, vStr: string) => ({ key, vType: 'STRING', vStr, vBool: false, vInt64: '0', vFloat64: 0, vBinary: '' });
  assert.deepEqual(request!.process, { serviceName: 'cart', tags: [str('host.name', 'h1')] });
  const [root, child] = request!.spans;
  assert.equal(root!.traceId, '5b8efff798038103d269b633813fc60c');
  assert.equal(root!.spanId, 'eee19b7ec3c1b174');
  assert.equal(root!.operationName, 'GET /cart');
  assert.deepEqual(root!.startTime, { seconds: '1700000000', nanos: 123_456_789 });
  assert.deepEqual(root!.duration, { seconds: '0', nanos: 100_000_000 });
  assert.equal(root!.flags, 1);
  assert.deepEqual(root!.references, []);
  assert.equal(root!.process, undefined);
  assert.deepEqual(root!.tags, [str('otel.scope.name', 'http'), str('otel.scope.version', '1.0'), str('http.method', 'GET'), str('span.kind', 'server')]);

  assert.deepEqual(child!.process, { serviceName: 'db', tags: [] });
  assert.deepEqual(child!.references, [
    { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', refType: 'CHILD_OF' },
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', refType: 'FOLLOWS_FROM' },
  ]);
  assert.deepEqual(child!.tags, [
    str('span.kind', 'client'),
    str('otel.status_code', 'ERROR'),
    { key: 'error', vType: 'BOOL', vStr: '', vBool: true, vInt64: '0', vFloat64: 0, vBinary: '' },
    str('otel.status_description', 'timeout'),
  ]);
  assert.deepEqual(child!.logs, [{ timestamp: { seconds: '1700000000', nanos: 200_000_000 }, fields: [str('event', 'retry'), str('attempt', '2')] }]);
});

test('what the backend sends (gzip), read back by the jaeger receiver\'s decoder, keeps resources, IDs, names, kinds, statuses and times', async (t) => {
  const collector = await JaegerCollector.start(t);
  const b = backend(t, { endpoint: collector.endpoint, compression: 'gzip' });
  const sample = sampleTraces();
  assert.equal((await b.exportTraces(sample, live())).status, 'ok');
  assert.equal(collector.requests[0]!.compression, 'gzip');
  const back = decodeJaegerProto(collector.requests[0]!.body);
  const view = (x: Traces) =>
    x.resourceSpans.map((rs) => [
      rs.resource.attributes.find((a) => a.key === 'service.name')?.value,
      rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => [s.traceId, s.spanId, s.parentSpanId, s.name, s.kind, s.status.code, s.startTimeUnixNano, s.endTimeUnixNano])),
    ]);
  assert.deepEqual(view(back), view(sample));
});

test('UNAVAILABLE and RESOURCE_EXHAUSTED are retryable with the RetryInfo delay; INVALID_ARGUMENT and other permanent codes are rejected', async (t) => {
  const collector = await JaegerCollector.start(t);
  const b = backend(t, { endpoint: collector.endpoint });
  collector.failNext(1, status.UNAVAILABLE, 'overloaded');
  assert.deepEqual(await b.exportTraces(traces(), live()), { status: 'retryable', reason: 'UNAVAILABLE: overloaded' });
  collector.failNext(1, status.RESOURCE_EXHAUSTED, 'slow down', 2_500);
  assert.deepEqual(await b.exportTraces(traces(), live()), { status: 'retryable', reason: 'RESOURCE_EXHAUSTED: slow down', retryAfterMs: 2_500 });
  for (const code of [status.INVALID_ARGUMENT, status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.UNIMPLEMENTED]) {
    collector.failNext(1, code, 'no');
    assert.equal((await b.exportTraces(traces(), live())).status, 'rejected', `code ${code}`);
  }
});

test('an unreachable collector and a call past its deadline are retryable; an abort ends a call with "aborted"', { timeout: 20_000 }, async (t) => {
  const down = backend(t, { endpoint: `127.0.0.1:${await unusedPort()}` });
  assert.equal((await down.exportTraces(traces(), live())).status, 'retryable');
  const collector = await JaegerCollector.start(t);
  const slow = backend(t, { endpoint: collector.endpoint, timeoutMs: 200 });
  collector.hangNext(1);
  const late = await slow.exportTraces(traces(), live());
  assert.match(late.status === 'retryable' ? late.reason : '', /DEADLINE_EXCEEDED/);
  const patient = backend(t, { endpoint: collector.endpoint, timeoutMs: 60_000 });
  collector.hangNext(1);
  const controller = new AbortController();
  const pending = patient.exportTraces(traces(), controller.signal);
  while (collector.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
});

test('TLS: the collector\'s CA from caFile, a client certificate for mutual TLS; an untrusted or plaintext peer is retryable', { timeout: 30_000 }, async (t) => {
  const certs = makeCerts(t);
  const cert = readFileSync(certs.certFile);
  const key = readFileSync(certs.keyFile);
  const tls = await JaegerCollector.start(t, { cert, key });
  assert.deepEqual(await backend(t, { endpoint: tls.endpoint, insecure: false, caFile: certs.caFile }).exportTraces(traces(), live()), { status: 'ok' });
  assert.equal(tls.spans().length, 2);
  assert.equal((await backend(t, { endpoint: tls.endpoint, insecure: false, timeoutMs: 2_000 }).exportTraces(traces(), live())).status, 'retryable', 'not signed by a system root');
  assert.equal((await backend(t, { endpoint: tls.endpoint, timeoutMs: 2_000 }).exportTraces(traces(), live())).status, 'retryable', 'plaintext to a TLS port');

  const mutual = await JaegerCollector.start(t, { cert, key, clientCa: certs.ca });
  const withCert = backend(t, { endpoint: mutual.endpoint, insecure: false, caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });
  assert.deepEqual(await withCert.exportTraces(traces(), live()), { status: 'ok' });
  assert.equal((await backend(t, { endpoint: mutual.endpoint, insecure: false, caFile: certs.caFile, timeoutMs: 2_000 }).exportTraces(traces(), live())).status, 'retryable', 'no client certificate');
  assert.equal(mutual.spans().length, 2);
});

test('no spans: nothing is sent; metrics are refused for good, since Jaeger carries none', async (t) => {
  const collector = await JaegerCollector.start(t);
  const b = backend(t, { endpoint: collector.endpoint });
  assert.deepEqual(await b.exportTraces({ resourceSpans: [] }, live()), { status: 'ok' });
  assert.equal(collector.requests.length, 0);
  assert.equal((await b.exportMetrics(sampleMetrics(), live())).status, 'rejected');
});

test('configuration: jaeger needs an endpoint, consumes traces only by default, refuses metrics, and is built by the registry', async () => {
  assert.deepEqual(backendProblems([{ name: 'j', type: 'jaeger' }]), ['[0].endpoint: required for type jaeger']);
  assert.deepEqual(backendProblems([{ name: 'j', type: 'jaeger', endpoint: 'c:14250', signals: ['traces', 'metrics'] }]), [
    '[0].signals: type jaeger carries only traces (got ["traces","metrics"])',
  ]);
  assert.deepEqual(backendProblems([{ name: 'j', type: 'jaeger', endpoint: 'c:14250', numStreams: 2 }]).length, 1);
  assert.deepEqual(normaliseBackends([{ name: 'j', type: 'jaeger', endpoint: 'c:14250' }])[0]!.signals, ['traces']);
  const b = createBackend('jaeger', { endpoint: '127.0.0.1:14250', insecure: true }, { log: () => {} });
  assert.equal(b.type, 'jaeger');
  await b.close();
  assert.throws(() => new JaegerBackend({ endpoint: 'x:1', certFile: '/nope.pem' }), /certFile and keyFile go together/);
});
