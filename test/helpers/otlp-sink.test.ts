// The OTLP sink itself: the answers it gives to requests no backend here sends
// (malformed bodies, wrong paths or content types), and its clean-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OtlpSink } from './otlp-sink.js';

async function post(url: string, contentType: string, body: string | Uint8Array) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, text: await res.text() };
}

test('HTTP: a malformed body gets 400 and is recorded with its decode error, without using up a planned answer', async (t) => {
  const sink = await OtlpSink.start(t);
  sink.failNext(1, { httpStatus: 503 });
  const bad = await post(`${sink.httpEndpoint}/v1/traces`, 'application/json', '{"resourceSpans": 7}');
  assert.equal(bad.status, 400);
  assert.equal(sink.requests.length, 1);
  assert.equal(sink.requests[0]?.answer.kind, 'failed');
  assert.ok(sink.requests[0]?.decodeError);
  assert.equal((await post(`${sink.httpEndpoint}/v1/traces`, 'application/json', '{}')).status, 503);
  assert.equal((await post(`${sink.httpEndpoint}/v1/traces`, 'application/json', '{}')).status, 200);
  assert.deepEqual(sink.traces(), [{ resourceSpans: [] }]);
});

test('HTTP: unknown paths get 404, other methods 405, other content types 415, none recorded', async (t) => {
  const sink = await OtlpSink.start(t);
  assert.equal((await post(`${sink.httpEndpoint}/v1/logs`, 'application/json', '{}')).status, 404);
  assert.equal((await fetch(`${sink.httpEndpoint}/v1/traces`)).status, 405);
  assert.equal((await post(`${sink.httpEndpoint}/v1/metrics`, 'text/plain', '{}')).status, 415);
  assert.equal(sink.requests.length, 0);
});

test('gRPC: a malformed body gets INVALID_ARGUMENT', async (t) => {
  const sink = await OtlpSink.start(t);
  const client = new grpc.Client(sink.grpcEndpoint, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const err = await new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from([0x0a, 0x05, 0x01]),
      (e) => resolve(e),
    ),
  );
  assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(sink.requests[0]?.transport, 'grpc');
  assert.ok(sink.requests[0]?.decodeError);
});

test('close cuts hung calls and is safe twice', { timeout: 10_000 }, async () => {
  const sink = await OtlpSink.start();
  sink.hangNext(1);
  const hung = fetch(`${sink.httpEndpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await sink.waitForRequests(1);
  const closing = sink.close();
  assert.equal(sink.close(), closing);
  await closing;
  await assert.rejects(hung);
});
