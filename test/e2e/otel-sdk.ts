// Sends traces with the real OpenTelemetry JS SDK through its three OTLP
// exporters (gRPC, HTTP/protobuf, HTTP/JSON), and keeps what the SDK itself
// recorded, so that what arrives at a backend can be compared field by field.
import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace as api, type Span as ApiSpan } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { AnyValue, KeyValue } from '../../lib/model/common.js';
import type { Span, Traces } from '../../lib/model/trace.js';

export type Transport = 'grpc' | 'http/protobuf' | 'http/json';

function exporterFor(transport: Transport, endpoints: { grpc: string; http: string }): SpanExporter {
  switch (transport) {
    case 'grpc':
      return new GrpcExporter({ url: `http://${endpoints.grpc}` });
    case 'http/protobuf':
      return new ProtoExporter({ url: `http://${endpoints.http}/v1/traces` });
    case 'http/json':
      return new JsonExporter({ url: `http://${endpoints.http}/v1/traces` });
  }
}

/**
 * Emits `traces` traces of 3 spans (server root, client child with an event,
 * internal grandchild with an error status) through one exporter; resolves
 * with the spans as the SDK recorded them.
 */
export async function sendTraces(transport: Transport, endpoints: { grpc: string; http: string }, traces: number, tag: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const exporter = exporterFor(transport, endpoints);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `e2e-${transport}`, 'deployment.environment': 'test', 'e2e.tag': tag }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 64, scheduledDelayMillis: 50 }), new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('ocsvc-e2e', '1.2.3');
  for (let i = 0; i < traces; i++) {
    const root = tracer.startSpan(`GET /orders/${i}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.method': 'GET', 'http.status_code': 200, 'e2e.ratio': 0.25, 'e2e.cached': false, 'e2e.tags': ['a', 'b'], 'e2e.tag': tag },
    });
    const inRoot = api.setSpan(context.active(), root);
    const child: ApiSpan = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'e2e.index': i } }, inRoot);
    child.addEvent('rows fetched', { rows: 42, 'e2e.note': 'ünïcode ✓' });
    const grandchild = tracer.startSpan('parse', { kind: SpanKind.INTERNAL }, api.setSpan(inRoot, child));
    grandchild.setStatus({ code: SpanStatusCode.ERROR, message: 'bad row' });
    grandchild.end();
    child.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
  }
  await provider.forceFlush();
  // Read before shutdown: shutting down the in-memory exporter empties it.
  const finished = memory.getFinishedSpans();
  await provider.shutdown();
  assert.equal(finished.length, traces * 3, 'the SDK recorded every span');
  return finished;
}

const hrToNs = ([s, ns]: [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(ns);

function plain(value: AnyValue): unknown {
  switch (value.kind) {
    case 'int':
      return Number(value.value);
    case 'array':
      return value.value.map(plain);
    case 'kvlist':
      return Object.fromEntries(value.value.map((kv) => [kv.key, plain(kv.value)]));
    case 'empty':
      return undefined;
    case 'bytes':
      return Buffer.from(value.value).toString('hex');
    default:
      return value.value;
  }
}
const attrs = (kvs: readonly KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, plain(kv.value)]));

export interface Arrived {
  span: Span;
  resource: Record<string, unknown>;
  scope: { name: string; version: string };
}

/** Every span in the traces, with its resource and scope, flattened. */
export function flatten(list: Traces[]): Arrived[] {
  const out: Arrived[] = [];
  for (const t of list)
    for (const rs of t.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) out.push({ span, resource: attrs(rs.resource.attributes), scope: { name: ss.scope.name, version: ss.scope.version } });
  return out;
}

/** Asserts that the arrived span is the SDK's span, field by field. */
/**
 * Asserts that a span arrived as the SDK made it. `viaOpenCensus`: it crossed
 * an OpenCensus hop, which has no array type, so arrays arrive as JSON text
 * (the documented mapping of lib/protocol/opencensus/traces.ts).
 */
export function assertSameSpan(arrived: Arrived, sdk: ReadableSpan, viaOpenCensus = false): void {
  const { span } = arrived;
  const expectedAttrs = (a: Record<string, unknown>) =>
    viaOpenCensus ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Array.isArray(v) ? JSON.stringify(v) : v])) : a;
  const ctx = sdk.spanContext();
  assert.equal(span.traceId, ctx.traceId);
  assert.equal(span.spanId, ctx.spanId);
  assert.equal(span.parentSpanId, sdk.parentSpanContext?.spanId ?? '');
  assert.equal(span.name, sdk.name);
  assert.equal(span.kind, sdk.kind + 1, 'OTLP kind is the API kind + 1');
  assert.equal(span.startTimeUnixNano, hrToNs(sdk.startTime));
  assert.equal(span.endTimeUnixNano, hrToNs(sdk.endTime));
  assert.deepEqual(attrs(span.attributes), expectedAttrs(sdk.attributes));
  assert.deepEqual(
    span.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: attrs(e.attributes) })),
    sdk.events.map((e) => ({ name: e.name, time: hrToNs(e.time), attributes: expectedAttrs(e.attributes ?? {}) })),
  );
  assert.equal(span.status.code, sdk.status.code);
  assert.equal(span.status.message, sdk.status.message ?? '');
  assert.deepEqual(arrived.resource, expectedAttrs(Object.fromEntries(Object.entries(sdk.resource.attributes))));
  assert.deepEqual(arrived.scope, { name: sdk.instrumentationScope.name, version: sdk.instrumentationScope.version ?? '' });
}
