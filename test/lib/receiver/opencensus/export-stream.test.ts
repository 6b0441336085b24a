// TraceService.Export and MetricsService.Export against a real @grpc/grpc-js
// client sending the protobuf bytes the codec builds: the Node rule, Node and
// Resource inheritance, one acknowledgement per message once the consumer said
// ok, retryable and invalid outcomes ending the stream, and shutdown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  OC_METRICS_EXPORT_PATH,
  OC_TRACE_EXPORT_PATH,
  encodeMetricsRequestProto,
  encodeTraceRequestProto,
} from '../../../../lib/protocol/opencensus/index.js';
import { decodeRpcStatusProto } from '../../../../lib/protocol/rpc-status.js';
import { NODE_RULE } from '../../../../lib/receiver/opencensus/index.js';
import {
  client,
  metricsRequest,
  ocGauge,
  ocNode,
  ocResource,
  ocSpan,
  RawStream,
  serviceOf,
  spanNames,
  startReceiver,
  stringAttributes,
  traceRequest,
} from './helpers.js';

test('spans arrive with the Node as resource, and each message is acknowledged with an empty response', async (t) => {
  const { receiver, consumer, total } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('checkout'), spans: [ocSpan('GET /cart'), ocSpan('SELECT')] })));
  const [ack] = await stream.responsesAtLeast(1);
  assert.equal(ack!.length, 0, 'an ExportTraceServiceResponse has no fields');
  assert.deepEqual(spanNames(consumer), [['GET /cart', 'SELECT']]);
  const resource = stringAttributes(consumer.traces[0]!.traces.resourceSpans[0]!.resource.attributes);
  assert.equal(resource['service.name'], 'checkout');
  assert.equal(resource['host.name'], 'host-1');
  assert.equal(consumer.traces[0]!.ctx.protocol, 'opencensus/grpc');
  assert.match(consumer.traces[0]!.ctx.peer ?? '', /127\.0\.0\.1/);
  assert.equal(total('received', { signal: 'traces' }), 2);
  assert.equal(total('sent', { signal: 'traces' }), 2);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK, 'a half-closed stream ends OK');
});

test('a first message without a Node ends the stream with INVALID_ARGUMENT quoting the rule', async (t) => {
  const { receiver, consumer, malformed } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ spans: [ocSpan('orphan')] })));
  const status = await stream.status;
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.ok(status.details.includes(NODE_RULE), status.details);
  assert.equal(stream.responses.length, 0);
  assert.equal(consumer.traces.length, 0);
  assert.equal(malformed(), 1);
});

test('later messages inherit the Node and Resource; a new Node switches the node and keeps the last Resource', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), resource: ocResource('k8s', { pod: 'p1' }), spans: [ocSpan('1')] })));
  stream.send(encodeTraceRequestProto(traceRequest({ spans: [ocSpan('2')] })));
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('b'), spans: [ocSpan('3')] })));
  stream.send(encodeTraceRequestProto(traceRequest({ resource: ocResource('host', { rack: 'r7' }), spans: [ocSpan('4')] })));
  await stream.responsesAtLeast(4);
  assert.deepEqual(spanNames(consumer), [['1'], ['2'], ['3'], ['4']]);
  assert.deepEqual([0, 1, 2, 3].map((i) => serviceOf(consumer, i)), ['a', 'a', 'b', 'b']);
  const labels = (i: number) => stringAttributes(consumer.traces[i]!.traces.resourceSpans[0]!.resource.attributes);
  assert.equal(labels(1).pod, 'p1', 'the resource is inherited');
  assert.equal(labels(2).pod, 'p1', 'a new Node keeps the last Resource (as the protocol and the OpenCensus agent do)');
  assert.equal(labels(3).rack, 'r7');
  assert.equal(labels(3).pod, undefined, 'a new Resource replaces the old one');
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

test('messages are handled one at a time and acknowledged only once the consumer said ok', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  consumer.hold = true;
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('1')] })));
  stream.send(encodeTraceRequestProto(traceRequest({ spans: [ocSpan('2')] })));
  await consumer.held(1);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(stream.responses.length, 0, 'nothing acknowledged before Kafka answered');
  assert.equal(consumer.traces.length, 1, 'the second message waits for the first');
  consumer.release();
  await stream.responsesAtLeast(1);
  await consumer.held(1);
  assert.equal(stream.responses.length, 1);
  consumer.release();
  await stream.responsesAtLeast(2);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
  assert.deepEqual(spanNames(consumer), [['1'], ['2']]);
});

test('while the consumer works nothing more is read: gRPC flow control holds the client back', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  consumer.hold = true;
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH, { deadlineMs: 30_000 });
  const big = 'x'.repeat(100 * 1024);
  let refused = 0;
  for (let i = 0; i < 60; i++) {
    const request = traceRequest({ node: i === 0 ? ocNode('a') : undefined, spans: [ocSpan(`${i}:${big}`)] });
    if (!stream.call.write(Buffer.from(encodeTraceRequestProto(request)))) refused++;
  }
  await consumer.held(1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(consumer.traces.length, 1, 'one message at a time');
  assert.ok(refused > 0, "the client's own buffer filled: it is told to wait");
  assert.ok(stream.call.writableLength > 0, 'the client still holds messages the receiver has not taken');
  consumer.hold = false;
  consumer.release();
  await stream.responsesAtLeast(60, 20_000);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
  assert.equal(consumer.traces.length, 60);
});

test('without the ocsvc-acks metadata nothing is written back, as stock OpenCensus exporters expect', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH, { acks: false });
  for (let i = 0; i < 5; i++) stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('go-app'), spans: [ocSpan(String(i))] })));
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
  assert.equal(stream.responses.length, 0);
  assert.equal(consumer.traces.length, 5, 'every message was handed on before the stream ended');
});

test('a message with a Node and no spans is acknowledged without troubling the consumer', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a') })));
  await stream.responsesAtLeast(1);
  assert.equal(consumer.traces.length, 0);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

test('a retryable refusal ends the stream UNAVAILABLE with retry info, acknowledging nothing after it', async (t) => {
  const { receiver, consumer, total } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('1')] })));
  await stream.responsesAtLeast(1);
  consumer.outcome = { status: 'retryable', reason: 'kafka_down', message: 'Kafka is unreachable', retryAfterMs: 2_500 };
  stream.send(encodeTraceRequestProto(traceRequest({ spans: [ocSpan('2'), ocSpan('3')] })));
  const status = await stream.status;
  assert.equal(status.code, grpc.status.UNAVAILABLE);
  assert.match(status.details, /Kafka is unreachable/);
  const [details] = status.metadata.get('grpc-status-details-bin');
  assert.equal(decodeRpcStatusProto(details as Buffer).retryAfterMs, 2_500);
  assert.deepEqual(status.metadata.get('grpc-retry-pushback-ms'), ['2500']);
  assert.equal(stream.responses.length, 1, 'only the first message was acknowledged');
  assert.equal(total('refused', { signal: 'traces', reason: 'kafka_down' }), 2);
});

test('a full buffer ends the stream RESOURCE_EXHAUSTED with retry info', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  consumer.outcome = { status: 'retryable', reason: 'bus_full', retryAfterMs: 1_000, exhausted: true };
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('1')] })));
  const status = await stream.status;
  assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(decodeRpcStatusProto(status.metadata.get('grpc-status-details-bin')[0] as Buffer).retryAfterMs, 1_000);
  assert.equal(stream.responses.length, 0);
});

test('a consumer that throws is retryable, never an acknowledgement', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  consumer.consumeTraces = async () => {
    throw new Error('boom');
  };
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('1')] })));
  assert.equal((await stream.status).code, grpc.status.UNAVAILABLE);
  assert.equal(stream.responses.length, 0);
});

test('malformed bytes end that stream with INVALID_ARGUMENT naming the problem; other streams go on', async (t) => {
  const { receiver, consumer, malformed } = await startReceiver(t);
  const c = client(t, receiver.port);
  const good = new RawStream(c, OC_TRACE_EXPORT_PATH);
  good.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('1')] })));
  await good.responsesAtLeast(1);
  const bad = new RawStream(c, OC_TRACE_EXPORT_PATH);
  bad.send(Uint8Array.from([0x0a, 0x05, 0x01]));
  const status = await bad.status;
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.match(status.details, /^malformed OpenCensus\/protobuf traces message: /);
  assert.equal(malformed(), 1);
  good.send(encodeTraceRequestProto(traceRequest({ spans: [ocSpan('2')] })));
  await good.responsesAtLeast(2);
  good.end();
  assert.equal((await good.status).code, grpc.status.OK);
  assert.deepEqual(spanNames(consumer), [['1'], ['2']]);
});

test('metrics arrive with the Node as resource, counted in data points, and are acknowledged', async (t) => {
  const { receiver, consumer, total } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_METRICS_EXPORT_PATH);
  stream.send(encodeMetricsRequestProto(metricsRequest({ node: ocNode('billing'), metrics: [ocGauge('queue.depth', 7), ocGauge('load', 0.5)] })));
  stream.send(encodeMetricsRequestProto(metricsRequest({ metrics: [ocGauge('queue.depth', 8)] })));
  const acks = await stream.responsesAtLeast(2);
  assert.deepEqual(acks.map((a) => a.length), [0, 0]);
  assert.equal(consumer.metrics.length, 2);
  for (const { metrics, ctx } of consumer.metrics) {
    assert.equal(stringAttributes(metrics.resourceMetrics[0]!.resource.attributes)['service.name'], 'billing');
    assert.equal(ctx.protocol, 'opencensus/grpc');
  }
  const names = consumer.metrics[0]!.metrics.resourceMetrics[0]!.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name));
  assert.deepEqual(names, ['queue.depth', 'load']);
  assert.equal(total('received', { signal: 'metrics' }), 3);
  assert.equal(total('sent', { signal: 'metrics' }), 3);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

test('metrics: a first message without a Node is INVALID_ARGUMENT too', async (t) => {
  const { receiver } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_METRICS_EXPORT_PATH);
  stream.send(encodeMetricsRequestProto(metricsRequest({ metrics: [ocGauge('x', 1)] })));
  const status = await stream.status;
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.ok(status.details.includes(NODE_RULE));
});

test('a client that cancels mid-message leaves the receiver serving', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  consumer.hold = true;
  const c = client(t, receiver.port);
  const first = new RawStream(c, OC_TRACE_EXPORT_PATH);
  first.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('1')] })));
  await consumer.held(1);
  first.call.cancel();
  assert.equal((await first.status).code, grpc.status.CANCELLED);
  consumer.hold = false;
  consumer.release();
  const second = new RawStream(c, OC_TRACE_EXPORT_PATH);
  second.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a'), spans: [ocSpan('2')] })));
  await second.responsesAtLeast(1);
  second.end();
  assert.equal((await second.status).code, grpc.status.OK);
});

test('close() acknowledges the message in hand, then ends open streams UNAVAILABLE', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const c = client(t, receiver.port);
  const idle = new RawStream(c, OC_TRACE_EXPORT_PATH);
  idle.send(encodeTraceRequestProto(traceRequest({ node: ocNode('idle') })));
  await idle.responsesAtLeast(1);
  consumer.hold = true;
  const busy = new RawStream(c, OC_TRACE_EXPORT_PATH);
  busy.send(encodeTraceRequestProto(traceRequest({ node: ocNode('busy'), spans: [ocSpan('in hand')] })));
  await consumer.held(1);
  const closed = receiver.close();
  const idleStatus = await idle.status;
  assert.equal(idleStatus.code, grpc.status.UNAVAILABLE);
  assert.match(idleStatus.details, /shutting down/);
  consumer.release();
  const busyStatus = await busy.status;
  assert.equal(busyStatus.code, grpc.status.UNAVAILABLE);
  assert.equal(busy.responses.length, 1, 'the message in hand was acknowledged before the stream ended');
  await closed;
  assert.equal(receiver.close(), closed, 'close() returns the same promise');
});
