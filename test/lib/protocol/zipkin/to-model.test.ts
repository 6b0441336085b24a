// Zipkin v2 spans -> the model: one table per mapping rule of to-model.ts
// (the OpenTelemetry specification's Zipkin mapping, and the Collector's
// zipkin receiver where the specification is silent).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attr } from '../../../../lib/model/index.js';
import { decodeZipkinV2Json } from '../../../../lib/protocol/zipkin/index.js';
import { bool, int, kv, landed, one, PARENT, SPAN, str, T0_US, TRACE, zspan } from './helpers.js';

describe('Zipkin -> model: identifiers', () => {
  it('keeps a 128-bit trace ID and pads a 64-bit one with zeros to 128 bits', () => {
    assert.equal(one(zspan()).span.traceId, TRACE);
    assert.equal(one(zspan({ traceId: 'd269b633813fc60c' })).span.traceId, '0000000000000000d269b633813fc60c');
  });
  it('copies id and parentId; a root has no parent, and a parent equal to the span itself reads as none', () => {
    assert.deepEqual([one(zspan({ parentId: PARENT })).span.spanId, one(zspan({ parentId: PARENT })).span.parentSpanId], [SPAN, PARENT]);
    assert.equal(one(zspan()).span.parentSpanId, '');
    assert.equal(one(zspan({ parentId: SPAN })).span.parentSpanId, '');
  });
  it('lowercases identifiers and pads short ones as Zipkin does', () => {
    const s = one(zspan({ traceId: 'ABC', id: '1F', parentId: 'A' })).span;
    assert.deepEqual([s.traceId, s.spanId, s.parentSpanId], ['00000000000000000000000000000abc', '000000000000001f', '000000000000000a']);
    assert.equal(one(zspan({ traceId: '1' + '0'.repeat(16) })).span.traceId, '000000000000000' + '1' + '0'.repeat(16));
  });
});

describe('Zipkin -> model: kind', () => {
  const table: [string | undefined, number][] = [
    ['CLIENT', 3],
    ['SERVER', 2],
    ['PRODUCER', 4],
    ['CONSUMER', 5],
    [undefined, 1],
  ];
  for (const [kind, want] of table) {
    it(`${kind ?? 'absent (a local span)'} -> ${['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][want]}`, () => {
      assert.equal(one(zspan(kind === undefined ? {} : { kind: kind as 'CLIENT' })).span.kind, want);
    });
  }
});

describe('Zipkin -> model: times', () => {
  it('timestamp and duration in microseconds become start and end in nanoseconds', () => {
    const s = one(zspan({ timestamp: T0_US, duration: 1_234 })).span;
    assert.deepEqual([s.startTimeUnixNano, s.endTimeUnixNano], [BigInt(T0_US) * 1000n, BigInt(T0_US + 1_234) * 1000n]);
  });
  it('an absent timestamp starts at 0 and an absent duration ends where it starts', () => {
    const noStart = one({ traceId: TRACE, id: SPAN, duration: 7 }).span;
    assert.deepEqual([noStart.startTimeUnixNano, noStart.endTimeUnixNano], [0n, 7_000n]);
    const noDuration = one({ traceId: TRACE, id: SPAN, timestamp: T0_US }).span;
    assert.equal(noDuration.endTimeUnixNano, noDuration.startTimeUnixNano);
  });
});

describe('Zipkin -> model: local endpoint and resource', () => {
  it('localEndpoint.serviceName becomes the resource service.name; spans group by resource, then scope, in order', () => {
    const t = decodeZipkinV2Json(
      JSON.stringify([
        zspan({ id: '0000000000000001', localEndpoint: { serviceName: 'cart' } }),
        zspan({ id: '0000000000000002', localEndpoint: { serviceName: 'db' } }),
        zspan({ id: '0000000000000003', localEndpoint: { serviceName: 'cart' }, tags: { 'otel.scope.name': 'redis' } }),
        zspan({ id: '0000000000000004', localEndpoint: { serviceName: 'cart' } }),
        zspan({ id: '0000000000000005' }),
      ]),
    );
    assert.deepEqual(
      t.resourceSpans.map((rs) => [rs.resource.attributes, rs.scopeSpans.map((ss) => [ss.scope.name, ss.spans.map((s) => s.spanId.slice(-1))])]),
      [
        [[kv('service.name', str('cart'))], [['', ['1', '4']], ['redis', ['3']]]],
        [[kv('service.name', str('db'))], [['', ['2']]]],
        [[], [['', ['5']]]],
      ],
    );
  });
  it('an IPv4 endpoint with a port -> net.host.ip and net.host.port (an int)', () => {
    const { span } = one(zspan({ localEndpoint: { serviceName: 'cart', ipv4: '10.1.2.3', port: 8080 } }));
    assert.deepEqual(span.attributes, [kv('net.host.ip', str('10.1.2.3')), kv('net.host.port', int(8080))]);
  });
  it('an IPv6-only endpoint -> net.host.ip; with both addresses the IPv6 one is zipkin.local_endpoint.ipv6', () => {
    assert.deepEqual(one(zspan({ localEndpoint: { ipv6: '2001:db8::c001' } })).span.attributes, [kv('net.host.ip', str('2001:db8::c001'))]);
    assert.deepEqual(one(zspan({ localEndpoint: { ipv4: '10.1.2.3', ipv6: '2001:db8::c001' } })).span.attributes, [
      kv('net.host.ip', str('10.1.2.3')),
      kv('zipkin.local_endpoint.ipv6', str('2001:db8::c001')),
    ]);
  });
  it('tags under resource keys move to the resource, as an OpenTelemetry SDK wrote them there', () => {
    const l = one(zspan({ localEndpoint: { serviceName: 'cart' }, tags: { 'service.name': 'cart', 'telemetry.sdk.language': 'nodejs', 'host.name': 'h1', 'process.pid': '42', 'http.method': 'GET' } }));
    assert.deepEqual(l.resource.attributes, [
      kv('service.name', str('cart')),
      kv('telemetry.sdk.language', str('nodejs')),
      kv('host.name', str('h1')),
      kv('process.pid', str('42')),
    ]);
    assert.deepEqual(l.span.attributes, [kv('http.method', str('GET'))]);
  });
  it('a service.name tag unlike localEndpoint.serviceName, or without one, stays a span attribute', () => {
    assert.deepEqual(one(zspan({ localEndpoint: { serviceName: 'cart' }, tags: { 'service.name': 'other' } })).span.attributes, [kv('service.name', str('other'))]);
    const noEndpoint = one(zspan({ tags: { 'service.name': 'cart' } }));
    assert.deepEqual([noEndpoint.resource.attributes, noEndpoint.span.attributes], [[], [kv('service.name', str('cart'))]]);
  });
  it('spans of one service with different resource tags get different resources', () => {
    const t = decodeZipkinV2Json(
      JSON.stringify([
        zspan({ id: '0000000000000001', localEndpoint: { serviceName: 'cart' }, tags: { 'host.name': 'a' } }),
        zspan({ id: '0000000000000002', localEndpoint: { serviceName: 'cart' }, tags: { 'host.name': 'b' } }),
        zspan({ id: '0000000000000003', localEndpoint: { serviceName: 'cart' }, tags: { 'host.name': 'a' } }),
      ]),
    );
    assert.deepEqual(
      t.resourceSpans.map((rs) => [attr(rs.resource.attributes, 'host.name'), rs.scopeSpans[0]!.spans.length]),
      [
        [str('a'), 2],
        [str('b'), 1],
      ],
    );
  });
});

describe('Zipkin -> model: remote endpoint', () => {
  it('serviceName -> peer.service, IPv4 -> net.peer.ip, port -> net.peer.port', () => {
    const { span } = one(zspan({ kind: 'CLIENT', remoteEndpoint: { serviceName: 'db', ipv4: '10.9.8.7', port: 5432 } }));
    assert.deepEqual(span.attributes, [kv('peer.service', str('db')), kv('net.peer.ip', str('10.9.8.7')), kv('net.peer.port', int(5432))]);
  });
  it('IPv6 -> net.peer.ip, or zipkin.remote_endpoint.ipv6 beside an IPv4 address', () => {
    assert.deepEqual(one(zspan({ remoteEndpoint: { ipv6: '::1' } })).span.attributes, [kv('net.peer.ip', str('::1'))]);
    assert.deepEqual(one(zspan({ remoteEndpoint: { ipv4: '127.0.0.1', ipv6: '::1' } })).span.attributes, [
      kv('net.peer.ip', str('127.0.0.1')),
      kv('zipkin.remote_endpoint.ipv6', str('::1')),
    ]);
  });
  it('a peer.service tag wins over remoteEndpoint.serviceName (the specification), and tags win over endpoint attributes', () => {
    const { span } = one(zspan({ remoteEndpoint: { serviceName: 'db', ipv4: '10.9.8.7' }, tags: { 'peer.service': 'postgres', 'net.peer.ip': 'db.local' } }));
    assert.deepEqual(span.attributes, [kv('peer.service', str('postgres')), kv('net.peer.ip', str('db.local'))]);
  });
});

describe('Zipkin -> model: tags, annotations, flags', () => {
  it('tags become string attributes in order, with no guessing of types', () => {
    const { span } = one(zspan({ tags: { 'http.status_code': '200', retry: 'true', 'http.url': 'https://example.com/cart' } }));
    assert.deepEqual(span.attributes, [kv('http.status_code', str('200')), kv('retry', str('true')), kv('http.url', str('https://example.com/cart'))]);
  });
  it('annotations become events; a value written as "name":{json} becomes the name and typed attributes', () => {
    const { span } = one(
      zspan({
        annotations: [
          { timestamp: T0_US + 10, value: 'ws' },
          { timestamp: T0_US + 20, value: '"retry":{"attempt":2,"backoff":0.5,"cause":"timeout","final":false}' },
        ],
      }),
    );
    assert.deepEqual(span.events, [
      { timeUnixNano: BigInt(T0_US + 10) * 1000n, name: 'ws', attributes: [], droppedAttributesCount: 0 },
      {
        timeUnixNano: BigInt(T0_US + 20) * 1000n,
        name: 'retry',
        attributes: [kv('attempt', int(2)), kv('backoff', { kind: 'double', value: 0.5 }), kv('cause', str('timeout')), kv('final', bool(false))],
        droppedAttributesCount: 0,
      },
    ]);
  });
  it('an annotation that only looks like JSON, or would not be written back the same, stays the name', () => {
    for (const value of ['"a": {"b": 1}', 'event: {"k":"v"}', '"a":{}', '"a":{"n":1.0}', '"a":{"x":1}x', '{"a":{"b":1}}']) {
      assert.deepEqual(one(zspan({ annotations: [{ timestamp: T0_US, value }] })).span.events[0]!.name, value, value);
    }
  });
  it('debug and shared become the bool attributes zipkin.debug and zipkin.shared', () => {
    assert.deepEqual(one(zspan({ debug: true, shared: true })).span.attributes, [kv('zipkin.debug', bool(true)), kv('zipkin.shared', bool(true))]);
    assert.deepEqual(one({ ...zspan(), debug: false, shared: false }).span.attributes, []);
  });
  it('otel.scope.name / version tags become the scope (otel.library.* when those are absent)', () => {
    assert.deepEqual(one(zspan({ tags: { 'otel.scope.name': 'io.redis', 'otel.scope.version': '1.2.0', k: 'v' } })).scope, {
      name: 'io.redis',
      version: '1.2.0',
      attributes: [],
      droppedAttributesCount: 0,
    });
    const old = one(zspan({ tags: { 'otel.library.name': 'express', 'otel.library.version': '0.9.0' } }));
    assert.deepEqual([old.scope.name, old.scope.version, old.span.attributes], ['express', '0.9.0', []]);
  });
  it('w3c.tracestate becomes traceState, and positive otel.dropped_*_count tags the dropped counts', () => {
    const { span } = one(zspan({ tags: { 'w3c.tracestate': 'congo=t61rcWkgMzE', 'otel.dropped_attributes_count': '3', 'otel.dropped_events_count': '1', 'otel.dropped_links_count': '2' } }));
    assert.deepEqual([span.traceState, span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount, span.attributes], ['congo=t61rcWkgMzE', 3, 1, 2, []]);
  });
  it('a dropped count tag that is no positive 32-bit count stays an attribute', () => {
    for (const text of ['0', '-1', '03', 'many', '4294967296']) {
      const { span } = one(zspan({ tags: { 'otel.dropped_events_count': text } }));
      assert.deepEqual([span.droppedEventsCount, span.attributes], [0, [kv('otel.dropped_events_count', str(text))]], text);
    }
  });
});

describe('Zipkin -> model: status', () => {
  const table: [string, Record<string, string>, number, string, [string, string][]][] = [
    ['no status tags: UNSET', {}, 0, '', []],
    ['otel.status_code OK', { 'otel.status_code': 'OK' }, 1, '', []],
    ['otel.status_code ERROR with the description', { 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' }, 2, 'boom', []],
    ['the Collector spelling Error, and STATUS_CODE_OK', { 'otel.status_code': 'Error' }, 2, '', []],
    ['STATUS_CODE_OK', { 'otel.status_code': 'STATUS_CODE_OK' }, 1, '', []],
    ['error with a message (Zipkin marks the span failed)', { error: 'connection refused' }, 2, 'connection refused', []],
    ['error "true": failed without a message', { error: 'true' }, 2, '', []],
    ['error "" : failed without a message (what the specification writes)', { 'otel.status_code': 'ERROR', error: '' }, 2, '', []],
    ['error "false" is no error, and dropped as the specification has exporters do', { error: 'false' }, 0, '', []],
    ['the description wins over the error text', { 'otel.status_code': 'ERROR', 'otel.status_description': 'd', error: 'e' }, 2, 'd', []],
    ['an unknown status code stays an attribute', { 'otel.status_code': 'MAYBE' }, 0, '', [['otel.status_code', 'MAYBE']]],
  ];
  for (const [what, tags, code, message, rest] of table) {
    it(what, () => {
      const { span } = one(zspan({ tags }));
      assert.deepEqual(span.status, { code, message });
      assert.deepEqual(span.attributes, rest.map(([k, v]) => kv(k, str(v))));
    });
  }
});

describe('Zipkin -> model: whole requests', () => {
  it('keeps every span of a request, in order within their resource and scope', () => {
    const spans = Array.from({ length: 5 }, (_, i) => zspan({ id: `000000000000000${i + 1}`, localEndpoint: { serviceName: 'cart' } }));
    assert.deepEqual(
      landed(decodeZipkinV2Json(JSON.stringify(spans))).map((l) => l.span.spanId),
      spans.map((s) => s.id),
    );
  });
  it('an empty list is no spans', () => {
    assert.deepEqual(decodeZipkinV2Json('[]'), { resourceSpans: [] });
  });
});
