// The OTLP/HTTP receiver against node's fetch: every answer the OTLP
// specification asks for, what the consumer gets, and what is counted.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import {
  decodeTraceResponseProto,
  encodeMetricsJson,
  encodeMetricsProto,
  encodeTracesJson,
  encodeTracesProto,
} from '../../../../lib/protocol/otlp/index.js';
import { OtlpHttpReceiver, type OtlpHttpReceiverOptions } from '../../../../lib/receiver/otlp/index.js';
import { decodeRpcStatusProto } from '../../../../lib/protocol/rpc-status.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { sampleMetrics, sampleTraces } from '../../../helpers/fixtures.js';
import { RecordingConsumer } from './recording-consumer.js';

// What the receiver counts for one request of each fixture.
const SPANS = 9; // sampleTraces(): 3 traces of 3 spans
const DATA_POINTS = 9; // sampleMetrics(): over all its metrics

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

async function startReceiver(t: TestContext, options: Partial<OtlpHttpReceiverOptions> = {}) {
  const consumer = new RecordingConsumer();
  const registry = new Registry();
  const receiver = new OtlpHttpReceiver({ endpoint: '127.0.0.1:0', consumer, registry, closeTimeoutMs: 2_000, ...options });
  await receiver.start();
  t.after(() => receiver.close());
  const post = async (path: string, body: Uint8Array | string, headers: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${receiver.port}${path}`, {
      method: 'POST',
      body,
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const total = (counter: 'received' | 'refused', where: Record<string, string> = {}) =>
    registry.total(`ocsvc_component_${counter}_items_total`, { component: 'otlp/http', ...where });
  return { receiver, consumer, registry, post, total };
}

test('protobuf traces reach the consumer unchanged and get an empty ExportTraceServiceResponse', async (t) => {
  const { consumer, post, total } = await startReceiver(t);
  const res = await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), PROTO);
  assert.deepEqual(decodeTraceResponseProto(res.body), { rejected: 0, message: '' });
  assert.equal(consumer.traces.length, 1);
  assert.deepEqual(consumer.traces[0]!.traces, sampleTraces());
  assert.equal(consumer.traces[0]!.ctx.protocol, 'otlp/http');
  assert.equal(consumer.traces[0]!.ctx.peer, '127.0.0.1');
  assert.equal(total('received', { signal: 'traces' }), SPANS);
});

test('OTLP/JSON traces with a charset parameter get a JSON response', async (t) => {
  const { consumer, post } = await startReceiver(t);
  const res = await post('/v1/traces', encodeTracesJson(sampleTraces()), { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), JSON_TYPE);
  assert.deepEqual(JSON.parse(res.body.toString()), {});
  assert.deepEqual(consumer.traces[0]!.traces, sampleTraces());
});

test('gzip-compressed protobuf and JSON bodies are accepted', async (t) => {
  const { consumer, post } = await startReceiver(t);
  const proto = await post('/v1/traces', zlib.gzipSync(encodeTracesProto(sampleTraces())), {
    'content-type': PROTO,
    'content-encoding': 'gzip',
  });
  assert.equal(proto.status, 200);
  const json = await post('/v1/metrics', zlib.gzipSync(encodeMetricsJson(sampleMetrics())), {
    'content-type': JSON_TYPE,
    'content-encoding': 'gzip',
  });
  assert.equal(json.status, 200);
  assert.deepEqual(consumer.traces[0]!.traces, sampleTraces());
  assert.deepEqual(consumer.metrics[0]!.metrics, sampleMetrics());
});

test('metrics reach the consumer and are counted in data points', async (t) => {
  const { consumer, post, total } = await startReceiver(t);
  const res = await post('/v1/metrics', encodeMetricsProto(sampleMetrics()), { 'content-type': PROTO });
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 0, 'full success is the empty message');
  assert.deepEqual(consumer.metrics[0]!.metrics, sampleMetrics());
  assert.equal(total('received', { signal: 'metrics' }), DATA_POINTS);
});

test('a malformed protobuf body is 400 with a protobuf Status naming the problem, and the server keeps serving', async (t) => {
  const { consumer, post, registry } = await startReceiver(t);
  const res = await post('/v1/traces', Uint8Array.from([0x0a, 0x05, 0x01]), { 'content-type': PROTO });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), PROTO);
  const status = decodeRpcStatusProto(res.body);
  assert.equal(status.code, 3);
  assert.match(status.message, /malformed OTLP\/protobuf traces request: .*index out of range/);
  assert.equal(consumer.traces.length, 0);
  assert.equal(registry.total('ocsvc_receiver_malformed_requests_total', { component: 'otlp/http' }), 1);
  assert.equal((await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO })).status, 200);
});

test('a malformed JSON body is 400 with a JSON Status naming the problem', async (t) => {
  const { post } = await startReceiver(t);
  const res = await post('/v1/traces', '{"resourceSpans": 5}', { 'content-type': JSON_TYPE });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), JSON_TYPE);
  const status = JSON.parse(res.body.toString()) as { code: number; message: string };
  assert.equal(status.code, 3);
  assert.match(status.message, /malformed OTLP\/JSON traces request: .*resourceSpans must be an array/);
});

test('a body over the limit is 413, whether declared or inflated from gzip', async (t) => {
  const { consumer, post } = await startReceiver(t, { maxRequestBytes: 16 * 1024 });
  const declared = await post('/v1/traces', Buffer.alloc(32 * 1024), { 'content-type': PROTO });
  assert.equal(declared.status, 413);
  assert.match(decodeRpcStatusProto(declared.body).message, /exceeds the limit of 16384 bytes/);
  const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 });
  assert.ok(bomb.length < 16 * 1024);
  const inflated = await post('/v1/traces', bomb, { 'content-type': PROTO, 'content-encoding': 'gzip' });
  assert.equal(inflated.status, 413);
  assert.match(decodeRpcStatusProto(inflated.body).message, /decompressed to more than 16384 bytes/);
  assert.equal(consumer.traces.length, 0);
  assert.equal((await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO })).status, 200);
});

test('an unsupported Content-Type or Content-Encoding is 415', async (t) => {
  const { post } = await startReceiver(t);
  const cases: Record<string, string>[] = [
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/protobuf-ish' },
    { 'content-type': PROTO, 'content-encoding': 'br' },
  ];
  for (const headers of cases) {
    const res = await post('/v1/traces', encodeTracesProto(sampleTraces()), headers);
    assert.equal(res.status, 415, JSON.stringify(headers));
    assert.match(res.body.toString(), /unsupported Content-(Type|Encoding)/);
  }
});

test('an unknown path is 404 and a GET is 405 with Allow: POST', async (t) => {
  const { receiver, post } = await startReceiver(t);
  assert.equal((await post('/v1/logs', new Uint8Array(0), { 'content-type': PROTO })).status, 404);
  const res = await fetch(`http://127.0.0.1:${receiver.port}/v1/traces`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST');
  await res.arrayBuffer();
});

test('a retryable outcome is 503 with Retry-After and a Status carrying RetryInfo, counted as refused', async (t) => {
  const { consumer, post, total } = await startReceiver(t);
  consumer.outcome = { status: 'retryable', reason: 'kafka_unavailable', retryAfterMs: 1_500 };
  const res = await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '2');
  assert.deepEqual(decodeRpcStatusProto(res.body), {
    code: 14,
    message: 'temporarily unable to accept data (kafka_unavailable); retry later',
    retryAfterMs: 2_000,
  });
  assert.equal(total('refused', { signal: 'traces', reason: 'kafka_unavailable' }), SPANS);
});

test('a retryable outcome for a full buffer is 429 with Retry-After', async (t) => {
  const { consumer, post, total } = await startReceiver(t);
  consumer.outcome = { status: 'retryable', reason: 'buffer_full', retryAfterMs: 3_000, exhausted: true };
  const res = await post('/v1/metrics', encodeMetricsJson(sampleMetrics()), { 'content-type': JSON_TYPE });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '3');
  const status = JSON.parse(res.body.toString()) as { code: number; details: unknown[] };
  assert.equal(status.code, 8);
  assert.deepEqual(status.details, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3.000s' }]);
  assert.equal(total('refused', { signal: 'metrics', reason: 'buffer_full' }), DATA_POINTS);
});

test('a rejected outcome is 400 with the reason, counted as refused "invalid"', async (t) => {
  const { consumer, post, total } = await startReceiver(t);
  consumer.outcome = { status: 'rejected', reason: 'span without trace ID' };
  const res = await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO });
  assert.equal(res.status, 400);
  assert.deepEqual(decodeRpcStatusProto(res.body), { code: 3, message: 'span without trace ID' });
  assert.equal(total('refused', { reason: 'invalid' }), SPANS);
});

test('a consumer that throws gets the client a 503, not a 500', async (t) => {
  const { consumer, post } = await startReceiver(t);
  consumer.throws = new Error('bug in the pipeline');
  const res = await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '1');
});

test('an empty request succeeds without calling the consumer', async (t) => {
  const { consumer, post, total } = await startReceiver(t);
  assert.equal((await post('/v1/traces', new Uint8Array(0), { 'content-type': PROTO })).status, 200);
  assert.equal((await post('/v1/traces', '{}', { 'content-type': JSON_TYPE })).status, 200);
  assert.equal((await post('/v1/metrics', '{"resourceMetrics":[]}', { 'content-type': JSON_TYPE })).status, 200);
  assert.equal(consumer.traces.length + consumer.metrics.length, 0);
  assert.equal(total('received'), 0);
});

test('custom paths replace the defaults', async (t) => {
  const { post } = await startReceiver(t, { tracesPath: '/otlp/v1/traces' });
  assert.equal((await post('/otlp/v1/traces', new Uint8Array(0), { 'content-type': PROTO })).status, 200);
  assert.equal((await post('/v1/traces', new Uint8Array(0), { 'content-type': PROTO })).status, 404);
});

test('close() is safe without start() and twice', async () => {
  const receiver = new OtlpHttpReceiver({ endpoint: '127.0.0.1:0', consumer: new RecordingConsumer(), registry: new Registry() });
  assert.throws(() => receiver.port, /only after start/);
  await receiver.close();
  assert.equal(receiver.close(), receiver.close());
});

test('property: any bytes POSTed as protobuf or JSON get 200 or 400, and the server keeps serving', async (t) => {
  const { post } = await startReceiver(t);
  const valid = [encodeTracesProto(sampleTraces()), Buffer.from(encodeTracesJson(sampleTraces()))];
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.json().map((s) => Buffer.from(s)),
    // Valid requests with one byte changed or cut short reach deeper into the decoders.
    fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([v, i, b]) => {
      const copy = Buffer.from(v);
      copy[i % copy.length] = b;
      return copy;
    }),
    fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([v, n]) => v.subarray(0, n % v.length)),
  );
  await fc.assert(
    fc.asyncProperty(body, fc.constantFrom(PROTO, JSON_TYPE), fc.constantFrom('/v1/traces', '/v1/metrics'), async (bytes, type, path) => {
      const res = await post(path, bytes, { 'content-type': type });
      assert.ok(res.status === 200 || res.status === 400, `status ${res.status}: ${res.body.toString()}`);
    }),
    { numRuns: 100, interruptAfterTimeLimit: 60_000 },
  );
  assert.equal((await post('/v1/traces', encodeTracesProto(sampleTraces()), { 'content-type': PROTO })).status, 200);
});
