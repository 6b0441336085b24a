// receivers.opencensus: defaults, strict validation with messages that say
// what to write, environment lists, and the wiring in lib/service/receivers.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, type ReceiversSection } from '../../../../lib/config/index.js';
import { OpenCensusReceiver } from '../../../../lib/receiver/opencensus/index.js';
import { receivers } from '../../../../lib/service/receivers.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { ControlledConsumer } from './helpers.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig('agent', { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return assert.fail('expected the configuration to be refused');
}

test('the defaults: off, 55678, 4 MiB, plaintext, no CORS, sample everything with OpenCensus limits', () => {
  const oc = loadConfig('agent', { env: {} }).receivers.opencensus;
  assert.equal(oc.enabled, false);
  assert.equal(oc.endpoint, '0.0.0.0:55678');
  assert.equal(oc.gatewayEndpoint, '');
  assert.equal(oc.maxRecvMsgBytes, 4 * 1024 * 1024);
  assert.deepEqual(oc.corsAllowedOrigins, []);
  assert.deepEqual(oc.tls, { certFile: '', keyFile: '', clientCaFile: '' });
  assert.deepEqual(oc.traceConfig, {
    sampler: 'probability',
    samplingProbability: 1,
    constantDecision: 'always_on',
    qps: 10,
    maxNumberOfAttributes: 32,
    maxNumberOfAnnotations: 32,
    maxNumberOfMessageEvents: 128,
    maxNumberOfLinks: 32,
  });
  assert.equal(oc.traceConfigFile, '');
  assert.ok(loadConfig('all-in-one', { env: {} }).receivers.opencensus);
  assert.ok(loadConfig('ingester', { env: {} }).receivers.opencensus);
});

test('lists and numbers come from the environment', () => {
  const oc = loadConfig('agent', {
    env: {
      OCSVC_RECEIVERS_OPENCENSUS_ENABLED: 'true',
      OCSVC_RECEIVERS_OPENCENSUS_CORS_ALLOWED_ORIGINS: 'https://a.example.com, https://*.example.org',
      OCSVC_RECEIVERS_OPENCENSUS_CORS_ALLOWED_HEADERS: 'X-Tenant',
      OCSVC_RECEIVERS_OPENCENSUS_TRACE_CONFIG_SAMPLING_PROBABILITY: '0.5',
      OCSVC_RECEIVERS_OPENCENSUS_GATEWAY_ENDPOINT: '0.0.0.0:55680',
    },
  }).receivers.opencensus;
  assert.equal(oc.enabled, true);
  assert.deepEqual(oc.corsAllowedOrigins, ['https://a.example.com', 'https://*.example.org']);
  assert.deepEqual(oc.corsAllowedHeaders, ['X-Tenant']);
  assert.equal(oc.traceConfig.samplingProbability, 0.5);
  assert.equal(oc.gatewayEndpoint, '0.0.0.0:55680');
});

test('bad values are refused, each with its key and what to write instead', () => {
  const found = problems({
    OCSVC_RECEIVERS_OPENCENSUS_TRACE_CONFIG_SAMPLING_PROBABILITY: '1.5',
    OCSVC_RECEIVERS_OPENCENSUS_TRACE_CONFIG_SAMPLER: 'sometimes',
    OCSVC_RECEIVERS_OPENCENSUS_CORS_ALLOWED_ORIGINS: 'https://a.example.com/app',
    OCSVC_RECEIVERS_OPENCENSUS_CORS_ALLOWED_HEADERS: 'X Tenant',
    OCSVC_RECEIVERS_OPENCENSUS_TRACE_CONFIG_MAX_NUMBER_OF_LINKS: '0',
    OCSVC_RECEIVERS_OPENCENSUS_GATEWAY_ENDPOINT: 'nowhere',
  });
  const has = (re: RegExp) => assert.ok(found.some((p) => re.test(p)), `${re} in:\n${found.join('\n')}`);
  has(/^receivers\.opencensus\.traceConfig\.samplingProbability: must be a number from 0 to 1 \(got "1\.5"/);
  has(/^receivers\.opencensus\.traceConfig\.sampler: must be one of the possible values: \["probability","constant","rate_limiting"\]/);
  has(/^receivers\.opencensus\.corsAllowedOrigins: "https:\/\/a\.example\.com\/app" is not an origin: write scheme:\/\/host\[:port\] without a path/);
  has(/^receivers\.opencensus\.corsAllowedHeaders: "X Tenant" is not a header name/);
  has(/^receivers\.opencensus\.traceConfig\.maxNumberOfLinks: must be an integer >= 1/);
  has(/^receivers\.opencensus\.gatewayEndpoint: must be host:port/);
});

function section(opencensus: Partial<ReceiversSection['opencensus']>): ReceiversSection {
  const defaults = loadConfig('agent', { env: {} }).receivers;
  return { ...defaults, opencensus: { ...defaults.opencensus, enabled: true, endpoint: '127.0.0.1:0', ...opencensus } };
}

test('receivers() runs the OpenCensus receiver when enabled, and refuses half a TLS setting', () => {
  const consumer = new ControlledConsumer();
  const registry = new Registry();
  const parts = receivers(section({}), consumer, registry);
  assert.ok(parts.some((p) => p instanceof OpenCensusReceiver));
  assert.ok(!receivers(section({ enabled: false }), consumer, registry).some((p) => p instanceof OpenCensusReceiver));
  assert.throws(
    () => receivers(section({ tls: { certFile: '/etc/ocsvc/cert.pem', keyFile: '', clientCaFile: '' } }), consumer, registry),
    /receivers\.opencensus\.tls\.keyFile is empty/,
  );
});
