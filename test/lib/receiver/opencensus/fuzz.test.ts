// Property tests: whatever arrives, on gRPC, on the gateway or as raw bytes on
// the shared port, the client gets an error status or a success, never a hang,
// and the receiver keeps serving. Runs are bounded in number and time.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import {
  OC_METRICS_EXPORT_PATH,
  OC_TRACE_CONFIG_PATH,
  OC_TRACE_EXPORT_PATH,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
} from '../../../../lib/protocol/opencensus/index.js';
import { client, ocNode, ocSpan, RawStream, startReceiver, traceRequest } from './helpers.js';

const RUNS = { numRuns: 60, interruptAfterTimeLimit: 20_000 };
const FIRST = encodeTraceRequestProto(traceRequest({ node: ocNode('fuzz') }));

function post(port: number, path: string, body: Buffer, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': contentType }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

/** Valid JSON requests with parts replaced by random values, so that decoding gets past the first field. */
const mutatedJsonArb = fc
  .tuple(fc.constantFrom('node', 'spans', 'resource', 'spans.0', 'spans.0.traceId', 'spans.0.name', 'node.identifier'), fc.jsonValue())
  .map(([path, value]) => {
    const base = JSON.parse(encodeTraceRequestJson(traceRequest({ node: ocNode('fuzz'), spans: [ocSpan('s')] }))) as Record<string, unknown>;
    const keys = path.split('.');
    let cur: Record<string, unknown> = base;
    for (const k of keys.slice(0, -1)) cur = (cur[k] ?? (cur[k] = {})) as Record<string, unknown>;
    cur[keys.at(-1)!] = value;
    return Buffer.from(JSON.stringify(base));
  });

test('random bytes on the gRPC streams end in OK or INVALID_ARGUMENT, and the receiver keeps serving', async (t) => {
  const { receiver } = await startReceiver(t);
  const c = client(t, receiver.port);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(OC_TRACE_EXPORT_PATH, OC_METRICS_EXPORT_PATH, OC_TRACE_CONFIG_PATH),
      fc.boolean(),
      fc.uint8Array({ maxLength: 300 }),
      async (path, afterValidFirst, bytes) => {
        const stream = new RawStream(c, path);
        if (afterValidFirst && path === OC_TRACE_EXPORT_PATH) stream.send(FIRST);
        stream.send(bytes);
        stream.end();
        const status = await stream.status;
        assert.ok([grpc.status.OK, grpc.status.INVALID_ARGUMENT].includes(status.code), `${status.code} ${status.details}`);
      },
    ),
    RUNS,
  );
  const stream = new RawStream(c, OC_TRACE_EXPORT_PATH);
  stream.send(FIRST);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

test('random and mutated JSON on the gateway is answered 200 or 400, and the receiver keeps serving', async (t) => {
  const { receiver } = await startReceiver(t);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/v1/trace', '/v1/metrics'),
      fc.oneof(
        mutatedJsonArb,
        fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      ),
      async (path, body) => {
        const status = await post(receiver.port, path, body);
        assert.ok(status === 200 || status === 400, `got ${status}`);
      },
    ),
    RUNS,
  );
  assert.equal(await post(receiver.port, '/v1/trace', Buffer.from(encodeTraceRequestJson(traceRequest({ node: ocNode('ok') })))), 200);
});

// With the HTTP/2 preface first, garbage goes to the HTTP/2 server, which
// answers a protocol error with GOAWAY but (Node's http2, whether grpc-js
// listens or we inject) leaves the socket to gRPC keepalive to close: there
// the property is only that the receiver goes on serving.
test('random bytes on the shared port are turned away, and the receiver keeps serving', async (t) => {
  const { receiver } = await startReceiver(t, { firstBytesTimeoutMs: 500, headersTimeoutMs: 500 });
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.boolean(), async (bytes, preface) => {
      const data = preface ? Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), bytes]) : Buffer.from(bytes);
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(receiver.port, '127.0.0.1', () => socket.end(data));
        socket.on('data', () => undefined);
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        if (preface) setTimeout(() => socket.destroy(), 200);
        // Otherwise the server ends the conversation within its timeouts
        // (0.5 s here); the margin is for a loaded machine.
        else {
          socket.setTimeout(15_000, () => {
            socket.destroy();
            reject(new Error(`the receiver kept a garbage connection open: ${data.toString('hex')}`));
          });
        }
      });
    }),
    { numRuns: 40, interruptAfterTimeLimit: 20_000 },
  );
  assert.equal(await post(receiver.port, '/v1/trace', Buffer.from(encodeTraceRequestJson(traceRequest({ node: ocNode('ok') })))), 200);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  stream.send(FIRST);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});
