// The v2 readers (JSON and proto3): what they take as Zipkin's own reader
// does, what they refuse with an InvalidInputError naming the field, and that
// both encodings of the same spans decode alike.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../../../lib/errors.js';
import {
  decodeZipkinV2Json,
  decodeZipkinV2Proto,
  encodeZipkinV2Json,
  encodeZipkinV2Proto,
  ZipkinInputError,
} from '../../../../lib/protocol/zipkin/index.js';
import { ListOfSpansType } from '../../../../lib/protocol/zipkin/proto-root.js';
import { landed, one, SPAN, T0_US, TRACE, zspan } from './helpers.js';

function rejection(decode: () => unknown): string {
  try {
    decode();
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    return err.message;
  }
  return assert.fail('expected the decoder to refuse the input');
}
const jsonRejection = (body: unknown) => rejection(() => decodeZipkinV2Json(typeof body === 'string' ? body : JSON.stringify(body)));

describe('v2 JSON reader: refusals name the span and field', () => {
  const table: [string, unknown, string][] = [
    ['not JSON', '[{"traceId":', 'invalid Zipkin v2 JSON: '],
    ['not an array', { traceId: TRACE }, 'request must be a JSON array of spans, got object'],
    ['a span that is not an object', [zspan(), 5], '[1]: must be an object, got number'],
    ['no traceId', [{ id: SPAN }], '[0].traceId: must be 16 or 32 hex digits, got none'],
    ['a traceId of 33 digits', [zspan({ traceId: `0${TRACE}` })], '[0].traceId: must be 16 or 32 hex digits, got "05b8efff798038103d269b633813fc60c"'],
    ['a traceId that is not hex', [zspan({ traceId: 'xyz' })], '[0].traceId: must be 16 or 32 hex digits, got "xyz"'],
    ['an all-zero traceId', [zspan({ traceId: '0000000000000000' })], '[0].traceId: must not be all zeros'],
    ['no id', [{ traceId: TRACE }], '[0].id: must be 16 hex digits, got none'],
    ['an all-zero id', [zspan({ id: '0' })], '[0].id: must not be all zeros'],
    ['a number as id', [{ ...zspan(), id: 12 }], '[0].id: must be a string, got number'],
    ['an unknown kind', [{ ...zspan(), kind: 'LOCAL' }], '[0].kind: must be CLIENT, SERVER, PRODUCER or CONSUMER, got "LOCAL"'],
    ['a negative timestamp', [{ ...zspan(), timestamp: -1 }], '[0].timestamp: must be a non-negative integer of microseconds, got -1'],
    ['a fractional duration', [{ ...zspan(), duration: 1.5 }], '[0].duration: must be a non-negative integer of microseconds, got 1.5'],
    ['a time past 2^53', [{ ...zspan(), timestamp: 2 ** 60 }], '[0].timestamp: must be a non-negative integer of microseconds, got 1152921504606847000'],
    ['an endpoint that is a string', [{ ...zspan(), localEndpoint: 'cart' }], '[0].localEndpoint: must be an object, got string'],
    ['a port too large', [{ ...zspan(), remoteEndpoint: { port: 65_536 } }], '[0].remoteEndpoint.port: must be a port number (0 to 65535), got 65536'],
    ['an annotation without a timestamp', [{ ...zspan(), annotations: [{ value: 'x' }] }], '[0].annotations[0].timestamp: is required'],
    ['an annotation without a value', [{ ...zspan(), annotations: [{ timestamp: 1 }] }], '[0].annotations[0].value: must be a string, got undefined'],
    ['a tag that is an object', [{ ...zspan(), tags: { a: {} } }], '[0].tags["a"]: must be a string, got object'],
    ['debug that is not a bool', [{ ...zspan(), debug: 'yes' }], '[0].debug: must be true or false, got string'],
  ];
  for (const [what, body, message] of table) {
    it(what, () => {
      const got = jsonRejection(body);
      assert.ok(got.startsWith(message), `${got} should start with ${message}`);
    });
  }
  it('the error is a ZipkinInputError with the path apart from the detail', () => {
    try {
      decodeZipkinV2Json(JSON.stringify([zspan(), { ...zspan(), annotations: [{ timestamp: 'soon', value: 'x' }] }]));
      assert.fail('expected a refusal');
    } catch (err) {
      assert.ok(err instanceof ZipkinInputError);
      assert.deepEqual([err.path, err.detail], ['[1].annotations[0].timestamp', 'must be a non-negative integer of microseconds, got "soon"']);
    }
  });
});

describe('v2 JSON reader: what Zipkin takes, taken alike', () => {
  it('null reads as absent, and a byte order mark is skipped', () => {
    const s = one({ ...zspan(), parentId: null, kind: null, localEndpoint: null, annotations: null, tags: null, debug: null }).span;
    assert.deepEqual([s.parentSpanId, s.kind, s.attributes, s.events], ['', 1, [], []]);
    assert.equal(decodeZipkinV2Json(`\ufeff${JSON.stringify([zspan()])}`).resourceSpans.length, 1);
  });
  it('times as decimal strings, and tag values that are numbers or booleans, as their text', () => {
    const s = one({ ...zspan(), timestamp: String(T0_US), duration: '10', tags: { n: 200, b: true } }).span;
    assert.equal(s.startTimeUnixNano, BigInt(T0_US) * 1000n);
    assert.deepEqual(
      s.attributes.map((a) => [a.key, a.value]),
      [
        ['n', { kind: 'string', value: '200' }],
        ['b', { kind: 'string', value: 'true' }],
      ],
    );
  });
  it('an address in the other family field is placed by what it is; text that is no address is left out', () => {
    const e = (endpoint: Record<string, unknown>) => one({ ...zspan(), localEndpoint: { serviceName: 'cart', ...endpoint } }).span.attributes.map((a) => [a.key, a.value.kind === 'string' ? a.value.value : '']);
    assert.deepEqual(e({ ipv4: '::1' }), [['net.host.ip', '::1']]);
    assert.deepEqual(e({ ipv6: '10.0.0.1' }), [['net.host.ip', '10.0.0.1']]);
    assert.deepEqual(e({ ipv4: 'localhost', ipv6: 'fe80::1%eth0' }), []);
    assert.deepEqual(e({ ipv6: '2001:0DB8:0000:0000:0000:0000:0000:0001' }), [['net.host.ip', '2001:db8::1']], 'IPv6 text is made canonical');
  });
  it('a negative port (an i16 written signed) reads as absent', () => {
    assert.deepEqual(one({ ...zspan(), remoteEndpoint: { serviceName: 'db', port: -1 } }).span.attributes.map((a) => a.key), ['peer.service']);
  });
  it('an empty endpoint is no endpoint', () => {
    assert.deepEqual(one({ ...zspan(), localEndpoint: {}, remoteEndpoint: { port: 0 } }).resource.attributes, []);
  });
  it('a tag key "__proto__" is a key like any other', () => {
    assert.deepEqual(one(JSON.parse(`{"traceId":"${TRACE}","id":"${SPAN}","tags":{"__proto__":"x"}}`) as Record<string, unknown>).span.attributes, [
      { key: '__proto__', value: { kind: 'string', value: 'x' } },
    ]);
  });
});

describe('v2 proto3 reader', () => {
  const pb = (spans: Record<string, unknown>[]) => ListOfSpansType.encode(ListOfSpansType.fromObject({ spans })).finish();
  const bytes = (hex: string) => Buffer.from(hex, 'hex');

  it('decodes what the JSON reader decodes, for the same spans', () => {
    const json = JSON.stringify([
      zspan({ kind: 'SERVER', parentId: 'eee19b7ec3c1b173', localEndpoint: { serviceName: 'cart', ipv4: '10.0.0.1', ipv6: '2001:db8::1', port: 8080 }, tags: { a: 'b' }, annotations: [{ timestamp: T0_US, value: 'x' }], debug: true, shared: true }),
      zspan({ traceId: 'd269b633813fc60c', kind: 'CONSUMER', remoteEndpoint: { serviceName: 'kafka', port: 9092 } }),
    ]);
    const fromJson = decodeZipkinV2Json(json);
    assert.deepEqual(decodeZipkinV2Proto(encodeZipkinV2Proto(fromJson)), fromJson);
    assert.equal(encodeZipkinV2Json(decodeZipkinV2Proto(encodeZipkinV2Proto(fromJson))), encodeZipkinV2Json(fromJson));
  });
  it('reads a repeated tag key as a map does: the last one wins', () => {
    const body = pb([{ traceId: bytes(TRACE), id: bytes(SPAN), tags: [{ key: 'k', value: '1' }, { key: 'k', value: '2' }] }]);
    assert.deepEqual(landed(decodeZipkinV2Proto(body))[0]!.span.attributes, [{ key: 'k', value: { kind: 'string', value: '2' } }]);
  });
  it('reads kind numbers from a newer schema as absent, a zero parent as none, a negative port as absent', () => {
    const body = pb([{ traceId: bytes(TRACE), id: bytes(SPAN), parentId: bytes('0000000000000000'), kind: 9, localEndpoint: { serviceName: 'cart', port: -2 } }]);
    const s = landed(decodeZipkinV2Proto(body))[0]!.span;
    assert.deepEqual([s.kind, s.parentSpanId, s.attributes], [1, '', []]);
  });
  const table: [string, Record<string, unknown>, string][] = [
    ['a trace ID of 12 bytes', { traceId: bytes('00'.repeat(11) + '01'), id: bytes(SPAN) }, '[0].traceId: must be 8 or 16 bytes, got 12 bytes'],
    ['an all-zero trace ID', { traceId: bytes('00'.repeat(16)), id: bytes(SPAN) }, '[0].traceId: must not be all zeros'],
    ['no span ID', { traceId: bytes(TRACE) }, '[0].id: must be 8 bytes, got 0 bytes'],
    ['a parent ID of 4 bytes', { traceId: bytes(TRACE), id: bytes(SPAN), parentId: bytes('01020304') }, '[0].parentId: must be empty or 8 bytes, got 4 bytes'],
    ['an IPv4 address of 5 bytes', { traceId: bytes(TRACE), id: bytes(SPAN), localEndpoint: { ipv4: bytes('0102030405') } }, '[0].localEndpoint.ipv4: must be empty or 4 bytes, got 5 bytes'],
    ['an IPv6 address of 4 bytes', { traceId: bytes(TRACE), id: bytes(SPAN), remoteEndpoint: { ipv6: bytes('01020304') } }, '[0].remoteEndpoint.ipv6: must be empty or 16 bytes, got 4 bytes'],
    ['a port too large', { traceId: bytes(TRACE), id: bytes(SPAN), remoteEndpoint: { port: 70_000 } }, '[0].remoteEndpoint.port: must be a port number (0 to 65535), got 70000'],
    ['a time beyond the model', { traceId: bytes(TRACE), id: bytes(SPAN), timestamp: { low: -1, high: -1, unsigned: true } }, '[0].timestamp: must be at most'],
  ];
  for (const [what, span, message] of table) {
    it(`refuses ${what}`, () => {
      const got = rejection(() => decodeZipkinV2Proto(pb([span])));
      assert.ok(got.startsWith(message), `${got} should start with ${message}`);
    });
  }
  it('refuses bytes that are not protobuf with a message saying so', () => {
    assert.match(rejection(() => decodeZipkinV2Proto(Uint8Array.from([0x0a, 0x05, 0x01]))), /^invalid Zipkin protobuf: /);
  });
});
