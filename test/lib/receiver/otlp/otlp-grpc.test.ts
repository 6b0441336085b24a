// The OTLP/gRPC receiver against a real @grpc/grpc-js client sending the
// protobuf bytes the codec builds: status codes from the OTLP specification,
// RetryInfo for throttling, what the consumer gets, and what is counted.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  METRICS_EXPORT_PATH,
  TRACE_EXPORT_PATH,
  decodeTraceResponseProto,
  encodeMetricsProto,
  encodeTracesProto,
} from '../../../../lib/protocol/otlp/index.js';
import { OtlpGrpcReceiver, type OtlpGrpcReceiverOptions } from '../../../../lib/receiver/otlp/index.js';
import { decodeRpcStatusProto } from '../../../../lib/protocol/rpc-status.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { grpcClient, unaryCall } from '../grpc-client.js';
import { sampleMetrics, sampleTraces } from '../../../helpers/fixtures.js';
import { RecordingConsumer } from './recording-consumer.js';

// What the receiver counts for one request of each fixture.
const SPANS = 9; // sampleTraces(): 3 traces of 3 spans
const DATA_POINTS = 9; // sampleMetrics(): over all its metrics

async function startReceiver(t: TestContext, options: Partial<OtlpGrpcReceiverOptions> = {}, channel: grpc.ChannelOptions = {}) {
  const consumer = new RecordingConsumer();
  const registry = new Registry();
  const receiver = new OtlpGrpcReceiver({ endpoint: '127.0.0.1:0', consumer, registry, closeTimeoutMs: 2_000, ...options });
  await receiver.start();
  t.after(() => receiver.close());
  const client = grpcClient(t, receiver.port, channel);
  const total = (counter: 'received' | 'sent' | 'refused', where: Record<string, string> = {}) =>
    registry.total(`ocsvc_component_${counter}_items_total`, { component: 'otlp/grpc', ...where });
  return { receiver, consumer, registry, client, total };
}

function retryDelayMs(error: grpc.ServiceError | undefined): number | undefined {
  const [details] = error?.metadata.get('grpc-status-details-bin') ?? [];
  assert.ok(Buffer.isBuffer(details), 'grpc-status-details-bin is present');
  return decodeRpcStatusProto(details).retryAfterMs;
}

test('traces reach the consumer unchanged and the answer is an empty ExportTraceServiceResponse', async (t) => {
  const { consumer, client, total } = await startReceiver(t);
  const r = await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()));
  assert.equal(r.error, undefined);
  assert.deepEqual(decodeTraceResponseProto(r.response!), { rejected: 0, message: '' });
  assert.equal(consumer.traces.length, 1);
  assert.deepEqual(consumer.traces[0]!.traces, sampleTraces());
  assert.equal(consumer.traces[0]!.ctx.protocol, 'otlp/grpc');
  assert.match(consumer.traces[0]!.ctx.peer ?? '', /127\.0\.0\.1/);
  assert.equal(total('received', { signal: 'traces' }), SPANS);
  assert.equal(total('sent', { signal: 'traces' }), SPANS, 'accepted by the consumer: sent');
});

test('gzip-compressed requests are accepted', async (t) => {
  const { consumer, client } = await startReceiver(t, {}, { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
  assert.equal((await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()))).error, undefined);
  assert.equal((await unaryCall(client, METRICS_EXPORT_PATH, encodeMetricsProto(sampleMetrics()))).error, undefined);
  assert.deepEqual(consumer.traces[0]!.traces, sampleTraces());
  assert.deepEqual(consumer.metrics[0]!.metrics, sampleMetrics());
});

test('metrics reach the consumer and are counted in data points', async (t) => {
  const { consumer, client, total } = await startReceiver(t);
  const r = await unaryCall(client, METRICS_EXPORT_PATH, encodeMetricsProto(sampleMetrics()));
  assert.equal(r.error, undefined);
  assert.equal(r.response!.length, 0);
  assert.deepEqual(consumer.metrics[0]!.metrics, sampleMetrics());
  assert.equal(total('received', { signal: 'metrics' }), DATA_POINTS);
});

test('a malformed request is INVALID_ARGUMENT naming the problem, and the next call succeeds', async (t) => {
  const { consumer, client, registry } = await startReceiver(t);
  const r = await unaryCall(client, TRACE_EXPORT_PATH, Uint8Array.from([0x0a, 0x05, 0x01]));
  assert.equal(r.error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(r.error.details, /malformed OTLP\/protobuf traces request: .*index out of range/);
  assert.equal(consumer.traces.length, 0);
  assert.equal(registry.total('ocsvc_receiver_malformed_requests_total', { component: 'otlp/grpc' }), 1);
  assert.equal((await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()))).error, undefined);
});

test('a retryable outcome is UNAVAILABLE with RetryInfo, counted as refused', async (t) => {
  const { consumer, client, total } = await startReceiver(t);
  consumer.outcome = { status: 'retryable', reason: 'kafka_unavailable', retryAfterMs: 1_500 };
  const r = await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()));
  assert.equal(r.error?.code, grpc.status.UNAVAILABLE);
  assert.equal(retryDelayMs(r.error), 1_500);
  assert.deepEqual(r.error.metadata.get('grpc-retry-pushback-ms'), ['1500']);
  assert.equal(total('refused', { signal: 'traces', reason: 'kafka_unavailable' }), SPANS);
  assert.equal(total('sent', { signal: 'traces' }), 0, 'nothing refused counts as sent');
});

test('a retryable outcome for a full buffer is RESOURCE_EXHAUSTED with RetryInfo', async (t) => {
  const { consumer, client, total } = await startReceiver(t);
  consumer.outcome = { status: 'retryable', reason: 'buffer_full', retryAfterMs: 250, exhausted: true };
  const r = await unaryCall(client, METRICS_EXPORT_PATH, encodeMetricsProto(sampleMetrics()));
  assert.equal(r.error?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(retryDelayMs(r.error), 250);
  assert.equal(total('refused', { signal: 'metrics', reason: 'buffer_full' }), DATA_POINTS);
});

test('a rejected outcome is INVALID_ARGUMENT with the reason, counted as refused "invalid"', async (t) => {
  const { consumer, client, total } = await startReceiver(t);
  consumer.outcome = { status: 'rejected', reason: 'span without trace ID' };
  const r = await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()));
  assert.equal(r.error?.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(r.error.details, 'span without trace ID');
  assert.equal(total('refused', { reason: 'invalid' }), SPANS);
});

test('a consumer that throws gets the client UNAVAILABLE', async (t) => {
  const { consumer, client } = await startReceiver(t);
  consumer.throws = new Error('bug in the pipeline');
  const r = await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()));
  assert.equal(r.error?.code, grpc.status.UNAVAILABLE);
});

test('an empty request is OK without calling the consumer', async (t) => {
  const { consumer, client, total } = await startReceiver(t);
  assert.equal((await unaryCall(client, TRACE_EXPORT_PATH, new Uint8Array(0))).error, undefined);
  assert.equal((await unaryCall(client, METRICS_EXPORT_PATH, new Uint8Array(0))).error, undefined);
  assert.equal(consumer.traces.length + consumer.metrics.length, 0);
  assert.equal(total('received'), 0);
});

test('a request over maxRecvMsgBytes is RESOURCE_EXHAUSTED without RetryInfo, and the next call succeeds', async (t) => {
  // Room for sampleTraces() (about 2.5 KiB), not for twice the limit.
  const { consumer, client } = await startReceiver(t, { maxRecvMsgBytes: 4096 });
  const r = await unaryCall(client, TRACE_EXPORT_PATH, Buffer.alloc(8192));
  assert.equal(r.error?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.deepEqual(r.error.metadata.get('grpc-status-details-bin'), []);
  assert.equal(consumer.traces.length, 0);
  assert.equal((await unaryCall(client, TRACE_EXPORT_PATH, encodeTracesProto(sampleTraces()))).error, undefined);
});

test('close() is safe without start() and twice', async () => {
  const receiver = new OtlpGrpcReceiver({ endpoint: '127.0.0.1:0', consumer: new RecordingConsumer(), registry: new Registry() });
  assert.throws(() => receiver.port, /only after start/);
  await receiver.close();
  assert.equal(receiver.close(), receiver.close());
});
