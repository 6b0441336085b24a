// jaeger-client (npm, the Node.js Jaeger client) against ocsvc all-in-one:
// spans over UDP (binary Thrift, port 6832: the only UDP protocol the Node
// client speaks) and over HTTP (POST /api/traces), checked at the OTLP
// backend field by field; and its RemoteSampler fetching the strategy from
// the sampling endpoint, applying it per operation, and following a change of
// the strategies file. The client runs in the test process, as it would in a
// Node.js service.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { test } from 'node:test';
import type { Span as OtSpan, SpanContext as OtSpanContext, Tracer as OtTracer } from 'opentracing';
import { attr } from '../../../lib/model/common.js';
import { SpanKind, StatusCode } from '../../../lib/model/trace.js';
import { waitFor } from '../../harness/wait-for.js';
import { arrivedSpans, receivedByReceiver, startCollector, text, waitForSpans, type Collector } from './interop.js';

const require = createRequire(import.meta.url);
type Sender = { close(): void };
type Sampler = object;
/** The part of jaeger-client's API used here (its @types package lacks the constructors). */
interface JaegerClient {
  Tracer: new (service: string, reporter: object, sampler: Sampler, options: object) => OtTracer & { close(cb: () => void): void };
  RemoteReporter: new (sender: Sender, options: object) => object;
  ConstSampler: new (decision: boolean) => Sampler;
  ProbabilisticSampler: new (rate: number) => Sampler;
  RemoteSampler: new (service: string, options: object) => Sampler & { close(cb?: () => void): void };
  opentracing: { followsFrom(ctx: OtSpanContext): object };
}
const jaeger = require('jaeger-client') as JaegerClient;
// The senders are not exported from the package's index; these are its own modules.
const UDPSender = (require('jaeger-client/dist/src/reporters/udp_sender.js') as { default: new (o: object) => Sender }).default;
const HTTPSender = (require('jaeger-client/dist/src/reporters/http_sender.js') as { default: new (o: object) => Sender }).default;
const CLIENT_VERSION = (require('jaeger-client/package.json') as { version: string }).version;

interface Client {
  tracer: OtTracer;
  /** Flushes what is buffered and closes the sender. */
  close(): Promise<void>;
}

const quiet = { info: () => undefined, error: (msg: string) => console.error(`jaeger-client: ${msg}`) };

function client(service: string, sender: Sender, sampler: Sampler = new jaeger.ConstSampler(true), tags: Record<string, unknown> = {}): Client {
  const reporter = new jaeger.RemoteReporter(sender, { logger: quiet, bufferFlushInterval: 100 });
  const tracer = new jaeger.Tracer(service, reporter, sampler, { logger: quiet, tags });
  return { tracer, close: () => new Promise<void>((resolve) => tracer.close(resolve)) };
}

const hex = (span: OtSpan, what: 'traceId' | 'spanId'): string => {
  const ctx = span.context() as unknown as { traceIdStr: string; spanIdStr: string };
  return (what === 'traceId' ? ctx.traceIdStr : ctx.spanIdStr).padStart(what === 'traceId' ? 32 : 16, '0');
};

/** A server span with a client child (error, a log) and a producer span that follows from the root. */
function reportTrace(c: Client, run: string): { traceId: string; root: string; child: string; later: string } {
  const root = c.tracer.startSpan('GET /cart', { tags: { 'span.kind': 'server', 'http.method': 'GET', 'http.status_code': 200, 'interop.ratio': 0.25, 'interop.run': run } });
  const child = c.tracer.startSpan('SELECT cart', { childOf: root, tags: { 'span.kind': 'client', 'db.type': 'sql' } });
  child.setTag('error', true);
  child.log({ event: 'error', message: 'query timed out', attempt: 2 });
  child.finish();
  const later = c.tracer.startSpan('publish cart.updated', { references: [jaeger.opentracing.followsFrom(root.context()) as never], tags: { 'span.kind': 'producer' } });
  later.finish();
  root.finish();
  return { traceId: hex(root, 'traceId'), root: hex(root, 'spanId'), child: hex(child, 'spanId'), later: hex(later, 'spanId') };
}

async function assertTraceArrived(collector: Collector, ids: ReturnType<typeof reportTrace>, service: string, run: string): Promise<void> {
  const byId = await waitForSpans(collector.sink, [ids.root, ids.child, ids.later]);
  const root = byId.get(ids.root)!;
  const child = byId.get(ids.child)!;
  const later = byId.get(ids.later)!;
  for (const a of [root, child, later]) assert.equal(a.span.traceId, ids.traceId);

  assert.equal(text(root.resource.attributes, 'service.name'), service);
  assert.equal(text(root.resource.attributes, 'jaeger.version'), `Node-${CLIENT_VERSION}`);
  assert.equal(text(root.resource.attributes, 'hostname'), hostname());
  assert.equal(text(root.resource.attributes, 'interop.tracer'), 'node');

  assert.equal(root.span.name, 'GET /cart');
  assert.equal(root.span.parentSpanId, '');
  assert.equal(root.span.kind, SpanKind.SERVER);
  assert.equal(root.span.status.code, StatusCode.UNSET);
  assert.equal(text(root.span.attributes, 'http.method'), 'GET');
  assert.deepEqual(attr(root.span.attributes, 'http.status_code'), { kind: 'double', value: 200 }, 'the Node client sends every number as a DOUBLE tag');
  assert.deepEqual(attr(root.span.attributes, 'interop.ratio'), { kind: 'double', value: 0.25 });
  assert.equal(text(root.span.attributes, 'interop.run'), run);
  assert.equal(text(root.span.attributes, 'sampler.type'), 'const', 'the client tags its root spans with its sampler');
  assert.equal(attr(root.span.attributes, 'span.kind'), undefined, 'span.kind became the kind');
  assert.equal(root.span.flags & 1, 1, 'sampled');
  assert.ok(root.span.endTimeUnixNano >= root.span.startTimeUnixNano && root.span.startTimeUnixNano > 1_600_000_000_000_000_000n);

  assert.equal(child.span.parentSpanId, ids.root);
  assert.equal(child.span.kind, SpanKind.CLIENT);
  assert.equal(child.span.status.code, StatusCode.ERROR, 'error=true is an ERROR status');
  assert.equal(attr(child.span.attributes, 'error'), undefined);
  assert.deepEqual(child.span.links, [], 'the CHILD_OF reference to the parent is no link');
  assert.equal(child.span.events.length, 1);
  const [event] = child.span.events;
  assert.equal(event!.name, 'error', 'the log\'s "event" field names the event');
  assert.equal(text(event!.attributes, 'message'), 'query timed out');
  assert.deepEqual(attr(event!.attributes, 'attempt'), { kind: 'double', value: 2 }, 'JavaScript numbers are doubles');
  assert.ok(event!.timeUnixNano >= child.span.startTimeUnixNano && event!.timeUnixNano <= child.span.endTimeUnixNano);

  assert.equal(later.span.kind, SpanKind.PRODUCER);
  assert.equal(later.span.parentSpanId, ids.root, 'a FOLLOWS_FROM reference is the parent when there is no CHILD_OF');
  assert.deepEqual(
    later.span.links.map((l) => [l.traceId, l.spanId, text(l.attributes, 'opentracing.ref_type')]),
    [[ids.traceId, ids.root, 'follows_from']],
  );
  assert.equal(arrivedSpans(collector.sink).filter((a) => a.span.traceId === ids.traceId).length, 3, 'each span arrives once');
}

test('jaeger-client over UDP (binary Thrift, 6832): spans arrive with their process, kinds, tags, status, logs and references', async (t) => {
  const collector = await startCollector(t);
  const run = `udp-${Date.now()}`;
  const c = client('interop-node-udp', new UDPSender({ host: '127.0.0.1', port: collector.ports.binary, logger: quiet }), undefined, { 'interop.tracer': 'node' });
  const ids = reportTrace(c, run);
  await c.close();
  await assertTraceArrived(collector, ids, 'interop-node-udp', run);
  assert.equal(await receivedByReceiver(collector), 3);
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});

test('jaeger-client over HTTP (POST /api/traces): the same trace arrives the same way, and also reaches a Jaeger backend', async (t) => {
  const collector = await startCollector(t, { jaegerBackend: true });
  const run = `http-${Date.now()}`;
  const c = client('interop-node-http', new HTTPSender({ endpoint: `http://127.0.0.1:${collector.ports.http}/api/traces`, logger: quiet }), undefined, { 'interop.tracer': 'node' });
  const ids = reportTrace(c, run);
  await c.close();
  await assertTraceArrived(collector, ids, 'interop-node-http', run);

  // Jaeger in, Jaeger out: the exporter's jaeger backend posts the same spans to a collector.
  const jaegerOut = collector.jaeger!;
  await waitFor(() => jaegerOut.spans().length >= 3, { timeoutMs: 30_000, what: 'three spans at the Jaeger collector' });
  const out = new Map(jaegerOut.spans().map((s) => [s.spanId, s]));
  assert.equal(out.get(ids.child)!.operationName, 'SELECT cart');
  assert.deepEqual(out.get(ids.child)!.references, [{ traceId: ids.traceId, spanId: ids.root, refType: 'CHILD_OF' }]);
  assert.deepEqual(out.get(ids.later)!.references, [{ traceId: ids.traceId, spanId: ids.root, refType: 'FOLLOWS_FROM' }]);
  const tags = (id: string) => Object.fromEntries(out.get(id)!.tags.map((x) => [x.key, x.vType === 'BOOL' ? x.vBool : x.vType === 'STRING' ? x.vStr : x.vType]));
  assert.equal(tags(ids.child)['span.kind'], 'client');
  assert.equal(tags(ids.child).error, true);
  assert.equal(tags(ids.root)['http.method'], 'GET');
  assert.equal(jaegerOut.requests[0]!.process?.serviceName ?? out.get(ids.root)!.process?.serviceName, 'interop-node-http');
  assert.equal(await collector.stop(), 0);
});

test('jaeger-client\'s RemoteSampler fetches its strategy from the sampling endpoint, samples per operation, and follows a changed file', async (t) => {
  const service = 'interop-node-sampled';
  const collector = await startCollector(t, {
    strategies: {
      service_strategies: [{ service, type: 'probabilistic', param: 0, operation_strategies: [{ operation: 'checkout', type: 'probabilistic', param: 1 }] }],
    },
  });
  let updates = 0;
  const sampler = new jaeger.RemoteSampler(service, {
    sampler: new jaeger.ProbabilisticSampler(1),
    hostPort: `127.0.0.1:${collector.ports.sampling}`,
    refreshInterval: 100,
    logger: quiet,
    onSamplerUpdate: () => updates++,
  });
  const c = client(service, new UDPSender({ host: '127.0.0.1', port: collector.ports.binary, logger: quiet }), sampler);
  t.after(() => sampler.close());
  await waitFor(() => updates > 0, { what: 'the sampler to apply the fetched strategy' });

  const spans = (name: string, n: number) =>
    Array.from({ length: n }, () => {
      const span = c.tracer.startSpan(name);
      span.finish();
      return { id: hex(span, 'spanId'), sampled: (span.context() as unknown as { isSampled(): boolean }).isSampled() };
    });
  const checkout = spans('checkout', 5);
  const browse = spans('browse', 5);
  assert.deepEqual(checkout.map((s) => s.sampled), [true, true, true, true, true], 'the operation strategy (1) applies to checkout');
  assert.deepEqual(browse.map((s) => s.sampled), [false, false, false, false, false], 'the service default (0) to the rest');

  // The file changes: the service now samples everything; the client picks it up on its next poll.
  await collector.writeStrategies({ service_strategies: [{ service, type: 'probabilistic', param: 1 }] });
  const seen = updates;
  await waitFor(() => updates > seen && spans('probe', 1)[0]!.sampled, { timeoutMs: 15_000, intervalMs: 150, what: 'the changed strategy to be applied' });
  const browseAfter = spans('browse', 3);
  assert.deepEqual(browseAfter.map((s) => s.sampled), [true, true, true]);
  await c.close();

  const sampled = [...checkout, ...browseAfter].map((s) => s.id);
  await waitForSpans(collector.sink, sampled);
  const arrived = new Set(arrivedSpans(collector.sink).map((a) => a.span.spanId as string));
  assert.ok(browse.every((s) => !arrived.has(s.id)), 'unsampled spans are never sent');
  const checkoutSpan = arrivedSpans(collector.sink).find((a) => a.span.spanId === checkout[0]!.id)!;
  assert.equal(text(checkoutSpan.span.attributes, 'sampler.type'), 'probabilistic');
  assert.deepEqual(attr(checkoutSpan.span.attributes, 'sampler.param'), { kind: 'double', value: 1 });
  assert.equal(await collector.stop(), 0);
});
