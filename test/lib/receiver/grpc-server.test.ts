import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GrpcServer, type UnaryBytesHandler, unaryService } from '../../../lib/receiver/grpc-server.js';
import { grpcClient, unaryCall } from './grpc-client.js';

const ECHO = '/test.Echo/Echo';

async function started(t: TestContext, handlers: Record<string, UnaryBytesHandler>, maxRecvMsgBytes?: number): Promise<GrpcServer> {
  const server = new GrpcServer({
    name: 'grpc-test',
    endpoint: '127.0.0.1:0',
    maxRecvMsgBytes,
    closeTimeoutMs: 2_000,
    services: [unaryService(handlers)],
  });
  await server.start();
  t.after(() => server.close());
  return server;
}

const echo: UnaryBytesHandler = async (request) => ({ ok: true, response: Buffer.concat([Buffer.from('echo:'), request]) });

test('a unary bytes method gets the raw request and returns raw bytes', async (t) => {
  const server = await started(t, { [ECHO]: echo });
  assert.ok(server.port > 0);
  const r = await unaryCall(grpcClient(t, server.port), ECHO, Buffer.from([0, 1, 2, 255]));
  assert.deepEqual(r.response, Buffer.from([...Buffer.from('echo:'), 0, 1, 2, 255]));
});

test('a gzip-compressed request is inflated before the handler sees it', async (t) => {
  const server = await started(t, { [ECHO]: echo });
  const client = grpcClient(t, server.port, { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
  const body = Buffer.from('abc'.repeat(10_000));
  const r = await unaryCall(client, ECHO, body);
  assert.deepEqual(r.response, Buffer.concat([Buffer.from('echo:'), body]));
});

test('a compressed request that inflates past the limit is RESOURCE_EXHAUSTED', async (t) => {
  const server = await started(t, { [ECHO]: echo }, 64 * 1024);
  const client = grpcClient(t, server.port, { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
  // Compresses to a few KiB, well under the limit; inflates to 1 MiB.
  const r = await unaryCall(client, ECHO, Buffer.alloc(1024 * 1024));
  assert.equal(r.error?.code, grpc.status.RESOURCE_EXHAUSTED);
  // The same connection still serves.
  assert.ok((await unaryCall(client, ECHO, Buffer.from('x'))).response);
});

test('an error reply carries its code, details and trailing metadata', async (t) => {
  const server = await started(t, {
    [ECHO]: async () => {
      const metadata = new grpc.Metadata();
      metadata.set('x-why', 'because');
      return { ok: false, code: grpc.status.UNAVAILABLE, details: 'not now', metadata };
    },
  });
  const r = await unaryCall(grpcClient(t, server.port), ECHO, Buffer.from('x'));
  assert.equal(r.error?.code, grpc.status.UNAVAILABLE);
  assert.equal(r.error?.details, 'not now');
  assert.deepEqual(r.error?.metadata.get('x-why'), ['because']);
});

test('a handler that throws is INTERNAL, not a hung call', async (t) => {
  const server = await started(t, { [ECHO]: () => Promise.reject(new Error('bug')) });
  const r = await unaryCall(grpcClient(t, server.port), ECHO, Buffer.from('x'));
  assert.equal(r.error?.code, grpc.status.INTERNAL);
});

test('an unknown method is UNIMPLEMENTED', async (t) => {
  const server = await started(t, { [ECHO]: echo });
  const r = await unaryCall(grpcClient(t, server.port), '/test.Echo/Nope', Buffer.from('x'));
  assert.equal(r.error?.code, grpc.status.UNIMPLEMENTED);
});

test('close() lets a call in flight finish, and is safe twice', async (t) => {
  let arrived!: () => void;
  const inFlight = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = await started(t, {
    [ECHO]: async (request) => {
      arrived();
      await released;
      return { ok: true, response: request };
    },
  });
  const call = unaryCall(grpcClient(t, server.port), ECHO, Buffer.from('late'));
  await inFlight;
  const closing = server.close();
  assert.equal(server.close(), closing);
  release();
  assert.deepEqual((await call).response, Buffer.from('late'));
  await closing;
});

test('close() without start() resolves', async () => {
  const server = new GrpcServer({ name: 'never', endpoint: '127.0.0.1:0', services: [] });
  await server.close();
  await server.close();
});
