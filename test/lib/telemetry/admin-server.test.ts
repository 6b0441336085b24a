import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { AdminServer, parseEndpoint, text, type Routes } from '../../../lib/telemetry/admin-server.js';

async function startServer(t: TestContext, routes: Routes): Promise<AdminServer> {
  const server = new AdminServer({ name: 'test', endpoint: '127.0.0.1:0', routes });
  t.after(() => server.close());
  await server.start();
  return server;
}

void test('parseEndpoint accepts host:port, :port, port and [ipv6]:port', () => {
  assert.deepEqual(parseEndpoint('0.0.0.0:13133'), { host: '0.0.0.0', port: 13133 });
  assert.deepEqual(parseEndpoint(':8888'), { host: '127.0.0.1', port: 8888 });
  assert.deepEqual(parseEndpoint('55679'), { host: '127.0.0.1', port: 55679 });
  assert.deepEqual(parseEndpoint('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseEndpoint('localhost:1'), { host: 'localhost', port: 1 });
  for (const bad of ['', 'host', 'host:', 'host:99999', '::1:80', 'a:b:1']) {
    assert.throws(() => parseEndpoint(bad), { code: 'INVALID_ENDPOINT' }, bad);
  }
});

void test('serves routes, 404 for unknown paths, 405 for other methods, ignores the query', async (t) => {
  const server = await startServer(t, { '/hello': () => text(200, 'hi\n') });
  const ok = await fetch(`${server.url}/hello?x=1`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'hi\n');
  assert.equal(ok.headers.get('cache-control'), 'no-store');

  const missing = await fetch(`${server.url}/nope`);
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();

  const post = await fetch(`${server.url}/hello`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.arrayBuffer();

  const head = await fetch(`${server.url}/hello`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '3');
});

void test('a throwing route answers 500 and the server keeps serving', async (t) => {
  const server = await startServer(t, {
    '/boom': () => {
      throw new Error('bad state');
    },
    '/ok': () => text(200, 'ok'),
  });
  const boom = await fetch(`${server.url}/boom`);
  assert.equal(boom.status, 500);
  assert.match(await boom.text(), /bad state/);
  assert.equal((await fetch(`${server.url}/ok`)).status, 200);
});

void test('close is safe without start and twice, and returns the same promise', async () => {
  const never = new AdminServer({ name: 'n', endpoint: ':0', routes: {} });
  await never.close();
  await never.close();

  const server = new AdminServer({ name: 's', endpoint: '127.0.0.1:0', routes: { '/': () => text(200, 'x') } });
  await server.start();
  // A keep-alive connection (what scrapers hold) must not stall close().
  assert.equal((await fetch(server.url)).status, 200);
  const url = server.url;
  const first = server.close();
  assert.equal(server.close(), first);
  await first;
  await assert.rejects(fetch(url));
  await assert.rejects(server.start(), { code: 'CLOSED' });
});

void test('a port in use fails start with LISTEN_FAILED', async (t) => {
  const taken = await startServer(t, {});
  const second = new AdminServer({ name: 'dup', endpoint: `127.0.0.1:${taken.port}`, routes: {} });
  t.after(() => second.close());
  await assert.rejects(second.start(), { code: 'LISTEN_FAILED' });
});
