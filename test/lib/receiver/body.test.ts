// readBody against a real server and real uploads: the limit holds on the
// declared length, on the bytes received and on the inflated size.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { type TestContext, test } from 'node:test';
import * as zlib from 'node:zlib';
import { contentEncoding, readBody } from '../../../lib/receiver/body.js';
import { HttpServer, send } from '../../../lib/receiver/http-server.js';

const MAX_BYTES = 64 * 1024;

async function bodyServer(t: TestContext, maxBytes = MAX_BYTES): Promise<number> {
  const server = new HttpServer({
    name: 'body-test',
    endpoint: '127.0.0.1:0',
    routes: [
      {
        path: '/',
        methods: ['POST'],
        handle: async (req, res) => {
          const r = await readBody(req, { maxBytes });
          if (r.ok) send(res, 200, 'application/octet-stream', r.body);
          else if (r.status !== 'aborted') send(res, r.status, 'text/plain', r.message, { connection: 'close' });
        },
      },
    ],
  });
  await server.start();
  t.after(() => server.close());
  return server.port;
}

async function post(port: number, body: Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** An upload without Content-Length (chunked), so that only the streaming check can stop it. */
function postChunked(port: number, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('identity, gzip, zlib deflate and raw deflate bodies arrive as sent', async (t) => {
  const port = await bodyServer(t);
  const payload = Buffer.from('hello '.repeat(1000));
  assert.deepEqual(await post(port, payload), { status: 200, body: payload });
  assert.deepEqual(await post(port, zlib.gzipSync(payload), { 'content-encoding': 'gzip' }), { status: 200, body: payload });
  assert.deepEqual(await post(port, zlib.deflateSync(payload), { 'content-encoding': 'deflate' }), { status: 200, body: payload });
  assert.deepEqual(await post(port, zlib.deflateRawSync(payload), { 'content-encoding': 'Deflate' }), { status: 200, body: payload });
  assert.deepEqual(await post(port, payload, { 'content-encoding': 'identity' }), { status: 200, body: payload });
});

test('an empty body is empty whatever its encoding', async (t) => {
  const port = await bodyServer(t);
  assert.deepEqual(await post(port, new Uint8Array(0), { 'content-encoding': 'gzip' }), { status: 200, body: Buffer.alloc(0) });
});

test('an unknown or stacked Content-Encoding is 415', async (t) => {
  const port = await bodyServer(t);
  for (const enc of ['br', 'zstd', 'gzip, gzip']) {
    const r = await post(port, Buffer.from('x'), { 'content-encoding': enc });
    assert.equal(r.status, 415, enc);
    assert.match(r.body.toString(), /unsupported Content-Encoding/);
  }
});

test('a declared Content-Length over the limit is 413 before reading', async (t) => {
  const port = await bodyServer(t);
  const r = await post(port, Buffer.alloc(MAX_BYTES + 1));
  assert.equal(r.status, 413);
  assert.match(r.body.toString(), /Content-Length 65537 exceeds the limit of 65536 bytes/);
});

test('a chunked upload is cut off at the limit with 413', async (t) => {
  const port = await bodyServer(t);
  const r = await postChunked(port, Array.from({ length: 40 }, () => Buffer.alloc(4096, 1)));
  assert.equal(r.status, 413);
  assert.match(r.body, /more than 65536 bytes received/);
  // Exactly at the limit is fine.
  assert.equal((await postChunked(port, Array.from({ length: 16 }, () => Buffer.alloc(4096, 1)))).status, 200);
});

test('a gzip bomb is stopped at the limit with 413', async (t) => {
  const port = await bodyServer(t);
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  assert.ok(bomb.length < MAX_BYTES, 'the bomb itself fits the limit');
  const r = await post(port, bomb, { 'content-encoding': 'gzip' });
  assert.equal(r.status, 413);
  assert.match(r.body.toString(), /decompressed to more than 65536 bytes/);
});

test('past 1 MiB a body may inflate at most 100 times its compressed size: a bomb under the size limit is refused early', async (t) => {
  const port = await bodyServer(t, 64 * 1024 * 1024);
  const bomb = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: 9 }); // ~32 KB, 1000× its size
  const r = await post(port, bomb, { 'content-encoding': 'gzip' });
  assert.equal(r.status, 413);
  assert.match(r.body.toString(), new RegExp(`${bomb.length} compressed bytes decompress to more than ${bomb.length * 100} \\(more than 100 times; a decompression bomb\\?\\)`));
  // Telemetry-like data (~10× here) inflating past 1 MiB is fine.
  const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `{"span":"${(i * 2654435761) % 4294967296}","n":${i}}`).join(','));
  const ok = await post(port, zlib.gzipSync(text), { 'content-encoding': 'gzip' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.length, text.length);
});

test('a corrupt gzip body is 400 and the server keeps serving', async (t) => {
  const port = await bodyServer(t);
  const r = await post(port, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
  assert.equal(r.status, 400);
  assert.match(r.body.toString(), /cannot decompress gzip body/);
  assert.equal((await post(port, Buffer.from('ok'))).status, 200);
});

test('contentEncoding treats identity as no coding and x-gzip as gzip', () => {
  assert.equal(contentEncoding(undefined), 'identity');
  assert.equal(contentEncoding('identity, gzip'), 'gzip');
  assert.equal(contentEncoding('X-GZIP'), 'gzip');
  assert.equal(contentEncoding('compress'), undefined);
});
