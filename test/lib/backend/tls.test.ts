// Every network backend over TLS to ocsvc's own receiver of its protocol,
// with certificates made by openssl at test time: the server verified by a
// private CA (caFile), mutual TLS with a client certificate, refused without
// one, and a server whose CA the backend does not know: a retryable result
// that names the certificate problem (the exporter retries it; nothing
// crashes). Every backend picks up new client certificate files.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Backend, ExportResult } from '../../../lib/backend/backend.js';
import { JaegerBackend } from '../../../lib/backend/jaeger.js';
import { OpenCensusBackend } from '../../../lib/backend/opencensus.js';
import { OtlpGrpcBackend } from '../../../lib/backend/otlp-grpc.js';
import { OtlpHttpBackend } from '../../../lib/backend/otlp-http.js';
import { ZipkinBackend } from '../../../lib/backend/zipkin.js';
import type { Component } from '../../../lib/lifecycle.js';
import type { Traces } from '../../../lib/model/index.js';
import type { TlsClientFiles } from '../../../lib/net/tls-client.js';
import type { TlsFiles } from '../../../lib/net/tls.js';
import { JaegerReceiver } from '../../../lib/receiver/jaeger/index.js';
import { OpenCensusReceiver } from '../../../lib/receiver/opencensus/index.js';
import { OtlpGrpcReceiver, OtlpHttpReceiver } from '../../../lib/receiver/otlp/index.js';
import { ZipkinReceiver } from '../../../lib/receiver/zipkin/index.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { makeCerts } from '../../helpers/certs.js';
import { buildTrace } from '../../helpers/trace-builder.js';
import { RecordingConsumer } from '../receiver/otlp/recording-consumer.js';

interface Server {
  receiver: Component;
  /** The backend's endpoint for this server once started. */
  endpoint(): string;
}

interface Kind {
  type: string;
  server(consumer: RecordingConsumer, tls: TlsFiles): Server;
  backend(endpoint: string, tls: ClientTlsOptions): Backend;
}

type ClientTlsOptions = TlsClientFiles & { onTlsError?: (err: Error) => void };

const registry = () => new Registry();
const TIMEOUT_MS = 3_000;

const KINDS: Kind[] = [
  {
    type: 'otlp',
    server: (consumer, tls) => {
      const r = new OtlpGrpcReceiver({ endpoint: '127.0.0.1:0', consumer, registry: registry(), tls, closeTimeoutMs: 500 });
      return { receiver: r, endpoint: () => `127.0.0.1:${r.port}` };
    },
    backend: (endpoint, tls) => new OtlpGrpcBackend({ endpoint, insecure: false, timeoutMs: TIMEOUT_MS, ...tls }),
  },
  {
    type: 'otlphttp',
    server: (consumer, tls) => {
      const r = new OtlpHttpReceiver({ endpoint: '127.0.0.1:0', consumer, registry: registry(), tls, closeTimeoutMs: 500 });
      return { receiver: r, endpoint: () => `https://127.0.0.1:${r.port}` };
    },
    backend: (endpoint, tls) => new OtlpHttpBackend({ endpoint, timeoutMs: TIMEOUT_MS, ...tls }),
  },
  {
    type: 'opencensus',
    server: (consumer, tls) => {
      const r = new OpenCensusReceiver({ endpoint: '127.0.0.1:0', consumer, registry: registry(), tls, closeTimeoutMs: 500 });
      return { receiver: r, endpoint: () => `127.0.0.1:${r.port}` };
    },
    backend: (endpoint, tls) => new OpenCensusBackend({ endpoint, insecure: false, timeoutMs: TIMEOUT_MS, ...tls }),
  },
  {
    type: 'zipkin',
    server: (consumer, tls) => {
      const r = new ZipkinReceiver({ endpoint: '127.0.0.1:0', consumer, registry: registry(), tls, closeTimeoutMs: 500 });
      return { receiver: r, endpoint: () => `https://127.0.0.1:${r.port}/api/v2/spans` };
    },
    backend: (endpoint, tls) => new ZipkinBackend({ endpoint, timeoutMs: TIMEOUT_MS, ...tls }),
  },
  {
    type: 'jaeger',
    server: (consumer, tls) => {
      const r = new JaegerReceiver({ consumer, registry: registry(), grpc: { endpoint: '127.0.0.1:0', tls }, closeTimeoutMs: 500 });
      return { receiver: r, endpoint: () => `127.0.0.1:${r.grpc!.port}` };
    },
    backend: (endpoint, tls) => new JaegerBackend({ endpoint, insecure: false, timeoutMs: TIMEOUT_MS, ...tls }),
  },
];

const live = () => new AbortController().signal;

async function serve(t: TestContext, kind: Kind, tls: TlsFiles): Promise<{ consumer: RecordingConsumer; endpoint: string }> {
  const consumer = new RecordingConsumer();
  const server = kind.server(consumer, tls);
  await server.receiver.start();
  t.after(() => server.receiver.close());
  return { consumer, endpoint: server.endpoint() };
}

function client(t: TestContext, kind: Kind, endpoint: string, tls: ClientTlsOptions): Backend {
  const backend = kind.backend(endpoint, tls);
  t.after(() => backend.close());
  return backend;
}

/** A trace of one span with a name that tells this export apart. */
function traceNamed(name: string): Traces {
  return buildTrace({ resource: { 'service.name': 'tls-test' }, spans: [{ name }] });
}

function namesReceived(consumer: RecordingConsumer): string[] {
  return consumer.traces.flatMap(({ traces }) => traces.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
}

function reasonOf(result: ExportResult): string {
  assert.equal(result.status, 'retryable', `expected a retryable result, got ${JSON.stringify(result)}`);
  return result.status === 'retryable' ? result.reason : '';
}

for (const kind of KINDS) {
  test(`${kind.type}: TLS to a server signed by a private CA (caFile); without that CA, a retryable result naming the certificate`, { timeout: 30_000 }, async (t) => {
    const c = makeCerts(t);
    const { consumer, endpoint } = await serve(t, kind, { certFile: c.certFile, keyFile: c.keyFile });
    assert.deepEqual(await client(t, kind, endpoint, { caFile: c.caFile }).exportTraces(traceNamed('over-tls'), live()), { status: 'ok' });
    assert.deepEqual(namesReceived(consumer), ['over-tls']);
    const reason = reasonOf(await client(t, kind, endpoint, {}).exportTraces(traceNamed('unknown-ca'), live()));
    assert.match(reason, /certificate/i);
    assert.deepEqual(namesReceived(consumer), ['over-tls'], 'nothing passes without verifying the server');
  });

  test(`${kind.type}: mutual TLS accepts the client certificate and refuses a client without one or with a foreign one`, { timeout: 30_000 }, async (t) => {
    const c = makeCerts(t);
    const { consumer, endpoint } = await serve(t, kind, { certFile: c.certFile, keyFile: c.keyFile, clientCaFile: c.caFile });
    const withCert = client(t, kind, endpoint, { caFile: c.caFile, certFile: c.clientCertFile, keyFile: c.clientKeyFile });
    assert.deepEqual(await withCert.exportTraces(traceNamed('mutual'), live()), { status: 'ok' });
    reasonOf(await client(t, kind, endpoint, { caFile: c.caFile }).exportTraces(traceNamed('no-client-cert'), live()));
    const foreign = c.foreignClient();
    reasonOf(await client(t, kind, endpoint, { caFile: c.caFile, certFile: foreign.certFile, keyFile: foreign.keyFile }).exportTraces(traceNamed('foreign'), live()));
    assert.deepEqual(namesReceived(consumer), ['mutual']);
  });
}

for (const kind of KINDS) {
  test(`${kind.type}: new client certificate files are used by the next connection, without a restart`, { timeout: 30_000 }, async (t) => {
    const c = makeCerts(t);
    const { consumer, endpoint } = await serve(t, kind, { certFile: c.certFile, keyFile: c.keyFile, clientCaFile: c.caFile });
    const foreign = c.foreignClient();
    const certFile = join(c.dir, `${kind.type}-current.pem`);
    const keyFile = join(c.dir, `${kind.type}-current.key`);
    copyFileSync(foreign.certFile, certFile);
    copyFileSync(foreign.keyFile, keyFile);
    const backend = client(t, kind, endpoint, { caFile: c.caFile, certFile, keyFile });
    reasonOf(await backend.exportTraces(traceNamed('before'), live()));
    const renewed = c.issueClient(`${kind.type}-renewed`);
    copyFileSync(renewed.keyFile, keyFile);
    copyFileSync(renewed.certFile, certFile);
    const deadline = Date.now() + 10_000;
    let result: ExportResult;
    do {
      result = await backend.exportTraces(traceNamed('after'), live());
      if (result.status !== 'ok') await new Promise((resolve) => setTimeout(resolve, 200));
    } while (result.status !== 'ok' && Date.now() < deadline);
    assert.deepEqual(result, { status: 'ok' });
    assert.deepEqual(namesReceived(consumer), ['after']);
  });
}

for (const kind of KINDS) {
  test(`${kind.type}: files that change into unusable ones are reported and the previous certificate stays in use`, { timeout: 30_000 }, async (t) => {
    const c = makeCerts(t);
    const { consumer, endpoint } = await serve(t, kind, { certFile: c.certFile, keyFile: c.keyFile, clientCaFile: c.caFile });
    const certFile = join(c.dir, 'broken-current.pem');
    const keyFile = join(c.dir, 'broken-current.key');
    copyFileSync(c.clientCertFile, certFile);
    copyFileSync(c.clientKeyFile, keyFile);
    const errors: Error[] = [];
    const backend = client(t, kind, endpoint, { caFile: c.caFile, certFile, keyFile, onTlsError: (err) => errors.push(err) });
    assert.deepEqual(await backend.exportTraces(traceNamed('first'), live()), { status: 'ok' });
    copyFileSync(c.keyFile, keyFile); // half-way through a rotation: a key that is not the certificate's
    const deadline = Date.now() + 10_000;
    while (errors.length === 0 && Date.now() < deadline) {
      assert.deepEqual(await backend.exportTraces(traceNamed('meanwhile'), live()), { status: 'ok' });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(errors[0]?.message ?? 'no error reported', /unusable TLS files .*broken-current/);
    assert.deepEqual(await backend.exportTraces(traceNamed('last'), live()), { status: 'ok' });
    assert.equal(namesReceived(consumer).at(-1), 'last');
  });
}

test('unusable TLS files fail at construction with the file named: a missing CA, half a client certificate', (t) => {
  const c = makeCerts(t);
  for (const kind of KINDS) {
    assert.throws(() => kind.backend('https://127.0.0.1:1', { caFile: '/nonexistent/ca.pem' }), { code: 'INVALID_CONFIG', message: /caFile \/nonexistent\/ca\.pem/ }, kind.type);
    assert.throws(() => kind.backend('https://127.0.0.1:1', { certFile: c.clientCertFile }), { code: 'INVALID_CONFIG', message: /certFile and keyFile go together/ }, kind.type);
    assert.throws(() => kind.backend('https://127.0.0.1:1', { certFile: c.clientCertFile, keyFile: c.keyFile }), { code: 'INVALID_CONFIG', message: /unusable TLS files/ }, kind.type);
  }
});
