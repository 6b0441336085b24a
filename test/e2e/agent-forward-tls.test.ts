// The agent as operators run it, forwarding to an ingester over mutual TLS
// (forward.caFile, certFile, keyFile): the spans a client posts to the agent
// arrive at the ingester's OTLP/gRPC receiver, which requires a client
// certificate; without the agent's certificate the client is told to retry
// and nothing arrives.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { encodeTracesJson } from '../../lib/protocol/otlp/index.js';
import { OtlpGrpcReceiver } from '../../lib/receiver/otlp/index.js';
import { Registry } from '../../lib/telemetry/stats.js';
import { freePort } from '../harness/free-port.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { startService } from '../helpers/service-process.js';
import { buildTrace } from '../helpers/trace-builder.js';
import { RecordingConsumer } from '../lib/receiver/otlp/recording-consumer.js';

async function upstream(t: TestContext, certs: TestCerts): Promise<{ consumer: RecordingConsumer; port: number }> {
  const consumer = new RecordingConsumer();
  const receiver = new OtlpGrpcReceiver({
    endpoint: '127.0.0.1:0',
    consumer,
    registry: new Registry(),
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, clientCaFile: certs.caFile },
    closeTimeoutMs: 500,
  });
  await receiver.start();
  t.after(() => receiver.close());
  return { consumer, port: receiver.port };
}

async function agent(t: TestContext, ingesterPort: number, tls: Record<string, string>): Promise<number> {
  const httpPort = await freePort();
  await startService(t, 'agent', {
    OCSVC_FORWARD_ENDPOINT: `127.0.0.1:${ingesterPort}`,
    OCSVC_FORWARD_INSECURE: 'false',
    OCSVC_FORWARD_TIMEOUT_MS: '3000',
    OCSVC_RECEIVERS_OTLP_GRPC_ENABLED: 'false',
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
    ...tls,
  });
  return httpPort;
}

const post = (port: number, name: string) =>
  fetch(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: encodeTracesJson(buildTrace({ resource: { 'service.name': 'forward-tls' }, spans: [{ name }] })),
  });

const names = (consumer: RecordingConsumer) => consumer.traces.flatMap(({ traces }) => traces.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));

test('the agent forwards over mutual TLS with forward.caFile/certFile/keyFile; without a client certificate the client is told to retry', { timeout: 120_000 }, async (t) => {
  const certs = makeCerts(t);
  const { consumer, port } = await upstream(t, certs);

  const good = await agent(t, port, {
    OCSVC_FORWARD_CA_FILE: certs.caFile,
    OCSVC_FORWARD_CERT_FILE: certs.clientCertFile,
    OCSVC_FORWARD_KEY_FILE: certs.clientKeyFile,
  });
  const accepted = await post(good, 'through-mtls');
  assert.equal(accepted.status, 200, await accepted.text());
  assert.deepEqual(names(consumer), ['through-mtls']);

  const noCert = await agent(t, port, { OCSVC_FORWARD_CA_FILE: certs.caFile });
  const refused = await post(noCert, 'no-client-cert');
  assert.equal(refused.status, 503, 'retryable: the ingester refused the handshake');
  assert.deepEqual(names(consumer), ['through-mtls']);
});
