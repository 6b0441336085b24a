// The Jaeger receiver's span transports against real clients of each
// transport (a grpc-js client, fetch, a UDP socket) on loopback: what reaches
// the consumer, what each refusal looks like on the wire, and that every
// dropped datagram is counted with its reason while the receiver keeps serving.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test, type TestContext } from 'node:test';
import { status } from '@grpc/grpc-js';
import { loadConfig } from '../../../../lib/config/index.js';
import type { Span } from '../../../../lib/model/index.js';
import {
  encodeBatchThrift,
  encodeEmitBatch,
  encodePostSpansProto,
  JAEGER_POST_SPANS_PATH,
  type JaegerBatch,
} from '../../../../lib/protocol/jaeger/index.js';
import { decodeRpcStatusProto } from '../../../../lib/protocol/rpc-status.js';
import { JaegerReceiver, UDP_DROPPED, UDP_PACKETS, UDP_QUEUED, type JaegerReceiverOptions } from '../../../../lib/receiver/jaeger/index.js';
import { receivers } from '../../../../lib/service/receivers.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { waitFor } from '../../../harness/wait-for.js';
import { clientBatch, CHILD, LATER, ROOT, TRACE } from '../../protocol/jaeger/fixtures.js';
import { grpcClient, unaryCall } from '../grpc-client.js';
import { ControlledConsumer } from '../opencensus/helpers.js';

const LOOPBACK = '127.0.0.1:0';

async function start(t: TestContext, over: Partial<JaegerReceiverOptions> = {}) {
  const consumer = new ControlledConsumer();
  const registry = new Registry();
  const receiver = new JaegerReceiver({
    consumer,
    registry,
    grpc: { endpoint: LOOPBACK },
    thriftHttp: { endpoint: LOOPBACK, maxRequestBytes: 64 * 1024 },
    thriftCompact: { endpoint: LOOPBACK },
    thriftBinary: { endpoint: LOOPBACK },
    closeTimeoutMs: 1_000,
    ...over,
  });
  await receiver.start();
  t.after(() => receiver.close());
  return { consumer, registry, receiver };
}

const spansOf = (consumer: ControlledConsumer): Span[] =>
  consumer.traces.flatMap((c) => c.traces.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));

/** The client batch arrived whole: its three spans, their service, kinds and parent links. */
function assertClientBatch(consumer: ControlledConsumer): void {
  const spans = spansOf(consumer);
  assert.deepEqual(spans.map((s) => [s.traceId, s.spanId, s.parentSpanId, s.name]), [
    [TRACE, ROOT, '', 'GET /cart'],
    [TRACE, CHILD, ROOT, 'SELECT cart'],
    [TRACE, LATER, ROOT, 'publish cart.updated'],
  ]);
  assert.deepEqual(spans.map((s) => [s.kind, s.status.code]), [[2, 0], [3, 2], [4, 0]]);
  const resource = consumer.traces[0]!.traces.resourceSpans[0]!.resource;
  assert.deepEqual(resource.attributes[0], { key: 'service.name', value: { kind: 'string', value: 'cart' } });
}

function post(port: number, body: Uint8Array, contentType = 'application/x-thrift', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/traces`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: Buffer.from(body) });
}

function sendUdp(t: TestContext, port: number, ...packets: Uint8Array[]): Promise<void> {
  const socket = dgram.createSocket('udp4');
  t.after(() => socket.close());
  return packets.reduce((prev, p) => prev.then(() => new Promise<void>((resolve, reject) => socket.send(p, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())))), Promise.resolve());
}

const dropped = (registry: Registry, component: string, reason: string) => registry.total(UDP_DROPPED, { component, reason });

test('gRPC PostSpans: a batch reaches the consumer translated, and the answer is an empty PostSpansResponse', async (t) => {
  const { consumer, receiver } = await start(t);
  const result = await unaryCall(grpcClient(t, receiver.grpc!.port), JAEGER_POST_SPANS_PATH, encodePostSpansProto(clientBatch()));
  assert.equal(result.error, undefined);
  assert.equal(result.response!.length, 0);
  assertClientBatch(consumer);
  assert.equal(consumer.traces[0]!.ctx.protocol, 'jaeger/grpc');
});

test('gRPC PostSpans: malformed is INVALID_ARGUMENT naming the problem; refusals are UNAVAILABLE / RESOURCE_EXHAUSTED with RetryInfo', async (t) => {
  const { consumer, registry, receiver } = await start(t);
  const client = grpcClient(t, receiver.grpc!.port);
  const bad = await unaryCall(client, JAEGER_POST_SPANS_PATH, Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x0a]));
  assert.equal(bad.error?.code, status.INVALID_ARGUMENT);
  assert.match(bad.error!.details, /^malformed Jaeger PostSpansRequest: /);
  assert.equal(registry.total('ocsvc_receiver_malformed_requests_total', { component: 'jaeger' }), 1);

  consumer.outcome = { status: 'retryable', reason: 'bus_full', retryAfterMs: 2_000, exhausted: true };
  const full = await unaryCall(client, JAEGER_POST_SPANS_PATH, encodePostSpansProto(clientBatch()));
  assert.equal(full.error?.code, status.RESOURCE_EXHAUSTED);
  assert.equal(decodeRpcStatusProto(full.error!.metadata.get('grpc-status-details-bin')[0] as Buffer).retryAfterMs, 2_000);
  consumer.outcome = { status: 'retryable', reason: 'kafka_down', retryAfterMs: 1_000 };
  assert.equal((await unaryCall(client, JAEGER_POST_SPANS_PATH, encodePostSpansProto(clientBatch()))).error?.code, status.UNAVAILABLE);
  assert.equal(registry.total('ocsvc_component_refused_items_total', { component: 'jaeger' }), 6);
});

test('Thrift HTTP: POST /api/traces with a binary Batch is answered 202 and reaches the consumer; compact is read by its type', async (t) => {
  const { consumer, registry, receiver } = await start(t);
  for (const type of ['application/x-thrift', 'application/vnd.apache.thrift.binary']) {
    const res = await post(receiver.thriftHttp!.port, encodeBatchThrift(clientBatch()), type);
    assert.equal(res.status, 202, type);
    assert.equal(await res.text(), '');
  }
  const compact = await post(receiver.thriftHttp!.port, encodeBatchThrift(clientBatch(), 'compact'), 'application/vnd.apache.thrift.compact');
  assert.equal(compact.status, 202);
  assert.equal(consumer.traces.length, 3);
  consumer.traces.splice(1);
  assertClientBatch(consumer);
  assert.equal(consumer.traces[0]!.ctx.protocol, 'jaeger/thrift_http');
  assert.equal(registry.total('ocsvc_component_received_items_total', { component: 'jaeger' }), 9);
});

test('Thrift HTTP: 400 with the decoder\'s message, 413 past the limit, 415 for another type, 503/429 with Retry-After', async (t) => {
  const { consumer, receiver } = await start(t);
  const port = receiver.thriftHttp!.port;
  const bytes = encodeBatchThrift(clientBatch());
  const bad = await post(port, bytes.subarray(0, 40));
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /^malformed Jaeger Thrift batch: invalid Jaeger Thrift \(binary\) Batch: .*truncated/);
  const zero = clientBatch();
  zero.spans[0]!.spanId = '0000000000000000';
  const invalid = await post(port, encodeBatchThrift(zero));
  assert.equal(invalid.status, 400);
  assert.match(await invalid.text(), /spans\[0\]\.spanId: must not be all zeros/);
  assert.equal((await post(port, Buffer.alloc(65 * 1024))).status, 413);
  const json = await post(port, bytes, 'application/json');
  assert.equal(json.status, 415);
  assert.match(await json.text(), /use application\/x-thrift/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/api/traces`)).status, 405);

  consumer.outcome = { status: 'retryable', reason: 'kafka_down', retryAfterMs: 2_500 };
  const down = await post(port, bytes);
  assert.equal(down.status, 503);
  assert.equal(down.headers.get('retry-after'), '3');
  consumer.outcome = { status: 'retryable', reason: 'bus_full', retryAfterMs: 1_000, exhausted: true };
  assert.equal((await post(port, bytes)).status, 429);
});

for (const protocol of ['compact', 'binary'] as const) {
  test(`UDP ${protocol}: an emitBatch datagram reaches the consumer; a malformed one is counted and the next still arrives`, async (t) => {
    const { consumer, registry, receiver } = await start(t);
    const udp = protocol === 'compact' ? receiver.thriftCompact! : receiver.thriftBinary!;
    const component = `jaeger/thrift_${protocol}`;
    const good = encodeEmitBatch(clientBatch(), protocol);
    await sendUdp(t, udp.port, Buffer.from('not thrift at all'), encodeEmitBatch(clientBatch(), protocol === 'compact' ? 'binary' : 'compact'), good);
    await waitFor(() => consumer.traces.length === 1, { what: 'the good datagram at the consumer' });
    assertClientBatch(consumer);
    assert.equal(consumer.traces[0]!.ctx.protocol, component);
    assert.equal(registry.total(UDP_PACKETS, { component }), 3);
    assert.equal(dropped(registry, component, 'malformed'), 2);
    assert.equal(registry.total('ocsvc_receiver_malformed_requests_total', { component: 'jaeger' }), 2);
    assert.equal(registry.total('ocsvc_component_sent_items_total', { component: 'jaeger' }), 3);
  });
}

test('UDP: a full queue drops and counts datagrams (queue_full), an oversized one is too_large, a refusal drops its spans (refused)', async (t) => {
  const { consumer, registry, receiver } = await start(t, { thriftCompact: { endpoint: LOOPBACK, queueSize: 2, workers: 1, maxPacketBytes: 4_000 } });
  const udp = receiver.thriftCompact!;
  const component = 'jaeger/thrift_compact';
  const packet = encodeEmitBatch(clientBatch(), 'compact');
  consumer.hold = true;
  await sendUdp(t, udp.port, packet);
  await consumer.held(1);
  // One with the worker, two queued, two more dropped.
  await sendUdp(t, udp.port, packet, packet, packet, packet, Buffer.alloc(4_001));
  await waitFor(() => registry.total(UDP_PACKETS, { component }) === 6, { what: 'six datagrams received' });
  assert.equal(udp.queued, 2);
  assert.equal(registry.snapshot().find((x) => x.name === UDP_QUEUED && x.labels.component === component)?.value, 2, 'the queue depth is a gauge');
  assert.equal(dropped(registry, component, 'queue_full'), 2);
  assert.equal(dropped(registry, component, 'too_large'), 1);

  consumer.outcome = { status: 'retryable', reason: 'kafka_down', retryAfterMs: 1_000 };
  consumer.hold = false;
  consumer.release();
  await waitFor(() => consumer.traces.length === 3 && udp.queued === 0, { what: 'the queue to drain' });
  await waitFor(() => dropped(registry, component, 'refused') === 3, { what: 'three refusals counted' });
  assert.equal(registry.total('ocsvc_component_dropped_items_total', { component: 'jaeger', reason: 'kafka_down' }), 9);
});

test('UDP: the socket receive buffer is the one configured, else the OS default', async (t) => {
  const { receiver } = await start(t, { thriftBinary: { endpoint: LOOPBACK, socketBufferBytes: 8 * 1024 } });
  const bufferOf = (udp: unknown) => (udp as { socket: dgram.Socket }).socket.getRecvBufferSize();
  // Linux doubles the size asked for (room for its bookkeeping); its default is far larger (rmem_default).
  const set = bufferOf(receiver.thriftBinary);
  assert.ok(set >= 8 * 1024 && set <= 16 * 1024, `got ${set}`);
  assert.ok(bufferOf(receiver.thriftCompact) > 16 * 1024, `the default: got ${bufferOf(receiver.thriftCompact)}`);
});

test('close() lets queued datagrams be handed on, and a receiver that never started closes', async (t) => {
  const { consumer, registry, receiver } = await start(t, { thriftCompact: { endpoint: LOOPBACK, workers: 1 } });
  consumer.hold = true;
  await sendUdp(t, receiver.thriftCompact!.port, encodeEmitBatch(clientBatch(), 'compact'), encodeEmitBatch(clientBatch(), 'compact'));
  await consumer.held(1);
  await waitFor(() => receiver.thriftCompact!.queued === 1, { what: 'one queued' });
  const closing = receiver.close();
  consumer.hold = false;
  consumer.release();
  await waitFor(() => consumer.traces.length === 2, { what: 'the queued datagram handed on' });
  consumer.release();
  await closing;
  assert.equal(registry.total(UDP_DROPPED), 0);
  await new JaegerReceiver({ consumer, registry, thriftCompact: { endpoint: LOOPBACK } }).close();
});

test('the receivers section: jaeger is off by default; enabled, only the transports enabled are served', async (t) => {
  const defaults = loadConfig('agent', { env: {} }).receivers;
  assert.equal(defaults.jaeger.enabled, false);
  assert.deepEqual(
    [defaults.jaeger.grpc.endpoint, defaults.jaeger.thriftHttp.endpoint, defaults.jaeger.thriftCompact.endpoint, defaults.jaeger.thriftBinary.endpoint, defaults.jaeger.sampling.endpoint],
    ['0.0.0.0:14250', '0.0.0.0:14268', '0.0.0.0:6831', '0.0.0.0:6832', '0.0.0.0:5778'],
  );
  const consumer = new ControlledConsumer();
  const registry = new Registry();
  const off = { ...defaults, otlp: { grpc: { ...defaults.otlp.grpc, enabled: false }, http: { ...defaults.otlp.http, enabled: false } } };
  assert.deepEqual(receivers(off, consumer, registry), []);
  const jaeger = {
    ...defaults.jaeger,
    enabled: true,
    grpc: { ...defaults.jaeger.grpc, enabled: false },
    thriftHttp: { ...defaults.jaeger.thriftHttp, endpoint: LOOPBACK },
    thriftCompact: { ...defaults.jaeger.thriftCompact, enabled: false },
    thriftBinary: { ...defaults.jaeger.thriftBinary, endpoint: LOOPBACK, queueSize: 7 },
    sampling: { ...defaults.jaeger.sampling, enabled: false },
  };
  const [receiver] = receivers({ ...off, jaeger }, consumer, registry) as JaegerReceiver[];
  assert.ok(receiver instanceof JaegerReceiver);
  assert.deepEqual([receiver.grpc, receiver.thriftCompact, receiver.sampling], [undefined, undefined, undefined]);
  await receiver.start();
  t.after(() => receiver.close());
  assert.equal((await post(receiver.thriftHttp!.port, encodeBatchThrift(clientBatch()))).status, 202);
  const batch: JaegerBatch = clientBatch();
  await sendUdp(t, receiver.thriftBinary!.port, encodeEmitBatch(batch, 'binary'));
  await waitFor(() => consumer.traces.length === 2, { what: 'both transports to deliver' });
});

test('configuration names each bad value of the jaeger section', () => {
  const env = {
    OCSVC_RECEIVERS_JAEGER_THRIFT_COMPACT_QUEUE_SIZE: '0',
    OCSVC_RECEIVERS_JAEGER_THRIFT_BINARY_SOCKET_BUFFER_BYTES: '-1',
    OCSVC_RECEIVERS_JAEGER_GRPC_ENDPOINT: 'nowhere',
  };
  assert.throws(
    () => loadConfig('agent', { env }),
    (err: Error) =>
      /receivers\.jaeger\.thriftCompact\.queueSize: must be an integer >= 1/.test(err.message) &&
      /receivers\.jaeger\.thriftBinary\.socketBufferBytes: must be an integer >= 0/.test(err.message) &&
      /receivers\.jaeger\.grpc\.endpoint: must be host:port/.test(err.message),
  );
});
