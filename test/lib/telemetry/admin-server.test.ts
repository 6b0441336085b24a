import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { AdminServer, text, type Routes } from '../../../lib/telemetry/admin-server.js';

async function startServer(t: TestContext, routes: Routes): Promise<AdminServer> {
  const server = new AdminServer({ name: 'test', endpoint: '127.0.0.1:0', routes });
  t.after(() => server.close());
  await server.start();
  return server;
}

void test('the endpoint may be host:port, :port or a bare port; the host defaults to loopback', async (t) => {
  for (const [endpoint, host] of [
    ['0', '127.0.0.1'],
    [':0', '127.0.0.1'],
    ['127.0.0.1:0', '127.0.0.1'],
    ['localhost:0', 'localhost'],
  ] as const) {
    const server = new AdminServer({ name: 'test', endpoint, routes: {} });
    t.after(() => server.close());
    await server.start();
    assert.match(server.url, new RegExp(`^http://${host.replaceAll('.', '\\.')}:[1-9]\\d*$`), endpoint);
  }
  for (const bad of ['', 'host', 'host:', 'host:99999', '::1:80', 'a:b:1']) {
    assert.throws(() => new AdminServer({ name: 'test', endpoint: bad, routes: {} }), { code: 'INVALID_ENDPOINT' }, bad);
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
