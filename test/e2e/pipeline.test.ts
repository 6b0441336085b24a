// The whole stack end to end with the real OpenTelemetry JS SDK: spans sent
// over OTLP gRPC, HTTP/protobuf and HTTP/JSON reach an OTLP backend and a file
// unchanged, through agent -> Kafka -> sampler (Redis) -> Kafka -> exporter,
// and through all-in-one; and through agents that cannot reach Kafka and
// forward to the ingester, over OTLP and over OpenCensus. Every service runs
// as its own process from the CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Traces } from '../../lib/model/trace.js';
import { decodeTracesJson } from '../../lib/protocol/otlp/index.js';
import { kafkaBrokers, redisUrl, uniqueName } from '../harness/env.js';
import { freePorts } from '../harness/free-port.js';
import { waitFor } from '../harness/wait-for.js';
import { OtlpSink } from '../helpers/otlp-sink.js';
import { scrape, startService, type ServiceProcess } from '../helpers/service-process.js';
import { assertSameSpan, flatten, sendTraces, type Transport } from './otel-sdk.js';

const TRANSPORTS: Transport[] = ['grpc', 'http/protobuf', 'http/json'];

function backendsEnv(sink: OtlpSink, file: string): string {
  return JSON.stringify([
    { name: 'sink', type: 'otlp', endpoint: sink.grpcEndpoint, insecure: true, signals: ['traces'] },
    { name: 'file', type: 'file', path: file, signals: ['traces'] },
  ]);
}

function sinkTraces(sink: OtlpSink): Traces[] {
  return sink.accepted().flatMap((r) => (r.traces ? [r.traces] : []));
}

function fileTraces(path: string): Traces[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // not written yet
  }
  return text.split('\n').filter(Boolean).map((line) => decodeTracesJson(line));
}

/** Waits until every SDK span arrived in `traces()`; asserts each arrived unchanged; returns copies per span ID. */
async function expectArrived(
  what: string,
  traces: () => Traces[],
  sdkSpans: ReadableSpan[],
  viaOpenCensus: ReadonlySet<ReadableSpan> = new Set(),
): Promise<Map<string, number>> {
  const want = new Map(sdkSpans.map((s) => [s.spanContext().spanId, s]));
  const arrived = await waitFor(
    () => {
      const all = flatten(traces());
      const ids = new Set<string>(all.map((a) => a.span.spanId));
      return [...want.keys()].every((id) => ids.has(id)) ? all : undefined;
    },
    { timeoutMs: 90_000, what: `${want.size} spans at ${what}` },
  );
  const copies = new Map<string, number>();
  for (const a of arrived) {
    const sdk = want.get(a.span.spanId);
    if (!sdk) continue;
    assertSameSpan(a, sdk, viaOpenCensus.has(sdk));
    copies.set(a.span.spanId, (copies.get(a.span.spanId) ?? 0) + 1);
  }
  return copies;
}

async function stopAll(procs: ServiceProcess[]): Promise<void> {
  for (const p of procs) assert.equal(await p.stop(), 0, `${p.role} exits 0 on SIGTERM\n${p.output.slice(-20).join('\n')}`);
}

function kafkaEnv(t: TestContext): Record<string, string> | undefined {
  const brokers = kafkaBrokers(t);
  if (!brokers) return undefined;
  const id = uniqueName('e2e');
  return {
    OCSVC_KAFKA_BROKERS: brokers.join(','),
    OCSVC_KAFKA_PARTITIONS: '6',
    OCSVC_KAFKA_TOPICS_SPANS: `${id}.spans`,
    OCSVC_KAFKA_TOPICS_METRICS: `${id}.metrics`,
    OCSVC_KAFKA_TOPICS_SPANS_SAMPLED: `${id}.spans.sampled`,
    OCSVC_KAFKA_SESSION_TIMEOUT_MS: '10000',
  };
}

test('spans from the OpenTelemetry SDK arrive unchanged through agent and ingester (directly, or forwarded over OTLP or OpenCensus), Kafka, sampler, Redis and exporter', async (t) => {
  const kafka = kafkaEnv(t);
  const redis = redisUrl(t);
  if (!kafka || !redis) return;
  const sink = await OtlpSink.start(t);
  const file = join(mkdtempSync(join(tmpdir(), 'ocsvc-e2e-')), 'spans.jsonl');
  const ports = await freePorts(9);
  const loopback = (i: number) => `127.0.0.1:${ports[i]}`;
  const endpoints = { grpc: loopback(0), http: loopback(1) };
  const ingesterEndpoints = { grpc: loopback(2), http: loopback(3) };
  const ingesterOpenCensus = loopback(4);
  // Agents on hosts that cannot reach Kafka: they forward to the ingester, one over OTLP, one over OpenCensus.
  const viaOtlp = { grpc: loopback(5), http: loopback(6) };
  const viaOcHop = { grpc: loopback(7), http: loopback(8) };
  const group = uniqueName('group');

  const exporter = await startService(t, 'exporter', { ...kafka, OCSVC_EXPORTER_GROUP_PREFIX: group, OCSVC_EXPORTER_BACKENDS: backendsEnv(sink, file) });
  const sampler = await startService(t, 'sampler', {
    ...kafka,
    OCSVC_REDIS_URL: redis,
    OCSVC_REDIS_KEY_PREFIX: `${group}:`,
    OCSVC_SAMPLER_GROUP_ID: `${group}-sampler`,
    OCSVC_SAMPLER_DECISION_WAIT_MS: '1000',
    OCSVC_SAMPLER_TICK_MS: '100',
  });
  const agent = await startService(t, 'agent', {
    ...kafka,
    OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: endpoints.grpc,
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: endpoints.http,
  });

  const ingester = await startService(t, 'ingester', {
    ...kafka,
    OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: ingesterEndpoints.grpc,
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: ingesterEndpoints.http,
    OCSVC_RECEIVERS_OPENCENSUS_ENABLED: 'true',
    OCSVC_RECEIVERS_OPENCENSUS_ENDPOINT: ingesterOpenCensus,
  });
  // No Kafka address at all: these agents must not need one.
  const forwarders = [
    { via: viaOtlp, protocol: 'otlp', upstream: ingesterEndpoints.grpc },
    { via: viaOcHop, protocol: 'opencensus', upstream: ingesterOpenCensus },
  ];
  const forwarding: ServiceProcess[] = [];
  for (const f of forwarders) {
    forwarding.push(
      await startService(t, 'agent', {
        OCSVC_KAFKA_BROKERS: '127.0.0.1:1',
        OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: f.via.grpc,
        OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: f.via.http,
        OCSVC_FORWARD_ENDPOINT: f.upstream,
        OCSVC_FORWARD_PROTOCOL: f.protocol,
        OCSVC_FORWARD_INSECURE: 'true',
      }),
    );
  }

  const sent: ReadableSpan[] = [];
  for (const transport of TRANSPORTS) sent.push(...(await sendTraces(transport, endpoints, 5, group)));
  for (const transport of TRANSPORTS) sent.push(...(await sendTraces(transport, ingesterEndpoints, 2, group)));
  const viaOpenCensus = new Set<ReadableSpan>();
  for (const f of forwarders) {
    for (const transport of TRANSPORTS) {
      const spans = await sendTraces(transport, f.via, 1, group);
      sent.push(...spans);
      if (f.protocol === 'opencensus') for (const span of spans) viaOpenCensus.add(span);
    }
  }
  assert.equal(sent.length, 3 * 5 * 3 + 3 * 2 * 3 + 2 * 3 * 1 * 3);

  const atSink = await expectArrived('the OTLP backend', () => sinkTraces(sink), sent, viaOpenCensus);
  const inFile = await expectArrived('the file backend', () => fileTraces(file), sent, viaOpenCensus);
  for (const copies of [atSink, inFile]) assert.deepEqual([...copies.values()].filter((n) => n > 1), [], 'no duplicates without failures');

  // Each tier's self-metrics account for every span, and consumers report their lag.
  assert.equal(await scrape(agent, 'ocsvc_component_sent_items_total', { component: 'publisher' }), 45);
  assert.equal(await scrape(ingester, 'ocsvc_component_sent_items_total', { component: 'publisher' }), 18 + 18);
  for (const f of forwarding) assert.equal(await scrape(f, 'ocsvc_component_sent_items_total', { component: 'forward' }), 9);
  assert.equal(await scrape(sampler, 'ocsvc_component_sent_items_total', { component: 'sampler' }), sent.length);
  await waitFor(async () => (await scrape(exporter, 'ocsvc_component_sent_items_total', { component: 'exporter/sink' })) === sent.length, {
    what: 'the exporter to count every span sent',
  });
  // The commit follows the export it covers: poll until the lag reflects it.
  const lagLines = async () =>
    (await (await fetch(exporter.metricsUrl)).text()).split('\n').filter((l) => l.startsWith('ocsvc_kafka_consumer_lag{') && l.includes(`group="${group}-sink"`));
  await waitFor(async () => (await lagLines()).every((line) => / 0$/.test(line)), { timeoutMs: 10_000, what: 'the exporter to commit what it exported' }).catch(() => undefined);
  const lags = await lagLines();
  assert.ok(lags.length > 0, 'the exporter reports its consumer lag per partition');
  for (const line of lags) assert.match(line, / 0$/, 'everything exported and committed');

  await stopAll([...forwarding, agent, ingester, sampler, exporter]);
});

test('the same spans arrive unchanged through all-in-one mode', async (t) => {
  const sink = await OtlpSink.start(t);
  const file = join(mkdtempSync(join(tmpdir(), 'ocsvc-e2e-')), 'spans.jsonl');
  const [grpcPort, httpPort] = await freePorts(2);
  const endpoints = { grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}` };
  const aio = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: endpoints.grpc,
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: endpoints.http,
    OCSVC_EXPORTER_BACKENDS: backendsEnv(sink, file),
    OCSVC_SAMPLER_DECISION_WAIT_MS: '500',
    OCSVC_SAMPLER_TICK_MS: '100',
  });
  const sent: ReadableSpan[] = [];
  for (const transport of TRANSPORTS) sent.push(...(await sendTraces(transport, endpoints, 5, 'all-in-one')));
  assert.equal(sent.length, 3 * 5 * 3);
  await expectArrived('the OTLP backend', () => sinkTraces(sink), sent);
  await expectArrived('the file backend', () => fileTraces(file), sent);
  await stopAll([aio]);
});

test('stopping all-in-one drains: spans received just before SIGTERM still reach the backends', async (t) => {
  const sink = await OtlpSink.start(t);
  const file = join(mkdtempSync(join(tmpdir(), 'ocsvc-e2e-')), 'spans.jsonl');
  const [grpcPort, httpPort] = await freePorts(2);
  const endpoints = { grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}` };
  const aio = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: endpoints.grpc,
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: endpoints.http,
    OCSVC_EXPORTER_BACKENDS: backendsEnv(sink, file),
    // Far longer than the test: only the shutdown drain can decide these traces.
    OCSVC_SAMPLER_DECISION_WAIT_MS: '600000',
  });
  const sent = await sendTraces('grpc', endpoints, 4, 'drain');
  assert.equal(await aio.stop(), 0);
  const ids = new Set<string>(flatten(sinkTraces(sink)).map((a) => a.span.spanId));
  for (const span of sent) assert.ok(ids.has(span.spanContext().spanId), `span ${span.name} drained to the backend`);
  assert.equal(flatten(fileTraces(file)).length, sent.length, aio.output.join("\n"));
});

test('a second sampler joining mid-stream takes partitions without losing or splitting a trace', async (t) => {
  const kafka = kafkaEnv(t);
  const redis = redisUrl(t);
  if (!kafka || !redis) return;
  const sink = await OtlpSink.start(t);
  const file = join(mkdtempSync(join(tmpdir(), 'ocsvc-e2e-')), 'spans.jsonl');
  const [grpcPort, httpPort] = await freePorts(2);
  const endpoints = { grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}` };
  const group = uniqueName('group');
  const samplerEnv = {
    ...kafka,
    OCSVC_REDIS_URL: redis,
    OCSVC_REDIS_KEY_PREFIX: `${group}:`,
    OCSVC_SAMPLER_GROUP_ID: `${group}-sampler`,
    OCSVC_SAMPLER_DECISION_WAIT_MS: '1500',
    OCSVC_SAMPLER_TICK_MS: '100',
  };
  const exporter = await startService(t, 'exporter', { ...kafka, OCSVC_EXPORTER_GROUP_PREFIX: group, OCSVC_EXPORTER_BACKENDS: backendsEnv(sink, file) });
  const first = await startService(t, 'sampler', samplerEnv);
  const agent = await startService(t, 'agent', {
    ...kafka,
    OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: endpoints.grpc,
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: endpoints.http,
  });

  const sent = await sendTraces('grpc', endpoints, 20, 'wave-1');
  const second = await startService(t, 'sampler', samplerEnv);
  sent.push(...(await sendTraces('http/protobuf', endpoints, 20, 'wave-2')));

  const copies = await expectArrived('the OTLP backend', () => sinkTraces(sink), sent);
  // Every trace arrives whole: all three of its spans.
  const byTrace = new Map<string, Set<string>>();
  for (const a of flatten(sinkTraces(sink))) {
    const ids = byTrace.get(a.span.traceId) ?? new Set();
    ids.add(a.span.spanId);
    byTrace.set(a.span.traceId, ids);
  }
  for (const span of sent) assert.equal(byTrace.get(span.spanContext().traceId)?.size, 3);
  // Duplicates are possible (at least once): a trace decided by the first
  // sampler after its last commit is re-read by the new owner, which follows
  // the recorded decision and sends it again. Report them.
  const duplicated = [...copies.values()].filter((n) => n > 1).length;
  t.diagnostic(`spans sent ${sent.length}; arrived more than once: ${duplicated}`);

  await stopAll([agent, first, second, exporter]);
});
