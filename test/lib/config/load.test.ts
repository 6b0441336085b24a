import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envName, leaves, loadConfig, SERVICE_NAMES } from '../../../lib/config/index.js';
import { parseEndpoint } from '../../../lib/net/endpoint.js';
import { configFile, problems } from './helpers.js';

test('defaults alone make every service valid', () => {
  for (const service of SERVICE_NAMES) assert.ok(loadConfig(service, { env: {} }));
});

test('a YAML file overrides defaults and the environment overrides the file', () => {
  const path = configFile('agent.yaml', 'kafka:\n  brokers: [k1:9092]\n  partitions: 6\n');
  const config = loadConfig('agent', { file: path, env: { OCSVC_KAFKA_PARTITIONS: '24' } });
  assert.deepEqual(config.kafka.brokers, ['k1:9092']);
  assert.equal(config.kafka.partitions, 24);
  assert.equal(config.receivers.otlp.grpc.endpoint, '0.0.0.0:4317');
});

test('a JSON file is read as JSON', () => {
  const path = configFile('sampler.json', JSON.stringify({ sampler: { decisionWaitMs: 1234 } }));
  assert.equal(loadConfig('sampler', { file: path, env: {} }).sampler.decisionWaitMs, 1234);
});

test('every key is settable by its environment variable', () => {
  for (const service of SERVICE_NAMES) {
    for (const leaf of leaves(service)) {
      assert.equal(leaf.env, envName(leaf.path));
      assert.match(leaf.env, /^OCSVC_[A-Z0-9_]+$/);
    }
  }
  const config = loadConfig('exporter', {
    env: { OCSVC_KAFKA_BROKERS: 'a:1, b:2', OCSVC_EXPORTER_BACKENDS: '[{"name":"f","type":"file","path":"/tmp/x"}]' },
  });
  assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
  assert.deepEqual(config.exporter.backends, [{ name: 'f', type: 'file', path: '/tmp/x', signals: ['traces', 'metrics'] }]);
});

test('all problems are reported at once, each with its key path, the bad value and what is allowed', () => {
  const path = configFile(
    'bad.yaml',
    [
      'kafka:',
      '  brokers: [nohost]',
      '  partitions: -2',
      '  topics: { spanz: x }',
      'exporter:',
      '  backends:',
      '    - { name: a, type: otlp }',
      '    - { name: a, type: smtp, colour: red }',
    ].join('\n'),
  );
  const found = problems(() => loadConfig('exporter', { file: path, env: { OCSVC_KAFKA_REQUEST_TIMEOUT_MS: 'soon' } }));
  assert.deepEqual(found.sort(), [
    'exporter.backends[0].endpoint: required for type otlp',
    'exporter.backends[1].colour: not a key of type smtp (allowed: name, type, signals)',
    'exporter.backends[1].name: "a" is used twice; names must be unique',
    'exporter.backends[1].type: must be one of otlp, otlphttp, file, debug, opencensus, jaeger, zipkin (got "smtp")',
    'kafka.brokers: must be host:port, e.g. 0.0.0.0:4317 (got ["nohost"])',
    'kafka.partitions: must be an integer >= 1 (got -2)',
    'kafka.requestTimeoutMs: must be an integer >= 1 (got "soon" from OCSVC_KAFKA_REQUEST_TIMEOUT_MS)',
    'kafka.topics.spanz: unknown key (got "x"); allowed here: spans, metrics, spansSampled',
  ]);
});

test('a section the service does not have is named once with the sections it has', () => {
  const path = configFile('agent.yaml', 'redis:\n  url: redis://r:6379\n');
  assert.deepEqual(problems(() => loadConfig('agent', { file: path, env: {} })), [
    'redis: unknown key (got {"url":"redis://r:6379"}); allowed here: service, log, admin, kafka, spool, receivers, forward',
  ]);
});

test('a wrong type names the key and the value', () => {
  const path = configFile('agent.yaml', 'receivers:\n  otlp:\n    grpc:\n      enabled: "yes please"\n');
  const [problem] = problems(() => loadConfig('agent', { file: path, env: {} }));
  assert.equal(problem, 'receivers.otlp.grpc.enabled: must be true or false (got "yes please")');
});

test('an unreadable or unparsable file is a ConfigError naming the file', () => {
  assert.match(problems(() => loadConfig('agent', { file: '/nonexistent/ocsvc.yaml', env: {} }))[0]!, /cannot read the file/);
  assert.match(problems(() => loadConfig('agent', { file: configFile('x.yaml', 'a: [1,'), env: {} }))[0]!, /cannot parse the file/);
});

test('the loaded configuration is frozen', () => {
  const config = loadConfig('agent', { env: {} });
  assert.throws(() => {
    (config.kafka as { partitions: number }).partitions = 3;
  }, TypeError);
});

test('the spool is on for the agent and off for the ingester by default, and its keys are checked', () => {
  assert.equal(loadConfig('agent', { env: {} }).spool.enabled, true);
  assert.equal(loadConfig('agent', { env: {} }).spool.directory, './data/spool');
  assert.equal(loadConfig('ingester', { env: {} }).spool.enabled, false);
  const config = loadConfig('ingester', { env: { OCSVC_SPOOL_ENABLED: 'true', OCSVC_SPOOL_FSYNC: 'interval', OCSVC_SPOOL_FSYNC_INTERVAL_MS: '250' } });
  assert.deepEqual([config.spool.enabled, config.spool.fsync, config.spool.fsyncIntervalMs], [true, 'interval', 250]);
  assert.deepEqual(
    problems(() => loadConfig('agent', { env: { OCSVC_SPOOL_FSYNC: 'sometimes', OCSVC_SPOOL_DIRECTORY: ' ', OCSVC_SPOOL_MAX_BYTES: '0' } })).sort(),
    [
      'spool.directory: must be a directory path (got " " from OCSVC_SPOOL_DIRECTORY)',
      'spool.fsync: must be one of the possible values: ["always","interval"] (got "sometimes" from OCSVC_SPOOL_FSYNC)',
      'spool.maxBytes: must be an integer >= 1 (got "0" from OCSVC_SPOOL_MAX_BYTES)',
    ],
  );
});

test('the admin endpoints (health, metrics, operator page) listen on 127.0.0.1 by default in every service, or are off', () => {
  for (const service of SERVICE_NAMES) {
    const admin = loadConfig(service, { env: {} }).admin;
    const on = Object.values(admin).filter((endpoint) => endpoint !== '');
    // replay, a command rather than a service, has them all off.
    if (service !== 'replay') assert.ok(on.length > 0, `${service} has an admin endpoint`);
    for (const endpoint of on) assert.equal(parseEndpoint(endpoint).host, '127.0.0.1', `${service}: ${JSON.stringify(admin)}`);
  }
});
