// OtlpHttpBackend against a real HTTP server (the OTLP sink), in both
// encodings: what arrives, and how each status maps to ok / retryable / rejected.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { OtlpHttpBackend, type OtlpHttpOptions } from '../../../lib/backend/otlp-http.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';
import { unusedPort } from './unused-port.js';

const live = () => new AbortController().signal;

function backend(t: TestContext, options: OtlpHttpOptions): OtlpHttpBackend {
  const b = new OtlpHttpBackend({ timeoutMs: 5_000, ...options });
  t.after(() => b.close());
  return b;
}

for (const encoding of ['proto', 'json'] as const) {
  test(`${encoding}: traces and metrics arrive with the content sent, gzip-compressed, with the configured headers`, async (t) => {
    const sink = await OtlpSink.start(t);
    const b = backend(t, { endpoint: sink.httpEndpoint, encoding, headers: { Authorization: 'Bearer abc' } });
    await b.start();
    assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
    assert.deepEqual(await b.exportMetrics(sampleMetrics(), live()), { status: 'ok' });
    assert.deepEqual(
      sink.requests.map((r) => [r.path, r.encoding, r.compression, r.headers.authorization]),
      [
        ['/v1/traces', encoding, 'gzip', 'Bearer abc'],
        ['/v1/metrics', encoding, 'gzip', 'Bearer abc'],
      ],
    );
    assert.deepEqual(sink.traces(), [sampleTraces()]);
    assert.deepEqual(sink.metrics(), [sampleMetrics()]);
  });

  test(`${encoding}: a partial success is ok and reports the rejected items`, async (t) => {
    const sink = await OtlpSink.start(t);
    const b = backend(t, { endpoint: sink.httpEndpoint, encoding });
    sink.partialSuccessNext(1, 3, 'bad points');
    assert.deepEqual(await b.exportMetrics(sampleMetrics(), live()), { status: 'ok', rejectedItems: 3, message: 'bad points' });
  });
}

test('compression none sends the body as it is', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.httpEndpoint, compression: 'none' });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.equal(sink.requests[0]?.compression, 'identity');
  assert.deepEqual(sink.traces(), [sampleTraces()]);
});

test('tracesUrl and metricsUrl are used as they are; an endpoint path is kept as a prefix', async (t) => {
  const sink = await OtlpSink.start(t);
  const explicit = backend(t, { tracesUrl: `${sink.httpEndpoint}/v1/traces`, metricsUrl: `${sink.httpEndpoint}/v1/metrics` });
  assert.deepEqual(await explicit.exportTraces(sampleTraces(), live()), { status: 'ok' });
  const prefixed = backend(t, { endpoint: `${sink.httpEndpoint}/otlp` });
  const result = await prefixed.exportTraces(sampleTraces(), live());
  assert.deepEqual(result, { status: 'rejected', reason: 'HTTP 404' }, 'the sink serves no /otlp/v1/traces');
  assert.equal(sink.requests.length, 1);
});

test('503 with Retry-After is retryable after that delay; 429, 502 and 504 are retryable', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.httpEndpoint });
  sink.failNext(1, { httpStatus: 503, retryAfterMs: 2_000, message: 'busy' });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'retryable', reason: 'HTTP 503: busy', retryAfterMs: 2_000 });
  for (const httpStatus of [429, 502, 504]) {
    sink.failNext(1, { httpStatus });
    assert.equal((await b.exportTraces(sampleTraces(), live())).status, 'retryable', `HTTP ${httpStatus}`);
  }
});

test('400 is rejected with the server message; other 4xx and plain 5xx are rejected (the spec retries only 429/502/503/504)', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.httpEndpoint, encoding: 'json' });
  sink.failNext(1, { httpStatus: 400, message: 'bad trace id' });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'rejected', reason: 'HTTP 400: bad trace id' });
  for (const httpStatus of [401, 403, 413, 500, 501]) {
    sink.failNext(1, { httpStatus });
    assert.equal((await b.exportTraces(sampleTraces(), live())).status, 'rejected', `HTTP ${httpStatus}`);
  }
});

test('an unreachable endpoint is retryable', async (t) => {
  const b = backend(t, { endpoint: `http://127.0.0.1:${await unusedPort()}` });
  const result = await b.exportTraces(sampleTraces(), live());
  assert.equal(result.status, 'retryable');
  assert.match(result.status === 'retryable' ? result.reason : '', /ECONNREFUSED/);
});

test('a request that outlives timeoutMs is retryable', { timeout: 10_000 }, async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.httpEndpoint, timeoutMs: 200 });
  sink.hangNext(1);
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'retryable', reason: 'timed out after 200 ms' });
});

test('aborting the signal ends a request in flight with "aborted"', { timeout: 10_000 }, async (t) => {
  const sink = await OtlpSink.start(t);
  const b = backend(t, { endpoint: sink.httpEndpoint, timeoutMs: 60_000 });
  sink.hangNext(1);
  const controller = new AbortController();
  const pending = b.exportMetrics(sampleMetrics(), controller.signal);
  await sink.waitForRequests(1);
  controller.abort();
  assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
});

test('connections are kept alive between exports', async (t) => {
  // A plain server that counts connections tells reuse apart from reconnects.
  const server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const counted = backend(t, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  for (let i = 0; i < 3; i++) assert.deepEqual(await counted.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.equal(connections, 1);
});

test('close is safe twice and an export after close throws', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = new OtlpHttpBackend({ endpoint: sink.httpEndpoint });
  await b.exportTraces(sampleTraces(), live());
  const first = b.close();
  assert.equal(b.close(), first);
  await first;
  await assert.rejects(b.exportTraces(sampleTraces(), live()), { code: 'BACKEND_CLOSED' });
});
