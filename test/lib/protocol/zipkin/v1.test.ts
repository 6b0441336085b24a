// Zipkin v1 (JSON and Thrift on /api/v1/spans): each case is written in both
// encodings, read, and converted to v2 spans, which must be what openzipkin's
// V1SpanConverter makes of it (the reference the OpenTelemetry specification
// names); then the readers' own rules and refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../../../lib/errors.js';
import { decodeZipkinV1Json, decodeZipkinV1Thrift, encodeZipkinV2Json } from '../../../../lib/protocol/zipkin/index.js';
import { v1ToV2 } from '../../../../lib/protocol/zipkin/v1-convert.js';
import { readV1Json } from '../../../../lib/protocol/zipkin/v1-json.js';
import { readV1Thrift } from '../../../../lib/protocol/zipkin/v1-thrift.js';
import { writeV2Json } from '../../../../lib/protocol/zipkin/v2-json.js';
import type { ZipkinJsonEndpoint, ZipkinJsonSpan } from '../../../helpers/zipkin-arbitraries.js';
import { AnnotationType, encodeV1Thrift, typedValue, type ThriftSpan } from '../../../helpers/zipkin-thrift.js';
import { landed, PARENT, SPAN, TRACE } from './helpers.js';

interface Ep {
  serviceName: string;
  ipv4?: string;
  port?: number;
}
interface V1Case {
  traceId?: string;
  parentId?: string;
  name?: string;
  timestamp?: number;
  duration?: number;
  debug?: boolean;
  annotations?: [number, string, Ep?][];
  /** A string value is a tag; true is an address annotation ("ca", "sa", "ma"). */
  binary?: [string, string | true, Ep?][];
}

const FRONTEND: Ep = { serviceName: 'frontend', ipv4: '192.168.99.101', port: 9000 };
const BACKEND: Ep = { serviceName: 'backend', ipv4: '192.168.99.102', port: 9000 };
const KAFKA: Ep = { serviceName: 'kafka', ipv4: '10.0.0.9', port: 9092 };

function v1Json(c: V1Case): Record<string, unknown> {
  return {
    traceId: c.traceId ?? TRACE,
    id: SPAN,
    ...(c.parentId === undefined ? {} : { parentId: c.parentId }),
    name: c.name ?? 'get',
    ...(c.timestamp === undefined ? {} : { timestamp: c.timestamp }),
    ...(c.duration === undefined ? {} : { duration: c.duration }),
    ...(c.debug === undefined ? {} : { debug: c.debug }),
    annotations: (c.annotations ?? []).map(([timestamp, value, endpoint]) => ({ timestamp, value, ...(endpoint ? { endpoint } : {}) })),
    binaryAnnotations: (c.binary ?? []).map(([key, value, endpoint]) => ({ key, value, ...(endpoint ? { endpoint } : {}) })),
  };
}

function v1Thrift(c: V1Case): ThriftSpan {
  return {
    traceId: c.traceId ?? TRACE,
    id: SPAN,
    parentId: c.parentId,
    name: c.name ?? 'get',
    timestamp: c.timestamp === undefined ? undefined : BigInt(c.timestamp),
    duration: c.duration === undefined ? undefined : BigInt(c.duration),
    debug: c.debug,
    annotations: (c.annotations ?? []).map(([t, value, host]) => ({ timestamp: BigInt(t), value, host })),
    binaryAnnotations: (c.binary ?? []).map(([key, value, host]) =>
      value === true ? { key, value: typedValue(AnnotationType.BOOL, true), type: AnnotationType.BOOL, host } : { key, value, type: AnnotationType.STRING, host },
    ),
  };
}

/** The v2 spans a case converts to, read through JSON and through Thrift (which must agree). */
function converted(c: V1Case): unknown[] {
  const viaJson = JSON.parse(writeV2Json(readV1Json(JSON.stringify([v1Json(c)])).flatMap(v1ToV2))) as unknown[];
  const viaThrift = JSON.parse(writeV2Json(readV1Thrift(encodeV1Thrift([v1Thrift(c)])).flatMap(v1ToV2))) as unknown[];
  assert.deepEqual(viaThrift, viaJson, 'JSON and Thrift convert alike');
  return viaJson;
}

const v2 = (over: Partial<ZipkinJsonSpan>): ZipkinJsonSpan => ({ traceId: TRACE, id: SPAN, name: 'get', ...over });
const ep = (e: Ep): ZipkinJsonEndpoint => ({ ...e });

describe('Zipkin v1 -> v2, as V1SpanConverter converts', () => {
  const table: [string, V1Case, ZipkinJsonSpan[]][] = [
    [
      'a client span: cs/cr give kind, timestamp and duration; "sa" the remote endpoint',
      { parentId: PARENT, annotations: [[100, 'cs', FRONTEND], [250, 'cr', FRONTEND]], binary: [['http.path', '/api', FRONTEND], ['sa', true, BACKEND]] },
      [v2({ parentId: PARENT, kind: 'CLIENT', timestamp: 100, duration: 150, localEndpoint: ep(FRONTEND), remoteEndpoint: ep(BACKEND), tags: { 'http.path': '/api' } })],
    ],
    [
      'the span timestamp and duration win over the annotations when both are set',
      { timestamp: 90, duration: 200, annotations: [[100, 'cs', FRONTEND], [250, 'cr', FRONTEND]] },
      [v2({ kind: 'CLIENT', timestamp: 90, duration: 200, localEndpoint: ep(FRONTEND) })],
    ],
    [
      'a server span with "ca": the client is the remote endpoint',
      { timestamp: 110, duration: 100, annotations: [[110, 'sr', BACKEND], [210, 'ss', BACKEND]], binary: [['ca', true, FRONTEND]] },
      [v2({ kind: 'SERVER', timestamp: 110, duration: 100, localEndpoint: ep(BACKEND), remoteEndpoint: ep(FRONTEND) })],
    ],
    [
      'a server span without the span timestamp was joined: shared',
      { annotations: [[110, 'sr', BACKEND], [210, 'ss', BACKEND]] },
      [v2({ kind: 'SERVER', timestamp: 110, duration: 100, localEndpoint: ep(BACKEND), shared: true })],
    ],
    [
      'client and server in one span split in two, the server side shared, each with its own annotations and tags',
      {
        timestamp: 100,
        duration: 150,
        annotations: [[100, 'cs', FRONTEND], [110, 'sr', BACKEND], [150, 'cache miss', BACKEND], [210, 'ss', BACKEND], [250, 'cr', FRONTEND]],
        binary: [['http.path', '/api', FRONTEND], ['db', 'users', BACKEND]],
      },
      [
        v2({ kind: 'CLIENT', timestamp: 100, duration: 150, localEndpoint: ep(FRONTEND), tags: { 'http.path': '/api' } }),
        v2({ kind: 'SERVER', timestamp: 110, duration: 100, localEndpoint: ep(BACKEND), annotations: [{ timestamp: 150, value: 'cache miss' }], tags: { db: 'users' }, shared: true }),
      ],
    ],
    [
      'loopback (one service both sides) still splits into client and server',
      { annotations: [[100, 'cs', FRONTEND], [110, 'sr', FRONTEND], [210, 'ss', FRONTEND], [250, 'cr', FRONTEND]] },
      [
        v2({ kind: 'CLIENT', timestamp: 100, duration: 150, localEndpoint: ep(FRONTEND) }),
        v2({ kind: 'SERVER', timestamp: 110, duration: 100, localEndpoint: ep(FRONTEND), shared: true }),
      ],
    ],
    [
      'a one-way RPC (cs, sr, no response) has no durations',
      { annotations: [[100, 'cs', FRONTEND], [110, 'sr', BACKEND]] },
      [v2({ kind: 'CLIENT', timestamp: 100, localEndpoint: ep(FRONTEND) }), v2({ kind: 'SERVER', timestamp: 110, localEndpoint: ep(BACKEND), shared: true })],
    ],
    [
      'an incomplete client span starts at cs and keeps "cr" without cs as an annotation',
      { annotations: [[250, 'cr', FRONTEND]] },
      [v2({ kind: 'CLIENT', localEndpoint: ep(FRONTEND), annotations: [{ timestamp: 250, value: 'cr' }] })],
    ],
    [
      'a missing start annotation is derived when the end matches the span timestamp + duration',
      { timestamp: 100, duration: 150, annotations: [[250, 'cr', FRONTEND]] },
      [v2({ kind: 'CLIENT', timestamp: 100, duration: 150, localEndpoint: ep(FRONTEND) })],
    ],
    [
      'a producer: ms and ws; the broker from "ma"',
      { annotations: [[100, 'ms', FRONTEND], [102, 'ws', FRONTEND]], binary: [['ma', true, KAFKA]] },
      [v2({ kind: 'PRODUCER', timestamp: 100, duration: 2, localEndpoint: ep(FRONTEND), remoteEndpoint: ep(KAFKA) })],
    ],
    [
      'a consumer: wr and mr; the broker from "ma"',
      { annotations: [[300, 'wr', BACKEND], [305, 'mr', BACKEND]], binary: [['ma', true, KAFKA]] },
      [v2({ kind: 'CONSUMER', timestamp: 300, duration: 5, localEndpoint: ep(BACKEND), remoteEndpoint: ep(KAFKA) })],
    ],
    [
      'producer and consumer in one span split, the consumer shared',
      { annotations: [[100, 'ms', FRONTEND], [300, 'mr', BACKEND]] },
      [v2({ kind: 'PRODUCER', timestamp: 100, localEndpoint: ep(FRONTEND) }), v2({ kind: 'CONSUMER', timestamp: 300, localEndpoint: ep(BACKEND), shared: true })],
    ],
    [
      'a local span: its "lc" marker gives the host and no tag; the span timestamp and duration are kept',
      { timestamp: 100, duration: 30, binary: [['lc', '', FRONTEND]] },
      [v2({ timestamp: 100, duration: 30, localEndpoint: ep(FRONTEND) })],
    ],
    [
      'an "lc" with a value is a tag',
      { timestamp: 100, duration: 30, binary: [['lc', 'worker', FRONTEND]] },
      [v2({ timestamp: 100, duration: 30, localEndpoint: ep(FRONTEND), tags: { lc: 'worker' } })],
    ],
    [
      'core annotations without a host are plain annotations',
      { timestamp: 100, duration: 30, annotations: [[100, 'cs'], [130, 'cr']] },
      [v2({ timestamp: 100, duration: 30, annotations: [{ timestamp: 100, value: 'cs' }, { timestamp: 130, value: 'cr' }] })],
    ],
    [
      'only "ca" and "sa": a client calling a server',
      { timestamp: 100, duration: 30, binary: [['ca', true, FRONTEND], ['sa', true, BACKEND]] },
      [v2({ timestamp: 100, duration: 30, localEndpoint: ep(FRONTEND), remoteEndpoint: ep(BACKEND) })],
    ],
    [
      'only "ca": a server span',
      { timestamp: 100, duration: 30, binary: [['ca', true, FRONTEND]] },
      [v2({ kind: 'SERVER', timestamp: 100, duration: 30, remoteEndpoint: ep(FRONTEND) })],
    ],
    [
      'Finagle\'s "ca" with the server\'s own service name loses the name',
      { timestamp: 110, duration: 100, annotations: [[110, 'sr', BACKEND], [210, 'ss', BACKEND]], binary: [['ca', true, { serviceName: 'backend', ipv4: '192.168.99.101', port: 53000 }]] },
      [v2({ kind: 'SERVER', timestamp: 110, duration: 100, localEndpoint: ep(BACKEND), remoteEndpoint: { ipv4: '192.168.99.101', port: 53000 } })],
    ],
    [
      '128-bit trace IDs and debug carry over',
      { traceId: TRACE, debug: true, timestamp: 1, duration: 1 },
      [v2({ timestamp: 1, duration: 1, debug: true })],
    ],
  ];
  for (const [what, c, want] of table) it(what, () => assert.deepEqual(converted(c), want));
});

describe('Zipkin v1 Thrift reader', () => {
  it('reads every annotation type: numbers in decimal, BYTES in base64, BOOL "ca" only with a host as an address', () => {
    const body = encodeV1Thrift([
      {
        traceId: TRACE,
        id: SPAN,
        timestamp: 1n,
        duration: 2n,
        binaryAnnotations: [
          { key: 'b', value: typedValue(AnnotationType.BOOL, false), type: AnnotationType.BOOL },
          { key: 'i16', value: typedValue(AnnotationType.I16, -5), type: AnnotationType.I16 },
          { key: 'i32', value: typedValue(AnnotationType.I32, 70_000), type: AnnotationType.I32 },
          { key: 'i64', value: typedValue(AnnotationType.I64, 9_007_199_254_740_993n), type: AnnotationType.I64 },
          { key: 'd', value: typedValue(AnnotationType.DOUBLE, 0.5), type: AnnotationType.DOUBLE },
          { key: 'raw', value: Uint8Array.from([0, 255]), type: AnnotationType.BYTES },
          { key: 'untyped', value: 'text' },
          { key: 'ca', value: typedValue(AnnotationType.BOOL, true), type: AnnotationType.BOOL },
        ],
      },
    ]);
    const [span] = readV1Thrift(body);
    assert.deepEqual(
      span!.binaryAnnotations.map((b) => [b.key, b.value]),
      [
        ['b', 'false'],
        ['i16', '-5'],
        ['i32', '70000'],
        ['i64', '9007199254740993'],
        ['d', '0.5'],
        ['raw', 'AP8='],
        ['untyped', 'text'],
        ['ca', 'true'],
      ],
    );
  });
  it('reads ports above 32767 (sent as a negative i16) and IPv6 hosts', () => {
    const host = { serviceName: 'web', ipv4: '10.0.0.1', port: 50_000, ipv6: Buffer.from('20010db8000000000000000000000001', 'hex') };
    const [span] = readV1Thrift(encodeV1Thrift([{ traceId: TRACE, id: SPAN, annotations: [{ timestamp: 1n, value: 'x', host }] }]));
    assert.deepEqual(span!.annotations[0]!.endpoint, { serviceName: 'web', ipv4: '10.0.0.1', ipv6: '2001:db8::1', port: 50_000 });
  });
  it('reads a 64-bit trace ID (no trace_id_high) as 16 digits', () => {
    const [span] = readV1Thrift(encodeV1Thrift([{ traceId: 'd269b633813fc60c', id: SPAN }]));
    assert.equal(span!.traceId, 'd269b633813fc60c');
    assert.equal(landed(decodeZipkinV1Thrift(encodeV1Thrift([{ traceId: 'd269b633813fc60c', id: SPAN }])))[0]!.span.traceId, '0000000000000000d269b633813fc60c');
  });
  const refusals: [string, Uint8Array, RegExp][] = [
    ['an empty body', new Uint8Array(0), /^invalid Zipkin Thrift: truncated or malformed$/],
    ['a list of strings', Buffer.from('0b00000000', 'hex'), /^expected a list of Span structs \(element type 12\), got element type 11$/],
    ['a list longer than the body', Buffer.from('0c7fffffff00', 'hex'), /^invalid Zipkin Thrift: truncated or malformed$/],
    ['a span cut short', encodeV1Thrift([{ traceId: TRACE, id: SPAN, name: 'x' }]).subarray(0, 30), /^\[0\]: invalid Zipkin Thrift: truncated or malformed$/],
    ['bytes after the list', Buffer.concat([encodeV1Thrift([]), Buffer.from([0])]), /unexpected bytes after the list of spans/],
    ['a span without an ID', Buffer.from('0c00000001' + '0a0001d269b633813fc60c' + '00', 'hex'), /^\[0\]\.id: is required$/],
    ['a span without a trace ID', Buffer.from('0c00000001' + '0a0004eee19b7ec3c1b174' + '00', 'hex'), /^\[0\]\.traceId: is required$/],
    ['unknown fields nested past the depth bound', Buffer.from('0c00000001' + '0c0063'.repeat(70), 'hex'), /unknown fields nested deeper than 64 levels/],
    ['an unknown annotation type', encodeV1Thrift([{ traceId: TRACE, id: SPAN, binaryAnnotations: [{ key: 'k', value: 'v', type: 9 }] }]), /^\[0\]\.binaryAnnotations\[0\]\.annotationType: must be 0 to 6/],
    ['an I32 value of 3 bytes', encodeV1Thrift([{ traceId: TRACE, id: SPAN, binaryAnnotations: [{ key: 'k', value: Uint8Array.from([1, 2, 3]), type: AnnotationType.I32 }] }]), /^\[0\]\.binaryAnnotations\[0\]\.value: must be 4 bytes for annotation type 3, got 3 bytes/],
    ['a zero span ID', encodeV1Thrift([{ traceId: TRACE, id: '0000000000000000' }]), /^\[0\]\.id: must not be all zeros/],
    ['a negative timestamp', encodeV1Thrift([{ traceId: TRACE, id: SPAN, timestamp: -1n }]), /^\[0\]\.timestamp: must be a non-negative count of microseconds/],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => decodeZipkinV1Thrift(body),
        (err: unknown) => err instanceof InvalidInputError && message.test(err.message),
      );
    });
  }
  it('skips fields of unknown IDs or unexpected types, as Thrift readers do', () => {
    // A Span struct: field 99 (a nested struct holding a list), then trace_id and id as i64, and field 3 (name) sent as an i32.
    const body = Buffer.from(
      '0c00000001' + '0c0063' + '0f0001080000000200000001000000020' + '0' + '0a0001d269b633813fc60c' + '0a0004eee19b7ec3c1b174' + '0800030000002a' + '00',
      'hex',
    );
    const [span] = readV1Thrift(body);
    assert.deepEqual([span!.traceId, span!.id, span!.name], ['d269b633813fc60c', SPAN, '']);
  });
});

describe('Zipkin v1 JSON reader', () => {
  it('reads number and boolean binary annotation values as text tags; a value-less one carries nothing', () => {
    const body = JSON.stringify([{ traceId: TRACE, id: SPAN, binaryAnnotations: [{ key: 'n', value: 200 }, { key: 'b', value: false }, { key: 'none' }, { key: 'sa', value: true }] }]);
    assert.deepEqual(
      readV1Json(body)[0]!.binaryAnnotations.map((b) => [b.key, b.value]),
      [
        ['n', '200'],
        ['b', 'false'],
        ['sa', 'true'],
      ],
      '"sa" without an endpoint is no address',
    );
  });
  it('refuses what cannot be read, naming the field', () => {
    const table: [unknown, string][] = [
      [{ traceId: TRACE }, '[0].id: must be 16 hex digits, got none'],
      [{ traceId: TRACE, id: SPAN, annotations: [{ value: 'cs' }] }, '[0].annotations[0].timestamp: is required'],
      [{ traceId: TRACE, id: SPAN, binaryAnnotations: [{ value: 'x' }] }, '[0].binaryAnnotations[0].key: must be a string, got undefined'],
      [{ traceId: TRACE, id: SPAN, binaryAnnotations: [{ key: 'k', value: [1] }] }, '[0].binaryAnnotations[0].value: must be a string, boolean or number, got array'],
      [{ traceId: TRACE, id: SPAN, annotations: [{ timestamp: 1, value: 'cs', endpoint: { port: 'x' } }] }, '[0].annotations[0].endpoint.port: must be a port number (0 to 65535), got "x"'],
    ];
    for (const [span, message] of table) {
      assert.throws(
        () => decodeZipkinV1Json(JSON.stringify([span])),
        (err: unknown) => err instanceof InvalidInputError && err.message === message,
        message,
      );
    }
  });
  it('decodes to the model through the same v2 mapping', () => {
    const body = JSON.stringify([v1Json({ annotations: [[100, 'sr', BACKEND], [210, 'ss', BACKEND]], timestamp: 100, duration: 110, binary: [['ca', true, FRONTEND]] })]);
    const v2Json = encodeZipkinV2Json(decodeZipkinV1Json(body));
    assert.deepEqual(JSON.parse(v2Json), [v2({ kind: 'SERVER', timestamp: 100, duration: 110, localEndpoint: ep(BACKEND), remoteEndpoint: ep(FRONTEND) })]);
  });
});
