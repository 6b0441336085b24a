// The HTTP/JSON gateway: POST /v1/trace and /v1/metrics on the gRPC port (or
// its own), with the statuses OTLP/HTTP uses, gzip, limits, CORS for browser
// apps, and the port sharing that routes each connection by its first bytes.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import {
  OC_TRACE_EXPORT_PATH,
  encodeMetricsRequestJson,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
} from '../../../../lib/protocol/opencensus/index.js';
import { NODE_RULE } from '../../../../lib/receiver/opencensus/index.js';
import { client, metricsRequest, ocGauge, ocNode, ocSpan, RawStream, serviceOf, spanNames, startReceiver, traceRequest } from './helpers.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/v1/trace', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const traceJson = (service = 'web') => encodeTraceRequestJson(traceRequest({ node: ocNode(service), spans: [ocSpan('GET /'), ocSpan('render')] }));

test('a JSON trace request reaches the consumer and is answered 200 {}', async (t) => {
  const { receiver, consumer, total } = await startReceiver(t);
  const r = await request(receiver.port, { headers: JSON_HEADERS, body: traceJson('browser-app') });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, '{}');
  assert.match(String(r.headers['content-type']), /application\/json/);
  assert.deepEqual(spanNames(consumer), [['GET /', 'render']]);
  assert.equal(serviceOf(consumer, 0), 'browser-app');
  assert.equal(consumer.traces[0]!.ctx.protocol, 'opencensus/http');
  assert.equal(total('sent', { signal: 'traces' }), 2);
});

test('a JSON metrics request reaches the consumer', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const body = encodeMetricsRequestJson(metricsRequest({ node: ocNode('svc'), metrics: [ocGauge('temperature', 21.5)] }));
  const r = await request(receiver.port, { path: '/v1/metrics', headers: JSON_HEADERS, body });
  assert.equal(r.status, 200, r.body);
  assert.equal(consumer.metrics.length, 1);
  assert.equal(consumer.metrics[0]!.metrics.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.name, 'temperature');
});

test('a request without a Node is 400 quoting the rule, since each request is a stream of one message', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const r = await request(receiver.port, { headers: JSON_HEADERS, body: encodeTraceRequestJson(traceRequest({ spans: [ocSpan('x')] })) });
  assert.equal(r.status, 400);
  const status = JSON.parse(r.body) as { code: number; message: string };
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.ok(status.message.includes(NODE_RULE), status.message);
  assert.equal(consumer.traces.length, 0);
});

test('malformed JSON is 400 saying what is wrong and where', async (t) => {
  const { receiver, malformed } = await startReceiver(t);
  const truncated = await request(receiver.port, { headers: JSON_HEADERS, body: '{"node":' });
  assert.equal(truncated.status, 400);
  assert.match((JSON.parse(truncated.body) as { message: string }).message, /^malformed OpenCensus\/JSON traces message: .*JSON/);
  const wrongType = await request(receiver.port, { headers: JSON_HEADERS, body: '{"node": {"serviceInfo": {"name": 5}}}' });
  assert.equal(wrongType.status, 400);
  assert.match((JSON.parse(wrongType.body) as { message: string }).message, /node\.serviceInfo\.name/);
  assert.equal(malformed(), 2);
});

test('gzip and deflate bodies are accepted', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const r = await request(receiver.port, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: gzipSync(traceJson()) });
  assert.equal(r.status, 200, r.body);
  const d = await request(receiver.port, { headers: { ...JSON_HEADERS, 'content-encoding': 'deflate' }, body: deflateSync(traceJson()) });
  assert.equal(d.status, 200, d.body);
  assert.equal(consumer.traces.length, 2);
});

test('bodies past the limit are 413, other content types and encodings 415', async (t) => {
  const { receiver } = await startReceiver(t, { maxRecvMsgBytes: 1024 });
  const big = await request(receiver.port, { headers: JSON_HEADERS, body: 'x'.repeat(4096) });
  assert.equal(big.status, 413);
  const bomb = await request(receiver.port, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: gzipSync(' '.repeat(100_000)) });
  assert.equal(bomb.status, 413, 'the decompressed size counts too');
  const proto = await request(receiver.port, { headers: { 'content-type': 'application/x-protobuf' }, body: 'x' });
  assert.equal(proto.status, 415);
  assert.match(proto.body, /application\/json/);
  const brotli = await request(receiver.port, { headers: { ...JSON_HEADERS, 'content-encoding': 'br' }, body: 'x' });
  assert.equal(brotli.status, 415);
});

test('retryable refusals are 503, or 429 when out of room, with Retry-After', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  consumer.outcome = { status: 'retryable', reason: 'kafka_down', retryAfterMs: 2_200 };
  const unavailable = await request(receiver.port, { headers: JSON_HEADERS, body: traceJson() });
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.headers['retry-after'], '3');
  consumer.outcome = { status: 'retryable', reason: 'bus_full', retryAfterMs: 500, exhausted: true };
  const full = await request(receiver.port, { headers: JSON_HEADERS, body: traceJson() });
  assert.equal(full.status, 429);
  assert.equal(full.headers['retry-after'], '1');
});

test('unknown paths are 404, other methods 405', async (t) => {
  const { receiver } = await startReceiver(t);
  assert.equal((await request(receiver.port, { path: '/v1/traces', headers: JSON_HEADERS, body: '{}' })).status, 404);
  const get = await request(receiver.port, { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST, OPTIONS');
});

test('CORS: a preflight from an allowed origin (exact or wildcard) gets 204 with the CORS headers; others 403', async (t) => {
  const { receiver } = await startReceiver(t, {
    corsAllowedOrigins: ['https://app.example.com', 'https://*.example.org'],
    corsAllowedHeaders: ['X-Tenant'],
  });
  const preflight = (origin: string) =>
    request(receiver.port, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-tenant' },
    });
  for (const origin of ['https://app.example.com', 'https://shop.eu.example.org']) {
    const r = await preflight(origin);
    assert.equal(r.status, 204, origin);
    assert.equal(r.headers['access-control-allow-origin'], origin);
    assert.match(String(r.headers['access-control-allow-methods']), /POST/);
    assert.match(String(r.headers['access-control-allow-headers']), /content-type/);
    assert.match(String(r.headers['access-control-allow-headers']), /x-tenant/);
    assert.ok(Number(r.headers['access-control-max-age']) > 0);
  }
  for (const origin of ['https://evil.example.com', 'https://example.org', 'http://app.example.com']) {
    const r = await preflight(origin);
    assert.equal(r.status, 403, origin);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  }
  const allowed = await request(receiver.port, { headers: { ...JSON_HEADERS, origin: 'https://app.example.com' }, body: traceJson() });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(allowed.headers.vary, 'Origin');
  const other = await request(receiver.port, { headers: { ...JSON_HEADERS, origin: 'https://evil.example.com' }, body: traceJson() });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('gRPC and the gateway share one port', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('grpc-app'), spans: [ocSpan('over gRPC')] })));
  await stream.responsesAtLeast(1);
  const r = await request(receiver.port, { headers: JSON_HEADERS, body: traceJson('http-app') });
  assert.equal(r.status, 200);
  stream.send(encodeTraceRequestProto(traceRequest({ spans: [ocSpan('again over gRPC')] })));
  await stream.responsesAtLeast(2);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
  assert.deepEqual(consumer.traces.map((_, i) => serviceOf(consumer, i)).sort(), ['grpc-app', 'grpc-app', 'http-app']);
});

test('with gatewayEndpoint the gateway has its own port and the gRPC port serves gRPC only', async (t) => {
  const { receiver } = await startReceiver(t, { gatewayEndpoint: '127.0.0.1:0' });
  assert.notEqual(receiver.gatewayPort, receiver.port);
  assert.equal((await request(receiver.gatewayPort, { headers: JSON_HEADERS, body: traceJson() })).status, 200);
  await assert.rejects(request(receiver.port, { headers: JSON_HEADERS, body: traceJson() }));
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('a') })));
  await stream.responsesAtLeast(1);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

/** Resolves with how long the server kept a raw connection open after `send` was written. */
function heldOpenMs(port: number, send: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      if (send) socket.write(send);
      const started = Date.now();
      socket.on('close', () => resolve(Date.now() - started));
    });
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.setTimeout(10_000, () => reject(new Error('the server kept the connection open')));
  });
}

test('connections that say nothing, or stall in the middle of the first bytes or headers, are closed', async (t) => {
  const { receiver } = await startReceiver(t, { firstBytesTimeoutMs: 300, headersTimeoutMs: 500 });
  const silent = await heldOpenMs(receiver.port, '');
  assert.ok(silent >= 250 && silent < 3_000, `silent: ${silent} ms`);
  const halfPreface = await heldOpenMs(receiver.port, 'PRI * HTTP/2.0\r\n');
  assert.ok(halfPreface >= 250 && halfPreface < 3_000, `half a preface: ${halfPreface} ms`);
  const slowHeaders = await heldOpenMs(receiver.port, 'POST /v1/trace HTTP/1.1\r\nHost: x\r\n');
  assert.ok(slowHeaders >= 400 && slowHeaders < 4_000, `slow headers: ${slowHeaders} ms`);
  // A connection that closes before sending anything is simply forgotten.
  await new Promise<void>((resolve) => net.connect(receiver.port, '127.0.0.1', function (this: net.Socket) { this.end(); resolve(); }));
  assert.equal((await request(receiver.port, { headers: JSON_HEADERS, body: traceJson() })).status, 200);
});

test('close() lets a gateway request in flight finish', async (t) => {
  const { receiver, consumer } = await startReceiver(t);
  const port = receiver.port;
  consumer.hold = true;
  const pending = request(port, { headers: JSON_HEADERS, body: traceJson() });
  await consumer.held(1);
  const closed = receiver.close();
  consumer.release();
  const r = await pending;
  assert.equal(r.status, 200);
  assert.equal(r.headers.connection, 'close');
  await closed;
  await assert.rejects(request(port, { headers: JSON_HEADERS, body: traceJson() }), /ECONNREFUSED/);
});
