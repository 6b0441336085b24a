import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { HttpServer, type HttpRoute, send } from '../../../lib/receiver/http-server.js';

async function started(t: TestContext, routes: HttpRoute[], onError?: (err: unknown) => void): Promise<HttpServer> {
  const server = new HttpServer({ name: 'http-test', endpoint: '127.0.0.1:0', routes, closeTimeoutMs: 2_000, onError });
  await server.start();
  t.after(() => server.close());
  return server;
}

const hello: HttpRoute = {
  path: '/hello',
  methods: ['POST', 'PUT'],
  handle: async (_req, res) => send(res, 200, 'text/plain', 'hi'),
};

const url = (server: HttpServer, path: string) => `http://127.0.0.1:${server.port}${path}`;
const timeout = () => AbortSignal.timeout(10_000);

test('a route answers on its exact path, query string ignored', async (t) => {
  const server = await started(t, [hello]);
  const res = await fetch(url(server, '/hello?x=1'), { method: 'POST', signal: timeout() });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hi');
});

test('an unknown path is 404', async (t) => {
  const server = await started(t, [hello]);
  for (const path of ['/', '/hello/', '/helloo']) {
    const res = await fetch(url(server, path), { method: 'POST', signal: timeout() });
    assert.equal(res.status, 404, path);
    await res.arrayBuffer();
  }
});

test('a wrong method is 405 with Allow listing the methods', async (t) => {
  const server = await started(t, [hello]);
  const res = await fetch(url(server, '/hello'), { signal: timeout() });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST, PUT');
  await res.arrayBuffer();
});

test('a handler that throws gets a 500, is reported, and the server keeps serving', async (t) => {
  const errors: unknown[] = [];
  const boom: HttpRoute = { path: '/boom', methods: ['GET'], handle: () => Promise.reject(new Error('bug')) };
  const server = await started(t, [hello, boom], (err) => errors.push(err));
  const res = await fetch(url(server, '/boom'), { signal: timeout() });
  assert.equal(res.status, 500);
  await res.arrayBuffer();
  assert.equal((errors[0] as Error).message, 'bug');
  assert.equal((await fetch(url(server, '/hello'), { method: 'POST', signal: timeout() })).status, 200);
});

test('close() lets a request in flight finish, and is safe twice', async (t) => {
  let arrived!: () => void;
  const inFlight = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const slow: HttpRoute = {
    path: '/slow',
    methods: ['GET'],
    handle: async (_req, res) => {
      arrived();
      await released;
      send(res, 200, 'text/plain', 'done');
    },
  };
  const server = await started(t, [slow]);
  const response = fetch(url(server, '/slow'), { signal: timeout() });
  await inFlight;
  const closing = server.close();
  assert.equal(server.close(), closing);
  release();
  const res = await response;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'done');
  await closing;
});

test('close() without start() resolves', async () => {
  const server = new HttpServer({ name: 'never-started', endpoint: '127.0.0.1:0', routes: [] });
  await server.close();
  await server.close();
});

test('start() on a taken port fails with the endpoint in the message', async (t) => {
  const first = await started(t, []);
  const second = new HttpServer({ name: 'second', endpoint: `127.0.0.1:${first.port}`, routes: [] });
  await assert.rejects(second.start(), /second: cannot listen on 127\.0\.0\.1:\d+/);
  await second.close();
});
