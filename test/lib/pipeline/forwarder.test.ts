// The agent's forwarding consumer against a real OTLP/gRPC server: the client
// is answered with what the upstream said, and nothing is reported accepted
// that the upstream did not accept.
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { test } from 'node:test';
import { OtlpGrpcBackend } from '../../../lib/backend/otlp-grpc.js';
import { attr, spanCount } from '../../../lib/model/index.js';
import { Forwarder } from '../../../lib/pipeline/forwarder.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';

async function setup(t: { after(fn: () => Promise<void> | void): void }, timeoutMs = 5_000) {
  const sink = await OtlpSink.start(t);
  const registry = new Registry();
  const forwarder = new Forwarder({
    backend: new OtlpGrpcBackend({ name: 'ingester', endpoint: sink.grpcEndpoint, insecure: true }),
    stats: registry.component('forward', 'forwarder'),
    timeoutMs,
  });
  await forwarder.start();
  t.after(() => forwarder.close());
  const counter = (name: string, labels: Record<string, string>) =>
    registry
      .snapshot()
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((n, s) => n + s.value, 0);
  return { sink, forwarder, counter };
}

test('forwarded spans and points arrive upstream unchanged and the client is told ok', async (t) => {
  const { sink, forwarder, counter } = await setup(t);
  const traces = sampleTraces({ traceCount: 2 });
  const metrics = sampleMetrics();
  assert.deepEqual(await forwarder.consumeTraces(traces), { status: 'ok' });
  assert.deepEqual(await forwarder.consumeMetrics(metrics), { status: 'ok' });
  assert.deepEqual(sink.traces(), [traces]);
  assert.deepEqual(sink.metrics(), [metrics]);
  const service = attr(sink.traces()[0]!.resourceSpans[0]!.resource.attributes, 'service.name');
  assert.ok(service?.kind === 'string' && service.value.length > 0);
  assert.equal(counter('ocsvc_component_sent_items_total', { component: 'forward', signal: 'traces' }), sink.spans().length);
});

test('an upstream that cannot take data now makes the client retry, with the upstream delay', async (t) => {
  const { sink, forwarder, counter } = await setup(t);
  sink.failNext(1, { grpcCode: status.UNAVAILABLE, message: 'kafka down', retryAfterMs: 7_000 });
  const traces = sampleTraces();
  const outcome = await forwarder.consumeTraces(traces);
  assert.equal(outcome.status, 'retryable');
  assert.ok(outcome.status === 'retryable' && outcome.retryAfterMs === 7_000 && /kafka down/.test(outcome.message ?? ''));
  assert.equal(counter('ocsvc_component_refused_items_total', { reason: 'upstream_unavailable' }), spanCount(traces));
  assert.deepEqual(sink.traces(), [], 'nothing accepted upstream');
});

test('data the upstream refuses for good is refused to the client, not retried', async (t) => {
  const { sink, forwarder } = await setup(t);
  sink.failNext(1, { grpcCode: status.INVALID_ARGUMENT, message: 'bad span' });
  const outcome = await forwarder.consumeTraces(sampleTraces());
  assert.equal(outcome.status, 'rejected');
  assert.match(outcome.status === 'rejected' ? outcome.reason : '', /upstream refused the data: INVALID_ARGUMENT: bad span/);
});

test('an upstream that does not answer in time makes the client retry', async (t) => {
  const { sink, forwarder } = await setup(t, 200);
  sink.hangNext(1);
  const outcome = await forwarder.consumeTraces(sampleTraces());
  assert.equal(outcome.status, 'retryable');
});

test('a partial success is ok for the client and counts what the upstream dropped', async (t) => {
  const { sink, forwarder, counter } = await setup(t);
  sink.partialSuccessNext(1, 1, 'one span too large');
  assert.deepEqual(await forwarder.consumeTraces(sampleTraces()), { status: 'ok' });
  assert.equal(counter('ocsvc_component_dropped_items_total', { reason: 'upstream_partial_success' }), 1);
});
