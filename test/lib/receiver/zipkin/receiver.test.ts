// The Zipkin receiver against node's fetch: each API version and encoding by
// Content-Type, compression, every answer Zipkin's collector gives (202, 400,
// 413, 415) and the push-back ours adds (429/503 with Retry-After), what the
// consumer gets, and what is counted.
import assert from 'node:assert/strict';
import { type TestContext, describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { spanCount } from '../../../../lib/model/index.js';
import { decodeZipkinV1Json, decodeZipkinV2Json, encodeZipkinV2Proto } from '../../../../lib/protocol/zipkin/index.js';
import { UnavailableError } from '../../../../lib/errors.js';
import { ZipkinReceiver, type ZipkinReceiverOptions } from '../../../../lib/receiver/zipkin/index.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { encodeV1Thrift } from '../../../helpers/zipkin-thrift.js';
import { mutate, mutationsArb } from '../../protocol/otlp/fuzz.js';
import { RecordingConsumer } from '../otlp/recording-consumer.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const T = 1_700_000_000_000_000;
const v2Spans = [
  { traceId: TRACE, id: 'eee19b7ec3c1b174', kind: 'SERVER', name: 'get /cart', timestamp: T, duration: 2_000, localEndpoint: { serviceName: 'cart' }, tags: { 'http.method': 'GET' } },
  { traceId: TRACE, parentId: 'eee19b7ec3c1b174', id: 'eee19b7ec3c1b175', kind: 'CLIENT', name: 'query', timestamp: T + 10, duration: 500, localEndpoint: { serviceName: 'cart' }, remoteEndpoint: { serviceName: 'db' } },
];
const V2_JSON = JSON.stringify(v2Spans);
const v1Spans = [
  {
    traceId: TRACE,
    id: 'eee19b7ec3c1b176',
    name: 'get',
    annotations: [
      { timestamp: T, value: 'sr', endpoint: { serviceName: 'api', ipv4: '10.0.0.2', port: 8080 } },
      { timestamp: T + 100, value: 'ss', endpoint: { serviceName: 'api', ipv4: '10.0.0.2', port: 8080 } },
    ],
  },
];
const V1_JSON = JSON.stringify(v1Spans);
const v1Thrift = () =>
  encodeV1Thrift([
    {
      traceId: TRACE,
      id: 'eee19b7ec3c1b176',
      name: 'get',
      annotations: [
        { timestamp: BigInt(T), value: 'sr', host: { serviceName: 'api', ipv4: '10.0.0.2', port: 8080 } },
        { timestamp: BigInt(T + 100), value: 'ss', host: { serviceName: 'api', ipv4: '10.0.0.2', port: 8080 } },
      ],
    },
  ]);

async function startReceiver(t: TestContext, options: Partial<ZipkinReceiverOptions> = {}) {
  const consumer = new RecordingConsumer();
  const registry = new Registry();
  const receiver = new ZipkinReceiver({ endpoint: '127.0.0.1:0', consumer, registry, closeTimeoutMs: 2_000, ...options });
  await receiver.start();
  t.after(() => receiver.close());
  const post = async (path: string, body: Uint8Array | string, headers: Record<string, string> = {}, method = 'POST') => {
    const res = await fetch(`http://127.0.0.1:${receiver.port}${path}`, {
      method,
      ...(method === 'POST' ? { body } : {}),
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const total = (counter: 'received' | 'refused' | 'sent', where: Record<string, string> = {}) =>
    registry.total(`ocsvc_component_${counter}_items_total`, { component: 'zipkin', signal: 'traces', ...where });
  return { receiver, consumer, registry, post, total };
}

describe('Zipkin receiver: the four encodings', () => {
  const cases: [string, string, () => Uint8Array | string, Record<string, string>, () => unknown, string][] = [
    ['v2 JSON', '/api/v2/spans', () => V2_JSON, { 'content-type': 'application/json' }, () => decodeZipkinV2Json(V2_JSON), 'zipkin/v2'],
    ['v2 JSON without a Content-Type (Zipkin reads it as JSON)', '/api/v2/spans', () => Buffer.from(V2_JSON), {}, () => decodeZipkinV2Json(V2_JSON), 'zipkin/v2'],
    ['v2 protobuf', '/api/v2/spans', () => encodeZipkinV2Proto(decodeZipkinV2Json(V2_JSON)), { 'content-type': 'application/x-protobuf' }, () => decodeZipkinV2Json(V2_JSON), 'zipkin/v2'],
    ['v1 JSON with a charset', '/api/v1/spans', () => V1_JSON, { 'content-type': 'application/json; charset=utf-8' }, () => decodeZipkinV1Json(V1_JSON), 'zipkin/v1'],
    ['v1 Thrift', '/api/v1/spans', v1Thrift, { 'content-type': 'application/x-thrift' }, () => decodeZipkinV1Json(V1_JSON), 'zipkin/v1'],
  ];
  for (const [what, path, body, headers, want, protocol] of cases) {
    it(`${what}: 202, and the consumer gets the decoded spans, counted`, async (t) => {
      const { consumer, post, total } = await startReceiver(t);
      const res = await post(path, body(), headers);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.text, '');
      assert.equal(consumer.traces.length, 1);
      assert.deepEqual(consumer.traces[0]!.traces, want());
      assert.equal(consumer.traces[0]!.ctx.protocol, protocol);
      assert.equal(consumer.traces[0]!.ctx.peer, '127.0.0.1');
      const spans = spanCount(consumer.traces[0]!.traces);
      assert.deepEqual([total('received'), total('sent')], [spans, spans]);
    });
  }

  it('gzip and deflate (zlib and raw) bodies are inflated', async (t) => {
    const { consumer, post } = await startReceiver(t);
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['deflate', zlib.deflateRawSync],
    ] as const) {
      const res = await post('/api/v2/spans', compress(Buffer.from(V2_JSON)), { 'content-type': 'application/json', 'content-encoding': encoding });
      assert.equal(res.status, 202, `${encoding}: ${res.text}`);
    }
    assert.equal(consumer.traces.length, 3);
    for (const c of consumer.traces) assert.deepEqual(c.traces, decodeZipkinV2Json(V2_JSON));
  });

  it('an empty list is 202 and troubles no one', async (t) => {
    const { consumer, post, total } = await startReceiver(t);
    assert.equal((await post('/api/v2/spans', '[]', { 'content-type': 'application/json' })).status, 202);
    assert.equal(consumer.traces.length, 0);
    assert.equal(total('received'), 0);
  });
});

describe('Zipkin receiver: refusals', () => {
  it('a malformed body is 400 with a message naming the encoding, span and field; counted; the server keeps serving', async (t) => {
    const { consumer, post, registry } = await startReceiver(t);
    const bad = JSON.stringify([v2Spans[0], { ...v2Spans[1], id: 'xyz' }]);
    const res = await post('/api/v2/spans', bad, { 'content-type': 'application/json' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.text, 'malformed Zipkin v2 JSON request: [1].id: must be 16 hex digits, got "xyz"\n');
    const thrift = await post('/api/v1/spans', Buffer.from([12, 0, 0, 0, 1, 10]), { 'content-type': 'application/x-thrift' });
    assert.equal(thrift.status, 400);
    assert.match(thrift.text, /^malformed Zipkin v1 Thrift request: \[0\]: invalid Zipkin Thrift: truncated or malformed/);
    const proto = await post('/api/v2/spans', Buffer.from([0x0a, 0x05, 0x01]), { 'content-type': 'application/x-protobuf' });
    assert.match(proto.text, /^malformed Zipkin v2 protobuf request: invalid Zipkin protobuf: /);
    assert.equal(consumer.traces.length, 0);
    assert.equal(registry.total('ocsvc_receiver_malformed_requests_total', { component: 'zipkin' }), 3);
    assert.equal((await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json' })).status, 202);
  });

  it('JSON sent to the v1 path as v2 JSON is refused with what is missing', async (t) => {
    const { post } = await startReceiver(t);
    const res = await post('/api/v1/spans', JSON.stringify([{ traceId: TRACE }]), { 'content-type': 'application/json' });
    assert.deepEqual([res.status, res.text], [400, 'malformed Zipkin v1 JSON request: [0].id: must be 16 hex digits, got none\n']);
  });

  it('a body over the limit is 413, whether declared, sent or inflated from gzip', async (t) => {
    const { consumer, post } = await startReceiver(t, { maxRequestBytes: 16 * 1024 });
    const big = Buffer.alloc(32 * 1024, 0x20);
    assert.equal((await post('/api/v2/spans', big, { 'content-type': 'application/json' })).status, 413);
    // 64 KiB of spaces gzip to well under the limit, and inflate past it.
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024, 0x20));
    assert.ok(bomb.length < 16 * 1024);
    const res = await post('/api/v2/spans', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.deepEqual([res.status, res.text], [413, 'request body too large: the body decompressed to more than 16384 bytes exceeds the limit of 16384 bytes\n']);
    assert.equal(consumer.traces.length, 0);
  });

  it('an unsupported Content-Type is 415 naming what to use; an unsupported Content-Encoding is 415 too', async (t) => {
    const { post } = await startReceiver(t);
    const type = await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/x-thrift' });
    assert.deepEqual([type.status, type.text], [415, 'unsupported Content-Type "application/x-thrift" on /api/v2/spans; use application/json or application/x-protobuf or application/protobuf\n']);
    assert.equal((await post('/api/v1/spans', V1_JSON, { 'content-type': 'text/plain' })).status, 415);
    const encoding = await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json', 'content-encoding': 'br' });
    assert.equal(encoding.status, 415);
    assert.match(encoding.text, /unsupported Content-Encoding "br"/);
  });

  it('other paths are 404 and other methods 405 with Allow', async (t) => {
    const { post } = await startReceiver(t);
    assert.equal((await post('/api/v2/trace', V2_JSON)).status, 404);
    const get = await post('/api/v2/spans', '', {}, 'GET');
    assert.deepEqual([get.status, get.headers.get('allow')], [405, 'POST']);
  });
});

describe('Zipkin receiver: push-back when the pipeline refuses', () => {
  it('out of room is 429 with Retry-After, a dependency down 503; the spans are counted refused', async (t) => {
    const { consumer, post, total } = await startReceiver(t);
    consumer.outcome = { status: 'retryable', reason: 'bus_full', message: 'bus full', retryAfterMs: 2_500, exhausted: true };
    const full = await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json' });
    assert.deepEqual([full.status, full.headers.get('retry-after'), full.text], [429, '3', 'temporarily unable to accept data (bus full); retry later\n']);
    consumer.outcome = { status: 'retryable', reason: 'kafka_unavailable', retryAfterMs: 1_000 };
    const down = await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json' });
    assert.deepEqual([down.status, down.headers.get('retry-after')], [503, '1']);
    assert.equal(total('refused', { reason: 'bus_full' }), 2);
    assert.equal(total('refused', { reason: 'kafka_unavailable' }), 2);
  });

  it('a consumer that throws an UnavailableError is 503 with its delay; a rejection is 400 with its reason', async (t) => {
    const { consumer, post } = await startReceiver(t);
    consumer.throws = new UnavailableError('spool full', { retryAfterMs: 4_000 });
    const res = await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json' });
    assert.deepEqual([res.status, res.headers.get('retry-after')], [503, '4']);
    consumer.throws = undefined;
    consumer.outcome = { status: 'rejected', reason: 'trace too large' };
    const rejected = await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json' });
    assert.deepEqual([rejected.status, rejected.text], [400, 'trace too large\n']);
  });
});

describe('Zipkin receiver: whatever arrives', () => {
  const RUNS = { numRuns: 80, interruptAfterTimeLimit: 20_000 };
  const routes = [
    ['/api/v2/spans', 'application/json', Buffer.from(V2_JSON)],
    ['/api/v2/spans', 'application/x-protobuf', Buffer.from(encodeZipkinV2Proto(decodeZipkinV2Json(V2_JSON)))],
    ['/api/v1/spans', 'application/json', Buffer.from(V1_JSON)],
    ['/api/v1/spans', 'application/x-thrift', v1Thrift()],
  ] as const;

  it('mutated or random bodies on every path and encoding get 202 or 400, never 500, and the receiver keeps serving', async (t) => {
    const { post, consumer } = await startReceiver(t);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(mutationsArb.map((m) => ({ m })), fc.uint8Array({ maxLength: 200 }).map((b) => ({ b }))), async ([path, type, valid], input) => {
        const body = 'm' in input ? mutate(valid, input.m) : input.b;
        const res = await post(path, body, { 'content-type': type });
        assert.ok(res.status === 202 || res.status === 400, `${res.status} ${res.text}`);
      }),
      RUNS,
    );
    const before = consumer.traces.length;
    assert.equal((await post('/api/v2/spans', V2_JSON, { 'content-type': 'application/json' })).status, 202);
    assert.equal(consumer.traces.length, before + 1);
  });
});
