// The security of the receivers through a real service, configured the way
// operators do it (the environment): all-in-one with OTLP/gRPC under mutual
// TLS, OTLP/HTTP under TLS, and bearer tokens required. Spans sent with a
// token over TLS reach the file backend; without a token they are refused
// (401 / UNAUTHENTICATED, counted in /metrics); plaintext is turned away; no
// token appears in the service's output. No Kafka: all-in-one runs on the
// in-memory bus.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Traces } from '../../lib/model/index.js';
import { decodeTracesJson } from '../../lib/protocol/otlp/index.js';
import { freePorts } from '../harness/free-port.js';
import { waitFor } from '../harness/wait-for.js';
import { makeCerts } from '../helpers/certs.js';
import { accepted, refusedAtConnection, SENDERS } from '../helpers/receiver-clients.js';
import { scrape, startService } from '../helpers/service-process.js';
import { buildTrace } from '../helpers/trace-builder.js';

const TOKEN = 'acme-5f0c2b7e9d1a4c3b8e6f';

function spanNamesIn(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // not written yet
  }
  const traces: Traces[] = text.split('\n').filter(Boolean).map((line) => decodeTracesJson(line));
  return traces.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
}

void test('all-in-one with TLS, mutual TLS and required tokens from its configuration: only authenticated TLS clients get spans through', async (t) => {
  const certs = makeCerts(t);
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-secure-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokensFile = join(dir, 'tokens.yaml');
  writeFileSync(tokensFile, `- { tenant: acme, token: ${TOKEN} }\n`);
  const file = join(dir, 'spans.jsonl');
  const [grpcPort, httpPort] = await freePorts(2);
  const aio = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
    OCSVC_RECEIVERS_OTLP_GRPC_TLS_CERT_FILE: certs.certFile,
    OCSVC_RECEIVERS_OTLP_GRPC_TLS_KEY_FILE: certs.keyFile,
    OCSVC_RECEIVERS_OTLP_GRPC_TLS_CLIENT_CA_FILE: certs.caFile,
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
    OCSVC_RECEIVERS_OTLP_HTTP_TLS_CERT_FILE: certs.certFile,
    OCSVC_RECEIVERS_OTLP_HTTP_TLS_KEY_FILE: certs.keyFile,
    OCSVC_RECEIVERS_AUTH_TOKENS_FILE: tokensFile,
    OCSVC_RECEIVERS_AUTH_REQUIRED: 'true',
    OCSVC_EXPORTER_BACKENDS: JSON.stringify([{ name: 'file', type: 'file', path: file, signals: ['traces'] }]),
    OCSVC_SAMPLER_DECISION_WAIT_MS: '200',
    OCSVC_SAMPLER_TICK_MS: '50',
    OCSVC_LOG_LEVEL: 'debug',
  });
  const mtls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
  const trace = (name: string) => buildTrace({ resource: { 'service.name': 'checkout' }, spans: [{ name }] });

  assert.ok(accepted(await SENDERS['otlp/grpc'](grpcPort!, trace('grpc with token'), { tls: mtls, token: TOKEN })));
  assert.ok(accepted(await SENDERS['otlp/http'](httpPort!, trace('http with token'), { tls: { ca: certs.ca }, token: TOKEN })));

  const noToken = await SENDERS['otlp/http'](httpPort!, trace('http without token'), { tls: { ca: certs.ca } });
  assert.ok(noToken.kind === 'answered' && noToken.code === '401' && noToken.headers['www-authenticate']?.startsWith('Bearer'), JSON.stringify(noToken));
  const wrong = await SENDERS['otlp/grpc'](grpcPort!, trace('grpc wrong token'), { tls: mtls, token: 'acme-not-the-right-token' });
  assert.ok(wrong.kind === 'answered' && wrong.code === 'UNAUTHENTICATED', JSON.stringify(wrong));
  assert.ok(refusedAtConnection(await SENDERS['otlp/grpc'](grpcPort!, trace('grpc without client cert'), { tls: { ca: certs.ca }, token: TOKEN })));
  assert.ok(refusedAtConnection(await SENDERS['otlp/http'](httpPort!, trace('http plaintext'), { token: TOKEN })));

  await waitFor(() => spanNamesIn(file).length >= 2, { timeoutMs: 30_000, what: 'the spans in the file backend' });
  assert.deepEqual(spanNamesIn(file).sort(), ['grpc with token', 'http with token']);
  assert.equal(await scrape(aio, 'ocsvc_receiver_auth_failures_total', { component: 'otlp/http', reason: 'missing' }), 1);
  assert.equal(await scrape(aio, 'ocsvc_receiver_auth_failures_total', { component: 'otlp/grpc', reason: 'unknown_token' }), 1);
  assert.equal(await aio.stop(), 0);
  assert.ok(!aio.output.join('\n').includes(TOKEN), 'the token never appears in the output');
});
