// One trace across all four protocols: what a span from an OpenTelemetry SDK
// keeps when it reaches ocsvc as OTLP and leaves as OpenCensus, Jaeger or
// Zipkin, or crosses every one of them in turn (OTLP -> Jaeger -> Zipkin ->
// OpenCensus -> OTLP, each hop through the model and the protocol's own wire
// encoding, as a chain of collectors would). The fields are those the
// OpenTelemetry specification maps for Jaeger and Zipkin: service name, IDs
// and parent, span kind, times, attributes, events, status (with the error
// tags), the remote endpoint, links. Where a protocol has no type or field
// for something, the expectation says what the specification (or, where it is
// silent, the Collector) writes instead, and that it then stays so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attr, type AnyValue, type KeyValue, type Span, type Traces } from '../../../lib/model/index.js';
import { SpanKind, StatusCode } from '../../../lib/model/trace.js';
import { decodePostSpansProto, encodePostSpansProto, tracesFromJaeger, tracesToJaeger } from '../../../lib/protocol/jaeger/index.js';
import { decodeTraceRequestProto, encodeTraceRequestProto, tracesFromOc, tracesToOc } from '../../../lib/protocol/opencensus/index.js';
import { decodeTracesProto, encodeTracesProto } from '../../../lib/protocol/otlp/index.js';
import { decodeZipkinV2Json, encodeZipkinV2Json } from '../../../lib/protocol/zipkin/index.js';
import { spanOf } from '../../helpers/trace-builder.js';

const T0 = 1_733_000_000_000_000_000n; // whole microseconds: Zipkin and Jaeger Thrift count in µs
const us = (n: number) => T0 + BigInt(n) * 1_000n;
const str = (value: string): AnyValue => ({ kind: 'string', value });
const int = (value: number): AnyValue => ({ kind: 'int', value: BigInt(value) });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

const TRACE = '5b8efff798038103d269b633813fc60c';
const SERVER = 'eee19b7ec3c1b174';
const CLIENT = 'eee19b7ec3c1b175';
const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

function span(over: Partial<Span>): Span {
  return spanOf({
    traceId: TRACE as Span['traceId'],
    spanId: SERVER as Span['spanId'],
    name: '',
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: us(0),
    endTimeUnixNano: us(1_000),
    ...over,
  });
}

/** What an OpenTelemetry SDK sends for a checkout request: a server span and a failing client call with a remote peer. */
function sdkTrace(): Traces {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', str('checkout'))], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: 'io.opentelemetry.http', version: '1.2.0', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: [
              span({
                name: 'POST /checkout',
                kind: SpanKind.SERVER,
                attributes: [kv('http.request.method', str('POST')), kv('http.response.status_code', int(502))],
                events: [{ timeUnixNano: us(10), name: 'cart loaded', attributes: [kv('cart.items', int(3))], droppedAttributesCount: 0 }],
                links: [{ ...LINKED, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 } as unknown as Span['links'][number]],
                status: { code: StatusCode.ERROR, message: 'upstream failed' },
              }),
              span({
                spanId: CLIENT as Span['spanId'],
                parentSpanId: SERVER as Span['parentSpanId'],
                name: 'charge',
                kind: SpanKind.CLIENT,
                startTimeUnixNano: us(100),
                endTimeUnixNano: us(900),
                attributes: [kv('server.address', str('payments')), kv('server.port', int(8443)), kv('rpc.system', str('grpc'))],
                status: { code: StatusCode.ERROR, message: 'deadline exceeded' },
              }),
            ],
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

// Each hop: model -> the protocol's wire bytes -> model, as one collector hands to the next.
const HOPS = {
  otlp: (t: Traces) => decodeTracesProto(encodeTracesProto(t)),
  opencensus: (t: Traces) => ({ resourceSpans: tracesToOc(t).flatMap((r) => tracesFromOc(decodeTraceRequestProto(encodeTraceRequestProto(r))).resourceSpans) }),
  jaeger: (t: Traces) => ({ resourceSpans: tracesToJaeger(t).flatMap((b) => tracesFromJaeger(decodePostSpansProto(encodePostSpansProto(b))).resourceSpans) }),
  zipkin: (t: Traces) => decodeZipkinV2Json(encodeZipkinV2Json(t)),
} as const;
type Protocol = keyof typeof HOPS;

interface Seen {
  service: string;
  span: Span;
}
function spansOf(t: Traces): Map<string, Seen> {
  const out = new Map<string, Seen>();
  for (const rs of t.resourceSpans) {
    const service = attr(rs.resource.attributes, 'service.name');
    for (const ss of rs.scopeSpans) for (const s of ss.spans) out.set(s.spanId, { service: service?.kind === 'string' ? service.value : '', span: s });
  }
  return out;
}

/** An attribute's value as text, the way Zipkin (tags are strings) shows every type. */
function text(v: AnyValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.kind === 'string') return v.value;
  if (v.kind === 'int') return String(v.value);
  return JSON.stringify(v);
}

/** What must hold for a span that crossed `via` (one protocol, or several in turn). */
function assertKept(via: Protocol[], sent: Span, got: Seen): void {
  const where = `${sent.name} via ${via.join(' -> ')}`;
  const zipkin = via.includes('zipkin');
  assert.equal(got.service, 'checkout', `${where}: service.name`);
  assert.deepEqual([got.span.traceId, got.span.spanId, got.span.parentSpanId], [sent.traceId, sent.spanId, sent.parentSpanId], `${where}: IDs and parent`);
  assert.equal(got.span.name, sent.name, `${where}: name`);
  assert.equal(got.span.kind, sent.kind, `${where}: kind`);
  assert.deepEqual([got.span.startTimeUnixNano, got.span.endTimeUnixNano], [sent.startTimeUnixNano, sent.endTimeUnixNano], `${where}: times`);
  // Status: ERROR and its description, through Jaeger's and Zipkin's error and otel.status_* tags.
  assert.deepEqual(got.span.status, sent.status, `${where}: status`);
  // Attributes: every one arrives; Zipkin tags are strings, so after Zipkin the values are their text.
  for (const a of sent.attributes) {
    const v = attr(got.span.attributes, a.key);
    if (zipkin) assert.equal(text(v), text(a.value), `${where}: ${a.key} as text`);
    else assert.deepEqual(v, a.value, `${where}: ${a.key}`);
  }
  // No error or status tag is left behind as a plain attribute once it has been read back into the status.
  for (const key of ['error', 'otel.status_code', 'otel.status_description']) assert.equal(attr(got.span.attributes, key), undefined, `${where}: ${key} read into the status`);
  // Events: name and time; their attributes as typed values, or as text after Zipkin.
  assert.deepEqual(got.span.events.map((e) => [e.name, e.timeUnixNano]), sent.events.map((e) => [e.name, e.timeUnixNano]), `${where}: events`);
  sent.events.forEach((e, i) => {
    for (const a of e.attributes) {
      const v = attr(got.span.events[i]!.attributes, a.key);
      if (zipkin) assert.equal(text(v), text(a.value), `${where}: event ${e.name} ${a.key}`);
      else assert.deepEqual(v, a.value, `${where}: event ${e.name} ${a.key}`);
    }
  });
  // Links: Zipkin has none, so they do not survive it; elsewhere they do.
  const links = got.span.links.map((l) => [l.traceId, l.spanId]);
  if (zipkin) assert.deepEqual(links, [], `${where}: Zipkin has no links`);
  else assert.deepEqual(links, sent.links.map((l) => [l.traceId, l.spanId]), `${where}: links`);
}

describe('one SDK trace across OpenCensus, Jaeger and Zipkin', () => {
  for (const protocol of ['opencensus', 'jaeger', 'zipkin'] as const) {
    it(`OTLP -> ${protocol} -> OTLP keeps service, IDs, kind, times, attributes, events, status${protocol === 'zipkin' ? '' : ' and links'}`, () => {
      const sent = sdkTrace();
      const got = spansOf(HOPS.otlp(HOPS[protocol](HOPS.otlp(sent))));
      for (const s of spansOf(sent).values()) assertKept([protocol], s.span, got.get(s.span.spanId)!);
    });
  }

  it('OTLP -> Jaeger -> Zipkin -> OpenCensus -> OTLP keeps the same, and what a hop turned to text stays text', () => {
    const chain: Protocol[] = ['otlp', 'jaeger', 'zipkin', 'opencensus', 'otlp'];
    const sent = sdkTrace();
    const got = spansOf(chain.reduce((t, p) => HOPS[p](t), sent));
    for (const s of spansOf(sent).values()) assertKept(chain, s.span, got.get(s.span.spanId)!);
  });

  it("the client span's peer becomes Zipkin's remoteEndpoint and comes back as the same attributes", () => {
    const zipkin = JSON.parse(encodeZipkinV2Json(sdkTrace())) as { id: string; kind?: string; remoteEndpoint?: { serviceName?: string; port?: number } }[];
    const client = zipkin.find((z) => z.id === CLIENT)!;
    assert.equal(client.kind, 'CLIENT');
    assert.equal(client.remoteEndpoint?.serviceName, 'payments');
    assert.equal(client.remoteEndpoint?.port, 8443);
    const back = spansOf(HOPS.zipkin(sdkTrace())).get(CLIENT)!.span;
    assert.equal(text(attr(back.attributes, 'server.address')), 'payments');
    assert.equal(text(attr(back.attributes, 'server.port')), '8443');
  });

  it("Jaeger's and Zipkin's error tags say error, with the status description, as the specification writes them", () => {
    const [jaeger] = tracesToJaeger(sdkTrace());
    const jSpan = jaeger!.spans.find((s) => s.spanId === CLIENT)!;
    const tags = new Map(jSpan.tags.map((t) => [t.key, t]));
    assert.ok(tags.has('error'), 'Jaeger: error=true');
    assert.ok(tags.has('otel.status_code'));
    const zipkin = JSON.parse(encodeZipkinV2Json(sdkTrace())) as { id: string; tags?: Record<string, string> }[];
    const zTags = zipkin.find((z) => z.id === CLIENT)!.tags!;
    assert.equal(zTags['otel.status_code'], 'ERROR');
    assert.equal(zTags.error, 'deadline exceeded', 'Zipkin: error=<description>');
  });
});
