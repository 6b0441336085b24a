// The zipkin receiver with real Zipkin clients from npm, sending to ocsvc
// all-in-one, checked where the spans leave ocsvc (an OTLP backend):
// - zipkin + zipkin-transport-http 0.22 (openzipkin's zipkin-js), with its
//   JSON v2 encoder to /api/v2/spans and its JSON v1 encoder to
//   /api/v1/spans; both must arrive as the same spans;
// - @opentelemetry/exporter-zipkin, the OpenTelemetry JS SDK's exporter.
//
// What these clients do, pinned down here (read in their source):
// - zipkin-js records a server span's client address ("ca"/remoteEndpoint),
//   a client span's server address ("sa") and a producer's broker ("ma"),
//   sends annotations for recordMessage, tags for recordBinary, and its v2
//   JSON marks a server span that joined its client's ID as shared;
// - the OpenTelemetry exporter copies every resource attribute onto each span
//   as a tag (ocsvc reads the resource ones back into the resource), writes
//   otel.status_code and error, drops event attributes and the scope, and
//   leaves remoteEndpoint out.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { context, SpanKind as OtelKind, SpanStatusCode, trace as api } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as zipkin from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { attr, type KeyValue } from '../../../lib/model/common.js';
import { SpanKind, StatusCode, type Span } from '../../../lib/model/trace.js';
import { waitFor } from '../../harness/wait-for.js';
import { arrivedSpans, assertAttributes, receivedByZipkin, startZipkinFront, waitForSpans, type ArrivedSpan } from './interop.js';

const { Annotation, BatchRecorder, ExplicitContext, InetAddress, Tracer, jsonEncoder } = zipkin;

const stringsOf = (attributes: readonly KeyValue[]) => Object.fromEntries(attributes.map((a) => [a.key, a.value.kind === 'string' ? a.value.value : `(${a.value.kind}) ${String((a.value as { value?: unknown }).value)}`]));

interface JsRun {
  traceId: string;
  serverId: string;
  clientId: string;
  producerId: string;
  localId: string;
}

/**
 * zipkin-js as an instrumented HTTP server would use it: a server span with
 * its client's address, a database call, a message sent, and local work.
 */
async function sendWithZipkinJs(endpoint: string, encoder: zipkin.JsonEncoder, service: string): Promise<JsRun> {
  const logger = new HttpLogger({ endpoint, jsonEncoder: encoder, httpInterval: 50 });
  const errors: unknown[] = [];
  (logger as unknown as { on(event: string, fn: (err: unknown) => void): void }).on('error', (err) => errors.push(err));
  const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }), localServiceName: service, traceId128Bit: true });
  const ids: Partial<JsRun> = {};
  tracer.scoped(() => {
    const server = tracer.createRootId();
    tracer.setId(server);
    ids.traceId = server.traceId;
    ids.serverId = server.spanId;
    tracer.recordServiceName(service);
    tracer.recordRpc('GET /users/:id');
    tracer.recordAnnotation(new Annotation.ServerRecv());
    tracer.recordAnnotation(new Annotation.LocalAddr({ host: new InetAddress('10.0.0.1'), port: 8080 }));
    tracer.recordAnnotation(new Annotation.ClientAddr({ host: new InetAddress('10.0.0.9'), port: 51_000 }));
    tracer.recordBinary('http.path', '/users/42');
    tracer.recordMessage('cache miss');

    tracer.scoped(() => {
      const client = tracer.createChildId();
      tracer.setId(client);
      ids.clientId = client.spanId;
      tracer.recordServiceName(service);
      tracer.recordRpc('select');
      tracer.recordAnnotation(new Annotation.ClientSend());
      tracer.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'postgres', host: new InetAddress('10.0.0.2'), port: 5432 }));
      tracer.recordBinary('error', 'connection reset');
      tracer.recordAnnotation(new Annotation.ClientRecv());
    });
    tracer.scoped(() => {
      const producer = tracer.createChildId();
      tracer.setId(producer);
      ids.producerId = producer.spanId;
      tracer.recordServiceName(service);
      tracer.recordRpc('publish');
      tracer.recordAnnotation(new Annotation.ProducerStart());
      tracer.recordAnnotation(new Annotation.MessageAddr({ serviceName: 'kafka' }));
      tracer.recordAnnotation(new Annotation.ProducerStop());
    });
    tracer.local('render', () => {
      ids.localId = tracer.id.spanId;
    });
    tracer.setId(server);
    tracer.recordBinary('http.status_code', '404');
    tracer.recordAnnotation(new Annotation.ServerSend());
  });
  // Spans are logged as they finish; the logger posts every 50 ms.
  await waitFor(() => errors.length > 0 || (logger as unknown as { queue: unknown[] }).queue.length === 0, { what: 'zipkin-js to post its spans' });
  assert.deepEqual(errors, []);
  return ids as JsRun;
}

/** `v1`: zipkin-js's v1 encoder writes a local span with no annotation at all, so no host and no service. */
function checkZipkinJsSpans(spans: Map<string, ArrivedSpan>, run: JsRun, service: string, where: string, v1: boolean): void {
  const get = (id: string) => spans.get(id)!;
  for (const id of [run.serverId, run.clientId, run.producerId, run.localId]) {
    const { span, resource } = get(id);
    assert.equal(span.traceId, run.traceId, `${where}: 128-bit trace ID`);
    assert.deepEqual(stringsOf(resource.attributes), v1 && id === run.localId ? {} : { 'service.name': service }, `${where}: resource of ${span.name}`);
    if (id !== run.serverId) assert.equal(span.parentSpanId, run.serverId, `${where}: parent of ${span.name}`);
    assert.ok(span.endTimeUnixNano >= span.startTimeUnixNano && span.startTimeUnixNano > 1_600_000_000_000_000_000n, `${where}: times of ${span.name}`);
  }
  const server = get(run.serverId).span;
  assert.deepEqual([server.name, server.kind, server.parentSpanId, server.status], ['get /users/:id', SpanKind.SERVER, '', { code: StatusCode.UNSET, message: '' }], `${where}: server`);
  assertAttributes(server.attributes, { 'http.path': '/users/42', 'http.status_code': '404', 'net.host.ip': '10.0.0.1', 'net.host.port': { int: 8080n }, 'net.peer.ip': '10.0.0.9', 'net.peer.port': { int: 51_000n } }, `${where}: server`);
  assert.deepEqual(server.events.map((e) => e.name), ['cache miss'], `${where}: server events`);

  const client = get(run.clientId).span;
  assert.deepEqual([client.name, client.kind, client.status], ['select', SpanKind.CLIENT, { code: StatusCode.ERROR, message: 'connection reset' }], `${where}: client`);
  assertAttributes(client.attributes, { 'peer.service': 'postgres', 'net.peer.ip': '10.0.0.2', 'net.peer.port': { int: 5432n } }, `${where}: client`);
  assert.equal(attr(client.attributes, 'error'), undefined, `${where}: the error tag became the status`);

  const producer = get(run.producerId).span;
  assert.deepEqual([producer.name, producer.kind], ['publish', SpanKind.PRODUCER], `${where}: producer`);
  assertAttributes(producer.attributes, { 'peer.service': 'kafka' }, `${where}: producer`);

  const local = get(run.localId).span;
  assert.deepEqual([local.name, local.kind], ['render', SpanKind.INTERNAL], `${where}: local span`);
}

/** A span without its IDs and times, to compare what two encodings delivered. */
const shape = (s: Span) => ({ ...s, traceId: '', spanId: '', parentSpanId: s.parentSpanId === '' ? '' : 'parent', startTimeUnixNano: 0n, endTimeUnixNano: 0n, events: s.events.map((e) => e.name) });

describe('zipkin-js (zipkin + zipkin-transport-http)', () => {
  it('JSON v2 and JSON v1 deliver the same spans: kinds, endpoints, tags, annotations, error status, parents', async (t) => {
    const front = await startZipkinFront(t);
    const service = `zipkin-js-${randomBytes(3).toString('hex')}`;
    const v2 = await sendWithZipkinJs(`${front.zipkinUrl}/api/v2/spans`, jsonEncoder.JSON_V2, service);
    const v1 = await sendWithZipkinJs(`${front.zipkinUrl}/api/v1/spans`, jsonEncoder.JSON_V1, service);
    const ids = (r: JsRun) => [r.serverId, r.clientId, r.producerId, r.localId];
    const spans = await waitForSpans(front.sink, [...ids(v2), ...ids(v1)]);
    checkZipkinJsSpans(spans, v2, service, 'JSON v2', false);
    checkZipkinJsSpans(spans, v1, service, 'JSON v1', true);
    for (const [a, b] of ids(v2).map((id, i) => [id, ids(v1)[i]!] as const)) {
      assert.deepEqual(shape(spans.get(b)!.span), shape(spans.get(a)!.span), `JSON v1 and v2 agree on ${spans.get(a)!.span.name}`);
    }
    assert.equal(await receivedByZipkin(front), 8);
  });
});

describe('@opentelemetry/exporter-zipkin', () => {
  it('SDK spans arrive with their resource, names, kinds, IDs, times (µs), attributes as text, events and status', async (t) => {
    const front = await startZipkinFront(t);
    const memory = new InMemorySpanExporter();
    const service = `otel-zipkin-${randomBytes(3).toString('hex')}`;
    const provider = new BasicTracerProvider({
      // As the SDK's NodeSDK builds it: the default resource (telemetry.sdk.*) merged with the application's.
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': service, 'host.name': 'web-1', 'deployment.environment': 'test', 'app.team': 'checkout' })),
      spanProcessors: [new SimpleSpanProcessor(new ZipkinExporter({ url: `${front.zipkinUrl}/api/v2/spans` })), new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('interop', '1.0.0');
    const root = tracer.startSpan('GET /checkout', { kind: OtelKind.SERVER, attributes: { 'http.method': 'GET', 'http.status_code': 500, ratio: 0.5, ok: false, list: ['a', 'b'] } });
    root.addEvent('cart loaded', { items: 3 });
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
    const child = tracer.startSpan('charge', { kind: OtelKind.CLIENT, attributes: { 'peer.service': 'payments' } }, api.setSpan(context.active(), root));
    child.setStatus({ code: SpanStatusCode.OK });
    child.end();
    const local = tracer.startSpan('audit', { kind: OtelKind.INTERNAL }, api.setSpan(context.active(), root));
    local.end();
    root.end();
    await provider.forceFlush();
    const recorded: ReadableSpan[] = memory.getFinishedSpans();
    await provider.shutdown();

    const spans = await waitForSpans(front.sink, recorded.map((s) => s.spanContext().spanId));
    for (const s of recorded) {
      const { span, resource } = spans.get(s.spanContext().spanId)!;
      const where = `span ${s.name}`;
      assert.equal(span.traceId, s.spanContext().traceId, where);
      assert.equal(span.parentSpanId, s.parentSpanContext?.spanId ?? '', where);
      assert.equal(span.name, s.name, where);
      const start = BigInt(s.startTime[0]) * 1_000_000_000n + BigInt(s.startTime[1]);
      assert.equal(span.startTimeUnixNano, (start / 1000n) * 1000n, `${where}: start in whole µs`);
      // The resource comes back from the tags the exporter copied onto the span; app.team is no resource key, so it stays a span attribute.
      assert.deepEqual(stringsOf(resource.attributes), {
        'service.name': service,
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.version': String(s.resource.attributes['telemetry.sdk.version']),
        'host.name': 'web-1',
        'deployment.environment': 'test',
      });
      assert.equal(attr(span.attributes, 'app.team')?.kind, 'string', `${where}: app.team`);
    }
    const [r, c, l] = [root, child, local].map((x) => spans.get(x.spanContext().spanId)!.span);
    assert.deepEqual([r!.kind, c!.kind, l!.kind], [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL]);
    assert.deepEqual(stringsOf(r!.attributes), { 'http.method': 'GET', 'http.status_code': '500', ratio: '0.5', ok: 'false', list: 'a,b', 'app.team': 'checkout' });
    assert.deepEqual(r!.status, { code: StatusCode.ERROR, message: 'card declined' });
    assert.deepEqual(r!.events.map((e) => [e.name, e.attributes]), [['cart loaded', []]], 'the exporter drops event attributes');
    assert.deepEqual(c!.status, { code: StatusCode.OK, message: '' });
    assertAttributes(c!.attributes, { 'peer.service': 'payments' }, 'client');
    assert.equal(arrivedSpans(front.sink).length, 3);
  });
});
