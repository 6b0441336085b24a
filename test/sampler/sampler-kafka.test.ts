// The sampler over a real Kafka broker and a real Redis (scripts/test.mjs
// starts both): traces published as the agent publishes them arrive whole on
// spans.sampled, the decisions are in Redis, the committed offsets cover them,
// and a sampler that takes over the group re-forwards nothing already done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { ConsumedRecord } from '../../lib/bus/bus.js';
import { KafkaBus } from '../../lib/bus/kafka-bus.js';
import { partitionFor } from '../../lib/bus/partitioner.js';
import { idToBytes } from '../../lib/model/ids.js';
import type { Traces } from '../../lib/model/trace.js';
import { HEADER } from '../../lib/pipeline/headers.js';
import { Publisher } from '../../lib/pipeline/publisher.js';
import { encodeTracesProto } from '../../lib/protocol/otlp/index.js';
import { RedisDecisionStore } from '../../lib/store/redis-store.js';
import { createLogger } from '../../lib/telemetry/log.js';
import { Registry } from '../../lib/telemetry/stats.js';
import { kafkaBrokers, redisUrl, uniqueName } from '../harness/env.js';
import { waitFor } from '../harness/wait-for.js';
import { traceIdN } from '../helpers/fixtures.js';
import { DEFAULT_POLICIES } from '../../lib/config/policies.js';
import { PolicySet } from '../../sampler/policy-set.js';
import { SAMPLED_BY_HEADER, Sampler } from '../../sampler/sampler.js';
import { FakeClock, RecordingBus, T0, captureLog, part, traceOf } from './harness.js';

const PARTITIONS = 4;
const TRACES = 50;
const WAIT_MS = 1_000;
const WAIT = { timeoutMs: 60_000 } as const;
// Fast rebalances: a member that leaves is noticed within seconds.
const TEST_CONSUMER = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 15_000, maxWaitTimeMs: 200, retryBackoffMs: 50 };

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const concat = (list: Traces[]): Traces => ({ resourceSpans: list.flatMap((tr) => tr.resourceSpans) });

void test('over Kafka and Redis: 50 traces arrive whole on spans.sampled, decided keep in Redis; a sampler taking over the group re-forwards nothing', { timeout: 180_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  const url = redisUrl(t);
  if (!brokers || !url) return;
  const id = uniqueName('sampler-kafka');
  const quiet = createLogger({ level: 'error', stream: process.stderr });
  const kafkaBus = new KafkaBus({ brokers, clientId: id, logger: quiet, consumer: TEST_CONSUMER });
  const store = new RedisDecisionStore({ url, keyPrefix: `${id}:` });
  const admin = new Kafka({ brokers, clientId: `${id}-admin`, logLevel: logLevel.NOTHING }).admin();
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await store.close();
    await admin.disconnect();
    await kafkaBus.close();
  });
  await kafkaBus.start();
  await store.start();
  await admin.connect();
  const topics = { spans: `${id}.spans`, spansSampled: `${id}.spans.sampled`, metrics: `${id}.metrics` };
  await kafkaBus.ensureTopics([
    { topic: topics.spans, partitions: PARTITIONS },
    { topic: topics.spansSampled, partitions: PARTITIONS },
  ]);
  const groupId = `${id}-sampler`;
  const clock = new FakeClock();

  const sampled: ConsumedRecord[] = [];
  const collector = kafkaBus.consumer({ groupId: `${id}-collector`, topics: [topics.spansSampled], fromBeginning: true, handler: async (b) => void sampled.push(...b.records) });
  closers.push(() => collector.close());
  await collector.start();

  async function startSampler() {
    const bus = new RecordingBus(kafkaBus);
    const registry = new Registry();
    const sampler = new Sampler({
      bus, store, policies: PolicySet.fromConfig(DEFAULT_POLICIES), groupId, topics,
      decisionWaitMs: WAIT_MS, decisionTtlMs: 3_600_000, tickMs: 100, maxBufferedBytes: 64 * 1024 * 1024, decideOnShutdown: false,
      registry, log: captureLog().log, now: clock.now,
    });
    closers.push(() => sampler.close());
    await sampler.start();
    return { sampler, bus, registry };
  }
  const spansLag = (registry: Registry) =>
    registry.snapshot().filter((s) => s.name === 'ocsvc_kafka_consumer_lag' && s.labels.topic === topics.spans);

  // Published as the agent publishes: each request split into one record per
  // trace; every trace comes in two requests (part 0 of all, then part 1 of all).
  const publisher = new Publisher({ bus: kafkaBus, topics, sender: 'agent-k', stats: new Registry().component('publisher', 'agent') });
  const first = await startSampler();
  for (const k of [0, 1] as const) {
    assert.deepEqual(await publisher.consumeTraces(concat(range(0, TRACES).map((n) => part(n, k))), { protocol: 'otlp/http', receivedAtMs: 99 }), { status: 'ok' });
  }
  const allBytes = range(0, TRACES).reduce((sum, n) => sum + encodeTracesProto(part(n, 0)).length + encodeTracesProto(part(n, 1)).length, 0);
  await waitFor(() => first.sampler.bufferedTraces() === TRACES && first.sampler.bufferedBytes() === allBytes, { ...WAIT, what: 'all 100 records buffered' });
  assert.equal(sampled.length, 0, 'nothing forwarded before the decision wait');

  clock.set(T0 + WAIT_MS);
  await waitFor(() => sampled.length >= 2 * TRACES, { ...WAIT, what: `${2 * TRACES} sampled records (have ${sampled.length})` });

  // Whole: each trace's two records in one produce, unchanged but for the header.
  const forwards = first.bus.calls.filter((c) => c.topic === topics.spansSampled);
  const callsPerTrace = new Map<string, number>();
  for (const call of forwards) {
    const byTrace = new Map<string, number>();
    for (const r of call.records) byTrace.set(traceOf(r), (byTrace.get(traceOf(r)) ?? 0) + 1);
    for (const [trace, n] of byTrace) {
      assert.equal(n, 2, `trace ${trace}: both records in one produce`);
      callsPerTrace.set(trace, (callsPerTrace.get(trace) ?? 0) + 1);
    }
  }
  assert.equal(callsPerTrace.size, TRACES);
  assert.ok([...callsPerTrace.values()].every((n) => n === 1), 'each trace forwarded once');
  const want = new Map(range(0, TRACES).flatMap((n) => [0, 1].map((k) => [Buffer.from(encodeTracesProto(part(n, k as 0 | 1))).toString('base64'), traceIdN(n)] as const)));
  assert.equal(sampled.length, 2 * TRACES);
  for (const r of sampled) {
    assert.equal(want.get(r.value.toString('base64')), traceOf(r), 'the value is one of the trace\'s parts, unchanged');
    assert.equal(r.partition, partitionFor(r.key!, PARTITIONS), 'on the trace\'s partition');
    assert.equal(r.headers[SAMPLED_BY_HEADER], 'always_sample');
    assert.equal(r.headers[HEADER.sender], 'agent-k');
    assert.equal(r.headers[HEADER.protocol], 'otlp/http');
  }
  assert.equal(new Set(sampled.map((r) => r.value.toString('base64'))).size, 2 * TRACES, 'no record twice');

  const decisions = await store.get(range(0, TRACES).map(traceIdN));
  decisions.forEach((d, n) => assert.deepEqual(d, { verdict: 'keep', policy: 'always_sample', decidedAtMs: T0 + WAIT_MS }, `trace ${n} in Redis`));

  // Closing commits everything decided: the group's offsets reach the log end.
  await waitFor(() => spansLag(first.registry).length === PARTITIONS && spansLag(first.registry).every((s) => s.value === 0), { ...WAIT, what: 'lag 0 on every partition' });
  await first.sampler.close();
  const ends = await admin.fetchTopicOffsets(topics.spans);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.spans] });
  for (const { partition, high } of ends) {
    assert.equal(committed!.partitions.find((p) => p.partition === partition)?.offset, high, `partition ${partition} committed to its end`);
  }

  // A sampler taking over the group: new traces, one per partition, show it
  // consumes everything; what it forwards of the first 50 are duplicates.
  const second = await startSampler();
  const probes = [...new Map(range(TRACES, 64).map((n) => [partitionFor(idToBytes(traceIdN(n)), PARTITIONS), n])).values()];
  clock.set(T0 + 2 * WAIT_MS);
  assert.deepEqual(await publisher.consumeTraces(concat(probes.map((n) => part(n, 0))), { protocol: 'otlp/http', receivedAtMs: 100 }), { status: 'ok' });
  await waitFor(() => second.sampler.bufferedTraces() === probes.length, { ...WAIT, what: 'the probe traces buffered by the new sampler' });
  clock.set(T0 + 3 * WAIT_MS);
  await waitFor(() => probes.every((n) => sampled.some((r) => traceOf(r) === traceIdN(n))), { ...WAIT, what: 'the probe traces forwarded' });
  await waitFor(() => spansLag(second.registry).length === PARTITIONS && spansLag(second.registry).every((s) => s.value === 0), { ...WAIT, what: 'the new sampler caught up' });

  const duplicates = sampled.filter((r) => range(0, TRACES).some((n) => traceOf(r) === traceIdN(n))).length - 2 * TRACES;
  t.diagnostic(`records of the first ${TRACES} traces forwarded again after the takeover: ${duplicates}`);
  assert.equal(duplicates, 0, 'everything decided was committed before the takeover');
  assert.equal(sampled.length, 2 * TRACES + probes.length);
});
