// ZipkinBackend against a real Zipkin API server (our own zipkin receiver, so
// that what arrives is decoded by the Zipkin codecs) and a bare HTTP stub (for
// headers, compression and each answer): what is sent, and how each answer
// maps to ok / retryable / rejected for the exporter's retries and offsets.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import zlib from 'node:zlib';
import { ZipkinBackend, type ZipkinOptions } from '../../../lib/backend/zipkin.js';
import { loadConfig, ConfigError } from '../../../lib/config/index.js';
import { decodeZipkinV2Json, decodeZipkinV2Proto, encodeZipkinV2Json } from '../../../lib/protocol/zipkin/index.js';
import { ZipkinReceiver } from '../../../lib/receiver/zipkin/index.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';
import { RecordingConsumer } from '../receiver/otlp/recording-consumer.js';
import { unusedPort } from './unused-port.js';

const live = () => new AbortController().signal;

function backend(t: TestContext, options: ZipkinOptions): ZipkinBackend {
  const b = new ZipkinBackend({ timeoutMs: 5_000, ...options });
  t.after(() => b.close());
  return b;
}

async function zipkinServer(t: TestContext) {
  const consumer = new RecordingConsumer();
  const receiver = new ZipkinReceiver({ endpoint: '127.0.0.1:0', consumer, registry: new Registry() });
  await receiver.start();
  t.after(() => receiver.close());
  return { consumer, url: `http://127.0.0.1:${receiver.port}` };
}

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Answers each request with the next of `answers` (the last one repeats); `hang` never answers. */
async function stub(t: TestContext, answers: ({ status: number; body?: string; headers?: Record<string, string> } | 'hang')[]) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      seen.push({ path: req.url ?? '', headers: req.headers, body: req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw });
      const a = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers }).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('zipkin backend: what is sent', () => {
  for (const encoding of ['json', 'proto'] as const) {
    it(`${encoding}: the spans arrive at a Zipkin API as the mapping writes them`, async (t) => {
      const server = await zipkinServer(t);
      const b = backend(t, { endpoint: `${server.url}/api/v2/spans`, encoding });
      assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
      assert.equal(server.consumer.traces.length, 1);
      assert.equal(server.consumer.traces[0]!.ctx.protocol, 'zipkin/v2');
      assert.deepEqual(server.consumer.traces[0]!.traces, decodeZipkinV2Json(encodeZipkinV2Json(sampleTraces())));
    });
  }

  it('gzip by default, with the configured headers and the encoding\'s Content-Type; /api/v2/spans added to a bare URL', async (t) => {
    const s = await stub(t, [{ status: 202 }]);
    const json = backend(t, { endpoint: s.url, headers: { Authorization: 'Bearer abc' } });
    assert.deepEqual(await json.exportTraces(sampleTraces(), live()), { status: 'ok' });
    const proto = backend(t, { endpoint: `${s.url}/custom/spans`, encoding: 'proto', compression: 'none' });
    assert.deepEqual(await proto.exportTraces(sampleTraces(), live()), { status: 'ok' });
    assert.deepEqual(
      s.seen.map((r) => [r.path, r.headers['content-type'], r.headers['content-encoding'], r.headers.authorization, r.headers['user-agent']]),
      [
        ['/api/v2/spans', 'application/json', 'gzip', 'Bearer abc', 'ocsvc'],
        ['/custom/spans', 'application/x-protobuf', undefined, undefined, 'ocsvc'],
      ],
    );
    assert.deepEqual(decodeZipkinV2Json(s.seen[0]!.body), decodeZipkinV2Proto(s.seen[1]!.body));
  });
});

describe('zipkin backend: answers', () => {
  it('503 with Retry-After is retryable after that delay; 429, 502 and 504 are retryable', async (t) => {
    const s = await stub(t, [{ status: 503, body: 'storage busy\n', headers: { 'retry-after': '2' } }, { status: 429 }, { status: 502 }, { status: 504 }]);
    const b = backend(t, { endpoint: s.url });
    assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'retryable', reason: 'HTTP 503: storage busy', retryAfterMs: 2_000 });
    for (const code of [429, 502, 504]) assert.equal((await b.exportTraces(sampleTraces(), live())).status, 'retryable', `HTTP ${code}`);
  });

  it('400 is rejected with Zipkin\'s message; other 4xx and 500 are rejected too', async (t) => {
    const s = await stub(t, [{ status: 400, body: 'Expected a JSON_V2 encoded list\n' }, { status: 404 }, { status: 413 }, { status: 500, body: 'x'.repeat(1_000) }]);
    const b = backend(t, { endpoint: s.url });
    assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'rejected', reason: 'HTTP 400: Expected a JSON_V2 encoded list' });
    assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'rejected', reason: 'HTTP 404' });
    assert.equal((await b.exportTraces(sampleTraces(), live())).status, 'rejected');
    const long = await b.exportTraces(sampleTraces(), live());
    assert.ok(long.status === 'rejected' && long.reason.length < 320, 'a long answer is clipped');
  });

  it('an unreachable endpoint and a timeout are retryable; an aborted export says "aborted"', async (t) => {
    const down = backend(t, { endpoint: `http://127.0.0.1:${await unusedPort()}` });
    const refused = await down.exportTraces(sampleTraces(), live());
    assert.match(refused.status === 'retryable' ? refused.reason : '', /ECONNREFUSED/);
    const s = await stub(t, ['hang']);
    const slow = backend(t, { endpoint: s.url, timeoutMs: 200 });
    assert.deepEqual(await slow.exportTraces(sampleTraces(), live()), { status: 'retryable', reason: 'timed out after 200 ms' });
    const controller = new AbortController();
    const pending = backend(t, { endpoint: s.url, timeoutMs: 60_000 }).exportTraces(sampleTraces(), controller.signal);
    controller.abort();
    assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
  });

  it('metrics are refused: Zipkin has none', async (t) => {
    const b = backend(t, { endpoint: 'http://127.0.0.1:9411' });
    assert.deepEqual(await b.exportMetrics(sampleMetrics(), live()), { status: 'rejected', reason: 'Zipkin carries no metrics' });
  });

  it('close is safe twice and an export after close throws; a bad endpoint fails at construction', async () => {
    const b = new ZipkinBackend({ endpoint: 'http://127.0.0.1:9411' });
    const first = b.close();
    assert.equal(b.close(), first);
    await first;
    await assert.rejects(b.exportTraces(sampleTraces(), live()), { code: 'BACKEND_CLOSED' });
    assert.throws(() => new ZipkinBackend({ endpoint: 'zipkin:9411' }), { code: 'INVALID_CONFIG', message: /endpoint must be an http\(s\) URL/ });
  });
});

describe('zipkin backend: configuration', () => {
  const backends = (list: unknown[]) => ({ OCSVC_EXPORTER_BACKENDS: JSON.stringify(list) });
  it('takes traces only, by default', () => {
    const config = loadConfig('exporter', { env: backends([{ name: 'z', type: 'zipkin', endpoint: 'http://zipkin:9411/api/v2/spans', encoding: 'proto' }]) });
    assert.deepEqual(config.exporter.backends, [{ name: 'z', type: 'zipkin', endpoint: 'http://zipkin:9411/api/v2/spans', encoding: 'proto', signals: ['traces'] }]);
  });
  it('refuses metrics, an encoding it does not speak, a URL that is not http, and keys of other types', () => {
    try {
      loadConfig('exporter', { env: backends([{ name: 'z', type: 'zipkin', endpoint: 'zipkin:9411', encoding: 'thrift', signals: ['traces', 'metrics'], insecure: true }]) });
      assert.fail('expected the configuration to be refused');
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      assert.deepEqual(err.problems.sort(), [
        'exporter.backends[0].encoding: must be one of json, proto (got "thrift")',
        'exporter.backends[0].endpoint: must be an http:// or https:// URL (got "zipkin:9411")',
        'exporter.backends[0].insecure: not a key of type zipkin (allowed: name, type, signals, headers, compression, timeoutMs, caFile, certFile, keyFile, endpoint, encoding)',
        'exporter.backends[0].signals: type zipkin carries only traces (got ["traces","metrics"])',
      ]);
    }
  });
});
