// The zipkin backend against a real Zipkin server (io.zipkin:zipkin-server
// from Maven Central, in-memory storage; test/harness/zipkin-server.ts):
// spans made with the OpenTelemetry JS SDK go over OTLP/HTTP to ocsvc
// all-in-one, whose zipkin backend posts them to Zipkin, in JSON and in
// proto3; each trace is then read back through Zipkin's own query API
// (GET /api/v2/trace/{id}) and checked field by field: names, kinds, IDs,
// parents, timestamps and durations, endpoints, tags, annotations.
//
// What Zipkin itself does, pinned here: it lowercases span and service names,
// and shortens a 128-bit trace ID whose high half is zero to 16 digits.
// Without java the test skips locally and fails under CI.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { context, SpanKind, SpanStatusCode, trace as api } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { waitFor } from '../../harness/wait-for.js';
import { zipkinServer, type ZipkinServer } from '../../harness/zipkin-server.js';
import { ARRIVAL_TIMEOUT_MS, startZipkinBack } from './interop.js';

const SERVICE = 'Zipkin-Interop';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Two traces of four spans: one with a 128-bit trace ID, one whose high half is zero (a 64-bit Zipkin ID). */
async function sendWithSdk(otlpHttpUrl: string, run: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  let nextTrace = 0;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE, 'host.name': 'interop-host', 'interop.run': run }),
    idGenerator: { generateTraceId: () => (nextTrace++ === 0 ? hex(16) : `0000000000000000${hex(8)}`), generateSpanId: () => hex(8) },
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces` }), { scheduledDelayMillis: 50 }), new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('ocsvc-zipkin-interop', '0.1.0');
  for (let i = 0; i < 2; i++) {
    const root = tracer.startSpan(`GET /Orders/${i}`, { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.status_code': 200, 'net.host.ip': '10.1.2.3', 'net.host.port': 8080 } });
    root.addEvent('cache miss');
    root.addEvent('retry', { attempt: 2, cause: 'timeout' });
    const inRoot = api.setSpan(context.active(), root);
    const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'peer.service': 'postgres', 'net.peer.ip': '10.9.8.7', 'net.peer.port': 5432, 'interop.tags': ['a', 'b'] } }, inRoot);
    db.setStatus({ code: SpanStatusCode.ERROR, message: 'deadline exceeded' });
    db.end();
    const publish = tracer.startSpan('orders publish', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'server.address': 'kafka.local', 'server.port': 9092 } }, inRoot);
    publish.end();
    const local = tracer.startSpan('validate', { kind: SpanKind.INTERNAL, attributes: { 'interop.ratio': 0.25, 'interop.cached': false } }, inRoot);
    local.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
  }
  await provider.forceFlush();
  const finished = memory.getFinishedSpans();
  await provider.shutdown();
  assert.equal(finished.length, 8);
  return finished;
}

const micros = ([s, ns]: [number, number]) => s * 1_000_000 + Math.floor(ns / 1_000);
const durationMicros = (start: [number, number], end: [number, number]) => {
  const ns = (BigInt(end[0]) - BigInt(start[0])) * 1_000_000_000n + BigInt(end[1] - start[1]);
  return ns <= 0n ? undefined : ns < 1_000n ? 1 : Number(ns / 1_000n);
};

/** What Zipkin should hold for a span the SDK recorded: the unit conversions here, the mapping spelled out per span. */
function expected(s: ReadableSpan, run: string): Record<string, unknown> {
  const traceId = s.spanContext().traceId;
  const common = {
    traceId: traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId,
    id: s.spanContext().spanId,
    ...(s.parentSpanContext ? { parentId: s.parentSpanContext.spanId } : {}),
    name: s.name.toLowerCase(),
    timestamp: micros(s.startTime),
    duration: durationMicros(s.startTime, s.endTime),
  };
  const tags = { 'host.name': 'interop-host', 'interop.run': run, 'otel.scope.name': 'ocsvc-zipkin-interop', 'otel.scope.version': '0.1.0' };
  const local = { serviceName: SERVICE.toLowerCase() };
  const at = (i: number) => micros(s.events[i]!.time);
  switch (s.kind) {
    case SpanKind.SERVER:
      return {
        ...common,
        kind: 'SERVER',
        localEndpoint: { ...local, ipv4: '10.1.2.3', port: 8080 },
        annotations: [
          { timestamp: at(0), value: 'cache miss' },
          { timestamp: at(1), value: '"retry":{"attempt":2,"cause":"timeout"}' },
        ],
        tags: { ...tags, 'http.method': 'GET', 'http.status_code': '200', 'otel.status_code': 'OK' },
      };
    case SpanKind.CLIENT:
      return {
        ...common,
        kind: 'CLIENT',
        localEndpoint: local,
        remoteEndpoint: { serviceName: 'postgres', ipv4: '10.9.8.7', port: 5432 },
        tags: { ...tags, 'db.system': 'postgresql', 'interop.tags': '["a","b"]', 'otel.status_code': 'ERROR', error: 'deadline exceeded' },
      };
    case SpanKind.PRODUCER:
      // No peer.service: the specification's ranking takes server.address, which stays a tag too.
      return {
        ...common,
        kind: 'PRODUCER',
        localEndpoint: local,
        remoteEndpoint: { serviceName: 'kafka.local', port: 9092 },
        tags: { ...tags, 'messaging.system': 'kafka', 'server.address': 'kafka.local', 'server.port': '9092' },
      };
    default:
      return { ...common, localEndpoint: local, tags: { ...tags, 'interop.ratio': '0.25', 'interop.cached': 'false' } };
  }
}

/** Waits until Zipkin holds every span of the trace; returns them by span ID. */
async function traceFromZipkin(zipkin: ZipkinServer, traceId: string, spans: number): Promise<Map<string, Record<string, unknown>>> {
  return waitFor(
    async () => {
      const got = await zipkin.trace(traceId);
      return got !== undefined && got.length >= spans ? new Map(got.map((s) => [s.id as string, s])) : undefined;
    },
    { timeoutMs: ARRIVAL_TIMEOUT_MS, what: `${spans} spans of trace ${traceId} in Zipkin` },
  );
}

void test('OpenTelemetry SDK spans reach a real Zipkin server through the zipkin backend, in JSON and proto3, exactly as mapped', { timeout: 300_000 }, async (t) => {
  const zipkin = await zipkinServer(t);
  if (!zipkin) return;
  t.diagnostic(`Zipkin ${zipkin.version} on ${zipkin.url}`);
  for (const encoding of ['json', 'proto'] as const) {
    const back = await startZipkinBack(t, zipkin.url, encoding);
    const run = `${encoding}-${hex(4)}`;
    const recorded = await sendWithSdk(back.otlpHttpUrl, run);
    const byTrace = new Map<string, ReadableSpan[]>();
    for (const s of recorded) byTrace.set(s.spanContext().traceId, [...(byTrace.get(s.spanContext().traceId) ?? []), s]);
    assert.equal(byTrace.size, 2);
    for (const [traceId, spans] of byTrace) {
      const zipkinId = traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId;
      const stored = await traceFromZipkin(zipkin, zipkinId, spans.length);
      assert.equal(stored.size, spans.length, `${encoding}: one Zipkin span per SDK span`);
      for (const s of spans) {
        assert.deepEqual(stored.get(s.spanContext().spanId), expected(s, run), `${encoding}: span ${s.name}`);
      }
    }
    assert.equal(await back.service.stop(), 0, 'all-in-one stops cleanly');
  }
});
