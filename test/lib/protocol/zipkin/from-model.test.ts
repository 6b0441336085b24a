// The model -> Zipkin v2: one table per mapping rule of from-model.ts (the
// OpenTelemetry specification's Zipkin exporter), checked on the JSON that
// the exporter backend sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValue, Span, SpanId, TraceId } from '../../../../lib/model/index.js';
import { encodeZipkinV2Json } from '../../../../lib/protocol/zipkin/index.js';
import { bool, int, kv, modelSpan, PARENT, SPAN, str, T0_US, TRACE, tracesOf } from './helpers.js';

type Json = Record<string, unknown>;

/** The one Zipkin span the exporter writes for one model span. */
function out(over: Partial<Span> = {}, resource?: KeyValue[], scope?: { name?: string; version?: string }): Json {
  const spans = JSON.parse(encodeZipkinV2Json(tracesOf([modelSpan(over)], resource, scope))) as Json[];
  assert.equal(spans.length, 1);
  return spans[0]!;
}
const tags = (over: Partial<Span> = {}, resource?: KeyValue[]) => out(over, resource).tags;

describe('model -> Zipkin: identifiers and times', () => {
  it('writes IDs as lowercase hex; a trace ID with a zero high half as 16 digits, as Zipkin itself shortens it', () => {
    assert.deepEqual([out().traceId, out().id, out().parentId], [TRACE, SPAN, undefined]);
    assert.equal(out({ parentSpanId: PARENT as SpanId }).parentId, PARENT);
    assert.equal(out({ traceId: '0000000000000000d269b633813fc60c' as TraceId }).traceId, 'd269b633813fc60c');
  });
  it('writes microseconds: start truncated, duration at least 1 when the span has any length', () => {
    const start = BigInt(T0_US) * 1000n;
    const cases: [bigint, bigint, number | undefined][] = [
      [start + 999n, start + 1_234_999n, 1_234],
      [start, start + 1n, 1],
      [start, start, undefined],
      [start, start - 5_000n, undefined],
    ];
    for (const [s, e, duration] of cases) {
      const z = out({ startTimeUnixNano: s, endTimeUnixNano: e });
      assert.deepEqual([z.timestamp, z.duration], [T0_US, duration], `${s}..${e}`);
    }
    assert.equal(out({ startTimeUnixNano: 0n, endTimeUnixNano: 7_000n }).timestamp, undefined, 'a start of 0 is left out');
  });
  it('leaves out fields that are empty, as the specification asks', () => {
    assert.deepEqual(Object.keys(out({ name: '', kind: 1 }, [])).sort(), ['duration', 'id', 'timestamp', 'traceId']);
  });
});

describe('model -> Zipkin: kind', () => {
  const table: [number, string | undefined][] = [
    [2, 'SERVER'],
    [3, 'CLIENT'],
    [4, 'PRODUCER'],
    [5, 'CONSUMER'],
    [1, undefined],
    [0, undefined],
  ];
  for (const [kind, want] of table) it(`kind ${kind} -> ${want ?? 'absent'}`, () => assert.equal(out({ kind: kind as Span['kind'] }).kind, want));
});

describe('model -> Zipkin: endpoints', () => {
  it('service.name -> localEndpoint.serviceName; other resource attributes -> tags; no service.name, no endpoint', () => {
    const z = out({}, [kv('service.name', str('cart')), kv('host.name', str('h1')), kv('process.pid', int(42))]);
    assert.deepEqual([z.localEndpoint, z.tags], [{ serviceName: 'cart' }, { 'host.name': 'h1', 'process.pid': '42' }]);
    assert.equal(out({}, []).localEndpoint, undefined);
  });
  it('net.host.ip / net.host.port -> localEndpoint; IPv4 and IPv6, the second address from zipkin.local_endpoint.ipv6', () => {
    assert.deepEqual(out({ attributes: [kv('net.host.ip', str('10.1.2.3')), kv('net.host.port', int(8080))] }).localEndpoint, { serviceName: 'cart', ipv4: '10.1.2.3', port: 8080 });
    assert.deepEqual(out({ attributes: [kv('net.host.ip', str('2001:db8::1'))] }).localEndpoint, { serviceName: 'cart', ipv6: '2001:db8::1' });
    assert.deepEqual(out({ attributes: [kv('net.host.ip', str('10.1.2.3')), kv('zipkin.local_endpoint.ipv6', str('::1'))] }).localEndpoint, {
      serviceName: 'cart',
      ipv4: '10.1.2.3',
      ipv6: '::1',
    });
  });
  it('peer.service, net.peer.ip, net.peer.port -> remoteEndpoint, and out of the tags', () => {
    const z = out({ kind: 3, attributes: [kv('peer.service', str('db')), kv('net.peer.ip', str('10.9.8.7')), kv('net.peer.port', str('5432')), kv('db.system', str('postgresql'))] });
    assert.deepEqual([z.remoteEndpoint, z.tags], [{ serviceName: 'db', ipv4: '10.9.8.7', port: 5432 }, { 'db.system': 'postgresql' }]);
  });
  it('an address or port attribute that is no address or port stays a tag', () => {
    const z = out({ attributes: [kv('net.peer.ip', str('db.local')), kv('net.peer.port', int(70_000))] });
    assert.deepEqual([z.remoteEndpoint, z.tags], [undefined, { 'net.peer.ip': 'db.local', 'net.peer.port': '70000' }]);
  });
  describe('for CLIENT and PRODUCER spans without peer.service, the specification ranks the remote endpoint attributes', () => {
    const table: [string, KeyValue[], Json][] = [
      ['server.address (a name) with server.port', [kv('server.address', str('api.example.com')), kv('server.port', int(443))], { serviceName: 'api.example.com', port: 443 }],
      ['server.address before net.peer.name', [kv('net.peer.name', str('old')), kv('server.address', str('new'))], { serviceName: 'new' }],
      ['network.peer.address (an IP) with network.peer.port', [kv('network.peer.address', str('10.0.0.9')), kv('network.peer.port', int(9092))], { ipv4: '10.0.0.9', port: 9092 }],
      ['net.sock.peer.addr IPv6', [kv('net.sock.peer.addr', str('2001:db8::9'))], { ipv6: '2001:db8::9' }],
      ['db.name, last', [kv('db.name', str('orders')), kv('peer.hostname', str('pg-1'))], { serviceName: 'pg-1' }],
    ];
    for (const [what, attributes, want] of table) {
      it(what, () => {
        const z = out({ kind: 3, attributes });
        assert.deepEqual(z.remoteEndpoint, want);
        assert.deepEqual(Object.keys(z.tags as Json).sort(), attributes.map((a) => a.key).sort(), 'the ranked attributes stay tags');
      });
    }
    it('but not for SERVER or INTERNAL spans', () => {
      assert.equal(out({ kind: 2, attributes: [kv('server.address', str('x'))] }).remoteEndpoint, undefined);
      assert.equal(out({ kind: 1, attributes: [kv('server.address', str('x'))] }).remoteEndpoint, undefined);
    });
  });
});

describe('model -> Zipkin: attributes, events, flags', () => {
  it('attributes -> tags: text as it is, booleans lowercase, numbers in decimal, arrays and maps as JSON, bytes in base64', () => {
    assert.deepEqual(
      tags({
        attributes: [
          kv('s', str('x')),
          kv('b', bool(false)),
          kv('i', int(-9_007_199_254_740_993n)),
          kv('d', { kind: 'double', value: 0.25 }),
          kv('a', { kind: 'array', value: [str('a'), int(1), bool(true)] }),
          kv('m', { kind: 'kvlist', value: [kv('k', { kind: 'double', value: Number.NaN })] }),
          kv('y', { kind: 'bytes', value: Uint8Array.from([1, 2, 255]) }),
          kv('e', { kind: 'empty' }),
        ],
      }),
      { s: 'x', b: 'false', i: '-9007199254740993', d: '0.25', a: '["a",1,true]', m: '{"k":"NaN"}', y: 'AQL/', e: '' },
    );
  });
  it('a span attribute wins over a resource attribute of the same key', () => {
    assert.deepEqual(tags({ attributes: [kv('env', str('span'))] }, [kv('env', str('resource'))]), { env: 'span' });
  });
  it('events -> annotations: the name alone, or "name":{json attributes}', () => {
    const z = out({
      events: [
        { timeUnixNano: BigInt(T0_US + 5) * 1000n + 999n, name: 'cache miss', attributes: [], droppedAttributesCount: 0 },
        { timeUnixNano: BigInt(T0_US + 6) * 1000n, name: 'retry', attributes: [kv('attempt', int(2)), kv('cause', str('timeout'))], droppedAttributesCount: 0 },
      ],
    });
    assert.deepEqual(z.annotations, [
      { timestamp: T0_US + 5, value: 'cache miss' },
      { timestamp: T0_US + 6, value: '"retry":{"attempt":2,"cause":"timeout"}' },
    ]);
  });
  it('zipkin.debug and zipkin.shared -> debug and shared, never tags', () => {
    const z = out({ attributes: [kv('zipkin.debug', bool(true)), kv('zipkin.shared', str('true'))] });
    assert.deepEqual([z.debug, z.shared, z.tags], [true, true, undefined]);
  });
  it('scope -> otel.scope.name / otel.scope.version; traceState -> w3c.tracestate', () => {
    const z = out({ traceState: 'congo=t61rcWkgMzE' }, [], { name: 'io.redis', version: '1.2.0' });
    assert.deepEqual(z.tags, { 'otel.scope.name': 'io.redis', 'otel.scope.version': '1.2.0', 'w3c.tracestate': 'congo=t61rcWkgMzE' });
  });
  it('dropped counts -> otel.dropped_*_count tags when positive; links are dropped and counted with them', () => {
    const link = { traceId: TRACE as TraceId, spanId: PARENT as SpanId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
    assert.deepEqual(tags({ droppedAttributesCount: 3, droppedEventsCount: 1, links: [link], droppedLinksCount: 2 }), {
      'otel.dropped_attributes_count': '3',
      'otel.dropped_events_count': '1',
      'otel.dropped_links_count': '3',
    });
  });
});

describe('model -> Zipkin: status, as the specification writes it', () => {
  const table: [string, Span['status'], KeyValue[], Json | undefined][] = [
    ['UNSET writes no status tags', { code: 0, message: '' }, [], undefined],
    ['OK writes otel.status_code OK and no error', { code: 1, message: 'fine' }, [], { 'otel.status_code': 'OK' }],
    ['ERROR writes otel.status_code ERROR and error = the description', { code: 2, message: 'boom' }, [], { 'otel.status_code': 'ERROR', error: 'boom' }],
    ['ERROR without a description writes error ""', { code: 2, message: '' }, [], { 'otel.status_code': 'ERROR', error: '' }],
    ['an error attribute is removed unless the status is ERROR', { code: 0, message: '' }, [kv('error', bool(false))], undefined],
    ['an error attribute gives way to the status description', { code: 2, message: 'boom' }, [kv('error', str('old'))], { 'otel.status_code': 'ERROR', error: 'boom' }],
    ['otel.status_* attributes give way to the status', { code: 1, message: '' }, [kv('otel.status_code', str('ERROR')), kv('otel.status_description', str('x'))], { 'otel.status_code': 'OK' }],
  ];
  for (const [what, status, attributes, want] of table) it(what, () => assert.deepEqual(tags({ status, attributes }, []), want));
});
