// Docker cannot run on the development machine, so this checks what can be
// checked of docker-compose.yml without it: every ocsvc service's environment
// is a valid configuration of that service, ports and addresses agree with
// the configuration and with the other services, and the scaled tiers publish
// no fixed host ports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import YAML from 'yaml';
import { leaves, loadConfig, parseEndpoint, SERVICE_NAMES, type ServiceName } from '../lib/config/index.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, unknown>;
  healthcheck?: { test: string[] };
}
const compose = YAML.parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const ocsvc = Object.entries(services).filter(([, s]) => s.image === 'ocsvc:local');

test('the compose file runs every ocsvc service from the project image', () => {
  const roles = ocsvc.map(([, s]) => s.command?.[0]).sort();
  assert.deepEqual(roles, ['agent', 'exporter', 'ingester', 'sampler']);
  for (const [, s] of ocsvc) assert.ok(s.build, 'built from the Dockerfile');
  for (const name of ['kafka', 'redis', 'jaeger']) assert.ok(services[name], `${name} service present`);
});

test("each ocsvc service's environment names real keys and validates", () => {
  for (const [name, s] of ocsvc) {
    const role = s.command![0] as ServiceName;
    assert.ok((SERVICE_NAMES as readonly string[]).includes(role));
    const known = new Set(leaves(role).map((l) => l.env));
    for (const key of Object.keys(s.environment ?? {})) {
      if (key.startsWith('OCSVC_')) assert.ok(known.has(key), `${name}: ${key} is not a configuration key of ${role}`);
    }
    assert.doesNotThrow(() => loadConfig(role, { env: s.environment ?? {} }), `${name}'s environment is a valid ${role} configuration`);
  }
});

test('scaled tiers publish no fixed host ports', () => {
  for (const name of ['sampler', 'exporter']) assert.equal(services[name]!.ports, undefined, `${name} must scale`);
});

test('every enabled receiver port is published, over the right transport', () => {
  for (const name of ['agent', 'ingester']) {
    const config = loadConfig('agent', { env: services[name]!.environment ?? {} });
    // "host:container[/udp]" -> "container/tcp|udp"
    const inside = new Set((services[name]!.ports ?? []).map((p) => {
      const [spec, proto = 'tcp'] = p.split('/');
      return `${spec!.split(':').pop()}/${proto}`;
    }));
    const r = config.receivers;
    const wanted: [string, boolean, string, 'tcp' | 'udp'][] = [
      ['OTLP/gRPC', r.otlp.grpc.enabled, r.otlp.grpc.endpoint, 'tcp'],
      ['OTLP/HTTP', r.otlp.http.enabled, r.otlp.http.endpoint, 'tcp'],
      ['OpenCensus', r.opencensus.enabled, r.opencensus.endpoint, 'tcp'],
      ['Jaeger gRPC', r.jaeger.enabled && r.jaeger.grpc.enabled, r.jaeger.grpc.endpoint, 'tcp'],
      ['Jaeger Thrift HTTP', r.jaeger.enabled && r.jaeger.thriftHttp.enabled, r.jaeger.thriftHttp.endpoint, 'tcp'],
      ['Jaeger compact UDP', r.jaeger.enabled && r.jaeger.thriftCompact.enabled, r.jaeger.thriftCompact.endpoint, 'udp'],
      ['Jaeger binary UDP', r.jaeger.enabled && r.jaeger.thriftBinary.enabled, r.jaeger.thriftBinary.endpoint, 'udp'],
      ['Jaeger sampling', r.jaeger.enabled && r.jaeger.sampling.enabled, r.jaeger.sampling.endpoint, 'tcp'],
      ['Zipkin', r.zipkin.enabled, r.zipkin.endpoint, 'tcp'],
    ];
    for (const [what, enabled, endpoint, proto] of wanted) {
      if (enabled) assert.ok(inside.has(`${parseEndpoint(endpoint).port}/${proto}`), `${name} publishes ${what} (${endpoint}/${proto})`);
    }
  }
  const agent = loadConfig('agent', { env: services.agent!.environment ?? {} }).receivers;
  assert.ok(agent.opencensus.enabled && agent.jaeger.enabled && agent.zipkin.enabled, 'the agent takes every protocol');
});

test('brokers, Redis and backends point at services of the compose file, on their ports', () => {
  const kafka = services.kafka!.environment!;
  const advertised = kafka.KAFKA_ADVERTISED_LISTENERS!.replace(/^PLAINTEXT:\/\//, '');
  for (const [name, s] of ocsvc) {
    const role = s.command![0] as ServiceName;
    const config = loadConfig(role, { env: s.environment ?? {} });
    if ('kafka' in config) assert.deepEqual(config.kafka.brokers, [advertised], `${name} reaches the broker`);
    if ('redis' in config) {
      const url = new URL(config.redis.url);
      assert.ok(services[url.hostname], `${name}'s Redis host is a service`);
      assert.ok(s.depends_on?.[url.hostname], `${name} waits for Redis`);
    }
    if ('exporter' in config) {
      for (const backend of config.exporter.backends) {
        if (!backend.endpoint) continue;
        const { host } = parseEndpoint(backend.endpoint);
        assert.ok(services[host], `backend ${backend.name} host ${host} is a service`);
        assert.ok(s.depends_on?.[host], `${name} starts after ${host}`);
      }
    }
  }
});

test('all services agree on topic names', () => {
  const topics = new Set(
    ocsvc.map(([, s]) => {
      const role = s.command![0] as ServiceName;
      const config = loadConfig(role, { env: s.environment ?? {} });
      return JSON.stringify('kafka' in config ? config.kafka.topics : null);
    }),
  );
  assert.equal(topics.size, 1);
});

test('health checks probe the configured health endpoint', () => {
  for (const [name, s] of ocsvc) {
    const role = s.command![0] as ServiceName;
    const config = loadConfig(role, { env: s.environment ?? {} });
    const port = parseEndpoint(config.admin.health).port;
    assert.ok(s.healthcheck?.test.join(' ').includes(`127.0.0.1:${port}/`), `${name} health check uses port ${port}`);
  }
});
