// receivers.zipkin: defaults, strict validation, and the wiring in
// lib/service/receivers.ts (a receiver that serves once enabled).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, type ReceiversSection } from '../../../../lib/config/index.js';
import { ZipkinReceiver } from '../../../../lib/receiver/zipkin/index.js';
import { receivers } from '../../../../lib/service/receivers.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { RecordingConsumer } from '../otlp/recording-consumer.js';

const PLAINTEXT = { certFile: '', keyFile: '', clientCaFile: '' };

test('the defaults: off, 9411, 4 MiB, plaintext, in the agent, the ingester and all-in-one', () => {
  for (const service of ['agent', 'ingester', 'all-in-one'] as const) {
    assert.deepEqual(
      loadConfig(service, { env: {} }).receivers.zipkin,
      { enabled: false, endpoint: '0.0.0.0:9411', maxRequestBytes: 4 * 1024 * 1024, tls: PLAINTEXT },
      service,
    );
  }
});

test('the environment turns it on and moves it; bad values are refused with their key', () => {
  const zipkin = loadConfig('agent', { env: { OCSVC_RECEIVERS_ZIPKIN_ENABLED: 'true', OCSVC_RECEIVERS_ZIPKIN_ENDPOINT: '127.0.0.1:19411', OCSVC_RECEIVERS_ZIPKIN_MAX_REQUEST_BYTES: '1024' } }).receivers.zipkin;
  assert.deepEqual(zipkin, { enabled: true, endpoint: '127.0.0.1:19411', maxRequestBytes: 1024, tls: PLAINTEXT });
  try {
    loadConfig('ingester', { env: { OCSVC_RECEIVERS_ZIPKIN_ENDPOINT: 'nowhere', OCSVC_RECEIVERS_ZIPKIN_MAX_REQUEST_BYTES: '0' } });
    assert.fail('expected the configuration to be refused');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.ok(err.problems.some((p) => p.startsWith('receivers.zipkin.endpoint: must be host:port')), err.problems.join('\n'));
    assert.ok(err.problems.some((p) => p.startsWith('receivers.zipkin.maxRequestBytes: ')), err.problems.join('\n'));
  }
});

test('receivers() runs the Zipkin receiver only when enabled, and it serves POST /api/v2/spans', async (t) => {
  const defaults = loadConfig('agent', { env: {} }).receivers;
  const section = (enabled: boolean): ReceiversSection => ({
    ...defaults,
    otlp: { grpc: { ...defaults.otlp.grpc, enabled: false }, http: { ...defaults.otlp.http, enabled: false } },
    zipkin: { ...defaults.zipkin, enabled, endpoint: '127.0.0.1:0' },
  });
  const consumer = new RecordingConsumer();
  const registry = new Registry();
  assert.deepEqual(receivers(section(false), consumer, registry), []);
  const parts = receivers(section(true), consumer, registry);
  assert.equal(parts.length, 1);
  const receiver = parts[0]!;
  assert.ok(receiver instanceof ZipkinReceiver);
  await receiver.start();
  t.after(() => receiver.close());
  const body = JSON.stringify([{ traceId: 'd269b633813fc60c', id: 'eee19b7ec3c1b174', name: 'x', localEndpoint: { serviceName: 'web' } }]);
  const res = await fetch(`http://127.0.0.1:${receiver.port}/api/v2/spans`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 202);
  assert.equal(consumer.traces.length, 1);
});
