// OtlpGrpcBackend against a real gRPC server (the OTLP sink): what arrives,
// and how each answer maps to ok / retryable / rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { TestContext } from 'node:test';
import { OtlpGrpcBackend, type OtlpGrpcOptions } from '../../../lib/backend/otlp-grpc.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';
import { unusedPort } from './unused-port.js';

const live = () => new AbortController().signal;

function backend(t: TestContext, options: OtlpGrpcOptions): OtlpGrpcBackend {
  const b = new OtlpGrpcBackend({ timeoutMs: 5_000, ...options });
  t.after(() => b.close());
  return b;
}

test('traces arrive with the content sent, gzip-compressed, with the configured headers', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint, headers: { Authorization: 'Bearer abc', 'x-tenant': 't1' } });
  await b.start();
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.equal(sink.requests.length, 1);
  const [request] = sink.requests;
  assert.equal(request?.signal, 'traces');
  assert.equal(request?.compression, 'gzip');
  assert.equal(request?.headers.authorization, 'Bearer abc');
  assert.equal(request?.headers['x-tenant'], 't1');
  assert.deepEqual(sink.traces(), [sampleTraces()]);
});

test('metrics arrive with the content sent, uncompressed when compression is none', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint, compression: 'none' });
  assert.deepEqual(await b.exportMetrics(sampleMetrics(), live()), { status: 'ok' });
  assert.equal(sink.requests[0]?.signal, 'metrics');
  assert.equal(sink.requests[0]?.compression, 'identity');
  assert.deepEqual(sink.metrics(), [sampleMetrics()]);
});

test('UNAVAILABLE is retryable, and a RetryInfo delay becomes retryAfterMs', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint });
  sink.failNext(1, { grpcCode: status.UNAVAILABLE, message: 'overloaded' });
  sink.failNext(1, { grpcCode: status.RESOURCE_EXHAUSTED, retryAfterMs: 2_500 });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'retryable', reason: 'UNAVAILABLE: overloaded' });
  const throttled = await b.exportTraces(sampleTraces(), live());
  assert.equal(throttled.status, 'retryable');
  assert.equal(throttled.status === 'retryable' && throttled.retryAfterMs, 2_500);
});

test('INVALID_ARGUMENT and other permanent codes are rejected', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint });
  for (const code of [status.INVALID_ARGUMENT, status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.UNIMPLEMENTED]) {
    sink.failNext(1, { grpcCode: code, message: 'no' });
    const result = await b.exportMetrics(sampleMetrics(), live());
    assert.equal(result.status, 'rejected', `code ${code}`);
  }
});

test('a partial success is ok and reports the rejected items', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint });
  sink.partialSuccessNext(1, 2, 'span too large');
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok', rejectedItems: 2, message: 'span too large' });
});

test('an unreachable endpoint is retryable', async (t) => {
  const b = backend(t, { endpoint: `127.0.0.1:${await unusedPort()}` });
  const result = await b.exportTraces(sampleTraces(), live());
  assert.equal(result.status, 'retryable');
});

test('a call that outlives its deadline is retryable', { timeout: 10_000 }, async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint, timeoutMs: 200 });
  sink.hangNext(1);
  const result = await b.exportTraces(sampleTraces(), live());
  assert.equal(result.status, 'retryable');
  assert.match(result.status === 'retryable' ? result.reason : '', /DEADLINE_EXCEEDED/);
});

test('aborting the signal ends a call in flight with "aborted"', { timeout: 10_000 }, async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.grpcEndpoint, timeoutMs: 60_000 });
  sink.hangNext(1);
  const controller = new AbortController();
  const pending = b.exportTraces(sampleTraces(), controller.signal);
  await sink.waitForRequests(1);
  controller.abort();
  assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
  assert.deepEqual(await b.exportTraces(sampleTraces(), controller.signal), { status: 'retryable', reason: 'aborted' });
});

test('close is safe twice and an export after close throws', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = new OtlpGrpcBackend({ endpoint: sink.grpcEndpoint });
  await b.exportTraces(sampleTraces(), live());
  const first = b.close();
  assert.equal(b.close(), first);
  await first;
  await assert.rejects(b.exportTraces(sampleTraces(), live()), { code: 'BACKEND_CLOSED' });
});
