// A backend pipeline between the real in-memory bus and a real OTLP server
// (the test sink) through the real OTLP backends wrapped in retry. What must
// hold: data arrives unchanged; an offset is committed only once the backend
// accepted the data, or what it refused for good is in its dead-letter topic
// (or, without one, counted dropped); bad records likewise; requests respect
// maxBatchItems; and one failing backend holds back no other.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { Backend } from '../../lib/backend/backend.js';
import { createBackend } from '../../lib/backend/registry.js';
import { withRetry } from '../../lib/backend/retry.js';
import type { ConsumedRecord, OutRecord } from '../../lib/bus/bus.js';
import { MemoryBus } from '../../lib/bus/memory-bus.js';
import { partitionKey } from '../../lib/bus/topic-partition.js';
import { idToBytes } from '../../lib/model/ids.js';
import { dataPointCount } from '../../lib/model/metrics.js';
import type { Traces } from '../../lib/model/trace.js';
import { decodeTracesProto, encodeMetricsProto, encodeTracesProto, splitTracesByTraceId } from '../../lib/protocol/otlp/index.js';
import { createLogger } from '../../lib/telemetry/log.js';
import { Registry } from '../../lib/telemetry/stats.js';
import { uniqueName } from '../harness/env.js';
import { waitFor } from '../harness/wait-for.js';
import { sampleMetrics, sampleTraces } from '../helpers/fixtures.js';
import { OtlpSink } from '../helpers/otlp-sink.js';
import { BackendPipeline, DEAD_LETTER_HEADERS } from '../../exporter/backend-pipeline.js';
import { captureLog } from '../sampler/harness.js';

type Transport = 'grpc' | 'http';
const WAIT = { timeoutMs: 10_000 } as const;
const GARBAGE = Buffer.from([0xff, 0xff, 0xff]);

async function setup(t: TestContext, partitions = 1) {
  const bus = new MemoryBus({ logger: createLogger({ level: 'error', stream: process.stderr }), retryBackoffMs: 10 });
  const topics = { traces: uniqueName('spans.sampled'), metrics: uniqueName('metrics') };
  await bus.ensureTopics([
    { topic: topics.traces, partitions },
    { topic: topics.metrics, partitions },
  ]);
  const pipelines: BackendPipeline[] = [];
  t.after(async () => {
    for (const p of pipelines) await p.close().catch(() => undefined);
    await bus.close();
  });

  async function pipeline(o: {
    sink: OtlpSink;
    transport?: Transport;
    maxBatchItems?: number;
    groupId?: string;
    name?: string;
    deadLetter?: string;
    maxElapsedMs?: number;
  }) {
    const registry = new Registry();
    const logs = captureLog();
    const name = o.name ?? 'sink';
    const lagAtRetry: bigint[] = [];
    const ref: { pipeline?: BackendPipeline } = {};
    const inner: Backend =
      (o.transport ?? 'grpc') === 'grpc'
        ? createBackend('otlp', { endpoint: o.sink.grpcEndpoint, insecure: true, timeoutMs: 5_000 }, { log: () => undefined })
        : createBackend('otlphttp', { endpoint: o.sink.httpEndpoint, timeoutMs: 5_000 }, { log: () => undefined });
    const backend = withRetry(inner, {
      initialIntervalMs: 10,
      maxIntervalMs: 20,
      maxElapsedMs: o.maxElapsedMs ?? 0,
      onRetry: () => lagAtRetry.push(ref.pipeline!.lag()),
    });
    const groupId = o.groupId ?? uniqueName(`exporter-${name}`);
    const deadLetterTopics = o.deadLetter === undefined ? undefined : { traces: o.deadLetter };
    const created = new BackendPipeline({ name, bus, backend, groupId, topics, maxBatchItems: o.maxBatchItems ?? 8_192, deadLetterTopics, registry, log: logs.log });
    ref.pipeline = created;
    pipelines.push(created);
    await created.start();
    return { pipeline: created, registry, logs, lagAtRetry, groupId };
  }

  /** One record per trace, as the sampler forwards them. */
  const produceTraces = (traces: Traces[]) =>
    bus.produce(
      topics.traces,
      traces.map((tr): OutRecord => ({ key: idToBytes(tr.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId), value: Buffer.from(encodeTracesProto(tr)), headers: { 'ocsvc.sampled_by': 'always_sample' } })),
    );
  return { bus, topics, pipeline, produceTraces };
}

/** n records of one trace each, 3 spans per trace, every field filled in the first. */
function traceRecords(n: number): Traces[] {
  return [...splitTracesByTraceId(sampleTraces({ traceCount: n })).values()];
}

const resourceSpansOf = (list: Traces[]) => list.flatMap((tr) => tr.resourceSpans);
const spanCountOf = (list: Traces[]) => resourceSpansOf(list).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).length;
const stat = (registry: Registry, name: string, where: Record<string, string> = {}) =>
  registry.total(`ocsvc_component_${name}_items_total`, where);

for (const transport of ['grpc', 'http'] as const) {
  void test(`records on spans.sampled arrive at the backend unchanged (OTLP/${transport}), and their offsets are committed`, async (t) => {
    const rig = await setup(t);
    const sink = await OtlpSink.start(t);
    const { pipeline, registry } = await rig.pipeline({ sink, transport });
    const input = traceRecords(5);
    await rig.produceTraces(input.slice(0, 2));
    await rig.produceTraces(input.slice(2));
    await waitFor(() => sink.spans().length === 15, { ...WAIT, what: '15 spans at the sink' });
    assert.deepEqual(resourceSpansOf(sink.traces()), resourceSpansOf(input), 'the same resources, scopes and spans, in order');
    await waitFor(() => pipeline.lag() === 0n, { ...WAIT, what: 'lag 0' });
    assert.equal(stat(registry, 'sent', { signal: 'traces' }), 15);
    assert.equal(stat(registry, 'dropped'), 0);
    const lag = registry.snapshot().filter((s) => s.name === 'ocsvc_kafka_consumer_lag');
    assert.deepEqual(lag.map((s) => [s.labels.topic, s.value]).sort(), [[rig.topics.metrics, 0], [rig.topics.traces, 0]].sort());
  });
}

void test('an offset is committed only after the backend accepted: while it fails the lag stays, the backend sees every retry, then success clears the lag', async (t) => {
  const rig = await setup(t);
  const sink = await OtlpSink.start(t);
  sink.failNext(3, { grpcCode: status.UNAVAILABLE, message: 'warming up' });
  const { pipeline, lagAtRetry, registry } = await rig.pipeline({ sink });
  const input = traceRecords(2);
  await rig.produceTraces(input);
  await waitFor(() => sink.accepted().length === 1, { ...WAIT, what: 'an accepted request' });
  assert.equal(sink.requests.length, 4, '3 failures, then success');
  assert.deepEqual(sink.requests.map((r) => r.answer.kind), ['failed', 'failed', 'failed', 'ok']);
  for (const r of sink.requests) assert.deepEqual(r.body, sink.requests[3]!.body, 'the same request each time');
  assert.deepEqual(lagAtRetry, [2n, 2n, 2n], 'nothing committed while the backend refused');
  await waitFor(() => pipeline.lag() === 0n, { ...WAIT, what: 'lag 0 after success' });
  assert.deepEqual(resourceSpansOf(sink.traces()), resourceSpansOf(input));
  assert.equal(stat(registry, 'sent'), 6);
});

for (const transport of ['grpc', 'http'] as const) {
  void test(`without a dead-letter topic, data the backend refuses for good (OTLP/${transport}) is counted dropped rejected_by_backend and the offset moves on`, async (t) => {
    const rig = await setup(t);
    const sink = await OtlpSink.start(t);
    sink.failNext(1, { grpcCode: status.INVALID_ARGUMENT, httpStatus: 400, message: 'bad data' });
    const { pipeline, registry, logs } = await rig.pipeline({ sink, transport });
    const [first, second] = traceRecords(2);
    await rig.produceTraces([first!]);
    await waitFor(() => pipeline.lag() === 0n && stat(registry, 'dropped') > 0, { ...WAIT, what: 'the refused record committed' });
    assert.equal(sink.requests.length, 1, 'not retried');
    assert.equal(stat(registry, 'dropped', { reason: 'rejected_by_backend', signal: 'traces' }), 3);
    assert.equal(logs.count('dropping data that cannot be delivered (no dead-letter topic)'), 1);

    await rig.produceTraces([second!]);
    await waitFor(() => sink.accepted().length === 1 && pipeline.lag() === 0n, { ...WAIT, what: 'the next record exported' });
    assert.deepEqual(sink.traces(), [second]);
    assert.equal(stat(registry, 'sent'), 3);
  });
}

void test('a partial success counts the refused items as dropped and commits', async (t) => {
  const rig = await setup(t);
  const sink = await OtlpSink.start(t);
  sink.partialSuccessNext(1, 2, 'span too large');
  const { pipeline, registry } = await rig.pipeline({ sink });
  await rig.produceTraces(traceRecords(1));
  await waitFor(() => pipeline.lag() === 0n && sink.accepted().length === 1, { ...WAIT, what: 'committed' });
  assert.equal(stat(registry, 'dropped', { reason: 'partially_rejected_by_backend' }), 2);
  assert.equal(stat(registry, 'sent'), 1);
});

void test('without a dead-letter topic, an undecodable record is counted dropped and skipped; the valid records around it are still exported', async (t) => {
  const rig = await setup(t);
  const sink = await OtlpSink.start(t);
  const [a, b] = traceRecords(2);
  // Produced before the pipeline starts, so that all three come in one batch.
  await rig.produceTraces([a!]);
  await rig.bus.produce(rig.topics.traces, [{ key: null, value: GARBAGE }]);
  await rig.produceTraces([b!]);
  const { pipeline, registry, logs } = await rig.pipeline({ sink });
  await waitFor(() => pipeline.lag() === 0n && sink.spans().length === 6, { ...WAIT, what: 'a and b exported and committed' });
  assert.deepEqual(resourceSpansOf(sink.traces()), resourceSpansOf([a!, b!]));
  assert.equal(stat(registry, 'dropped', { reason: 'undecodable_record', signal: 'traces' }), 1);
  assert.equal(logs.count('dropping data that cannot be delivered (no dead-letter topic)'), 1);

  // A batch of nothing but a bad record is committed too, without a request.
  const before = sink.requests.length;
  await rig.bus.produce(rig.topics.traces, [{ key: null, value: GARBAGE }]);
  await waitFor(() => stat(registry, 'dropped', { reason: 'undecodable_record' }) === 2 && pipeline.lag() === 0n, { ...WAIT, what: 'the lone bad record committed' });
  assert.equal(sink.requests.length, before);
});

/** Every record of a topic, read by a throwaway group. */
async function readTopic(t: TestContext, bus: MemoryBus, topic: string, count: number): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const consumer = bus.consumer({ groupId: uniqueName('reader'), topics: [topic], fromBeginning: true, handler: async (b) => void records.push(...b.records) });
  t.after(() => consumer.close());
  await consumer.start();
  await waitFor(() => records.length >= count, { ...WAIT, what: `${count} records on ${topic}` });
  return records;
}

void test('what the backend refuses for good goes to its dead-letter topic unchanged, with why in headers, and only then is committed', async (t) => {
  const rig = await setup(t);
  const dlq = uniqueName('dlq');
  await rig.bus.ensureTopics([{ topic: dlq, partitions: 1 }]);
  const sink = await OtlpSink.start(t);
  sink.failNext(1, { grpcCode: status.INVALID_ARGUMENT, message: 'bad data' });
  const { pipeline, registry } = await rig.pipeline({ sink, deadLetter: dlq });
  const [first, second] = traceRecords(2);
  await rig.produceTraces([first!]);
  const [kept] = await readTopic(t, rig.bus, dlq, 1);
  assert.deepEqual(decodeTracesProto(kept!.value), first, 'the record as consumed');
  assert.deepEqual(kept!.key, idToBytes(first!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId));
  assert.equal(kept!.headers['ocsvc.sampled_by'], 'always_sample', 'its own headers kept');
  assert.match(kept!.headers[DEAD_LETTER_HEADERS.reason]!, /^rejected_by_backend: .*bad data/);
  assert.equal(kept!.headers[DEAD_LETTER_HEADERS.backend], 'sink');
  assert.equal(kept!.headers[DEAD_LETTER_HEADERS.source], `${rig.topics.traces}/0/0`);
  assert.ok(Math.abs(Number(kept!.headers[DEAD_LETTER_HEADERS.atMs]) - Date.now()) < 60_000);
  await waitFor(() => pipeline.lag() === 0n, { ...WAIT, what: 'committed after dead-lettering' });
  assert.equal(stat(registry, 'dropped', { reason: 'dead_lettered_rejected_by_backend', signal: 'traces' }), 3);
  assert.equal(sink.requests.length, 1, 'not retried');

  await rig.produceTraces([second!]);
  await waitFor(() => sink.accepted().length === 1, { ...WAIT, what: 'the next record exported' });
  assert.deepEqual(sink.traces(), [second]);
});

void test('undecodable records go to the dead-letter topic in place, between the records around them', async (t) => {
  const rig = await setup(t);
  const dlq = uniqueName('dlq');
  await rig.bus.ensureTopics([{ topic: dlq, partitions: 1 }]);
  const sink = await OtlpSink.start(t);
  const [a, b] = traceRecords(2);
  await rig.produceTraces([a!]);
  await rig.bus.produce(rig.topics.traces, [{ key: null, value: GARBAGE, headers: { origin: 'test' } }]);
  await rig.produceTraces([b!]);
  const { pipeline, registry } = await rig.pipeline({ sink, deadLetter: dlq });
  await waitFor(() => pipeline.lag() === 0n && sink.spans().length === 6, { ...WAIT, what: 'a and b exported and committed' });
  const [bad] = await readTopic(t, rig.bus, dlq, 1);
  assert.deepEqual(bad!.value, GARBAGE);
  assert.equal(bad!.headers.origin, 'test');
  assert.match(bad!.headers[DEAD_LETTER_HEADERS.reason]!, /^undecodable_record: /);
  assert.equal(bad!.headers[DEAD_LETTER_HEADERS.source], `${rig.topics.traces}/0/1`);
  assert.equal(stat(registry, 'dropped', { reason: 'dead_lettered_undecodable_record' }), 1);
});

void test('a request still failing after retry.maxElapsedMs goes to the dead-letter topic; without one it is retried, never lost', async (t) => {
  const rig = await setup(t);
  const dlq = uniqueName('dlq');
  await rig.bus.ensureTopics([{ topic: dlq, partitions: 1 }]);
  const sink = await OtlpSink.start(t);
  sink.failNext(1_000, { grpcCode: status.UNAVAILABLE, message: 'down for maintenance' });
  const { pipeline, registry } = await rig.pipeline({ sink, deadLetter: dlq, maxElapsedMs: 100 });
  const [first] = traceRecords(1);
  await rig.produceTraces([first!]);
  const [kept] = await readTopic(t, rig.bus, dlq, 1);
  assert.match(kept!.headers[DEAD_LETTER_HEADERS.reason]!, /^retries_exhausted: .*down for maintenance.*gave up after \d+ attempts/);
  await waitFor(() => pipeline.lag() === 0n, { ...WAIT, what: 'committed after dead-lettering' });
  assert.equal(stat(registry, 'dropped', { reason: 'dead_lettered_retries_exhausted' }), 3);
});

void test('while the dead-letter topic cannot be written, nothing is committed; once it can, the record goes there', async (t) => {
  const rig = await setup(t);
  const dlq = uniqueName('dlq'); // not created yet: producing to it fails
  const sink = await OtlpSink.start(t);
  sink.failNext(1_000, { grpcCode: status.INVALID_ARGUMENT, message: 'never' });
  const { pipeline, registry } = await rig.pipeline({ sink, deadLetter: dlq });
  await rig.produceTraces(traceRecords(1));
  await waitFor(() => sink.requests.length >= 2, { ...WAIT, what: 'the batch delivered again' });
  assert.equal(pipeline.lag(), 1n, 'not committed while the dead-letter topic refuses');
  assert.equal(stat(registry, 'dropped'), 0);
  await rig.bus.ensureTopics([{ topic: dlq, partitions: 1 }]);
  await readTopic(t, rig.bus, dlq, 1);
  await waitFor(() => pipeline.lag() === 0n, { ...WAIT, what: 'committed once dead-lettered' });
});

void test('maxBatchItems splits a large batch into several export requests, all content arriving in order', async (t) => {
  const rig = await setup(t);
  const sink = await OtlpSink.start(t);
  const input = traceRecords(10); // 3 spans each
  await rig.produceTraces(input);
  const { pipeline } = await rig.pipeline({ sink, maxBatchItems: 6 });
  await waitFor(() => sink.spans().length === 30 && pipeline.lag() === 0n, { ...WAIT, what: '30 spans' });
  const perRequest = sink.traces().map((tr) => spanCountOf([tr]));
  assert.ok(perRequest.length >= 5, `split into ${perRequest.length} requests`);
  assert.ok(perRequest.every((n) => n <= 6), `at most 6 spans per request: ${perRequest.join(', ')}`);
  assert.deepEqual(resourceSpansOf(sink.traces()), resourceSpansOf(input));
});

void test(
  'no export request carries more than maxBatchItems when the records are each within it',
  async (t) => {
    const rig = await setup(t);
    const sink = await OtlpSink.start(t);
    await rig.produceTraces(traceRecords(4));
    const { pipeline } = await rig.pipeline({ sink, maxBatchItems: 4 });
    await waitFor(() => sink.spans().length === 12 && pipeline.lag() === 0n, { ...WAIT, what: '12 spans' });
    const perRequest = sink.traces().map((tr) => spanCountOf([tr]));
    assert.ok(perRequest.every((n) => n <= 4), `spans per request: ${perRequest.join(', ')}`);
  },
);

void test('metrics records reach the backend\'s metrics service unchanged', async (t) => {
  const rig = await setup(t);
  const sink = await OtlpSink.start(t);
  const { pipeline, registry } = await rig.pipeline({ sink, transport: 'http' });
  await rig.bus.produce(rig.topics.metrics, [{ key: null, value: Buffer.from(encodeMetricsProto(sampleMetrics())) }]);
  await waitFor(() => sink.metrics().length === 1 && pipeline.lag() === 0n, { ...WAIT, what: 'metrics exported' });
  assert.deepEqual(sink.metrics(), [sampleMetrics()]);
  assert.equal(sink.requests[0]!.signal, 'metrics');
  assert.equal(stat(registry, 'sent', { signal: 'metrics' }), dataPointCount(sampleMetrics()));
  assert.equal(sink.traces().length, 0);
});

void test('a failing backend holds back no other: each pipeline has its own group', async (t) => {
  const rig = await setup(t, 2);
  const down = await OtlpSink.start(t);
  const up = await OtlpSink.start(t);
  down.failNext(10_000, { grpcCode: status.UNAVAILABLE, message: 'down' });
  const failing = await rig.pipeline({ sink: down, name: 'down' });
  const healthy = await rig.pipeline({ sink: up, name: 'up', transport: 'http' });
  const input = traceRecords(6);
  await rig.produceTraces(input);

  await waitFor(() => up.spans().length === 18 && healthy.pipeline.lag() === 0n, { ...WAIT, what: 'everything at the healthy backend' });
  assert.ok(down.requests.length >= 1 && down.accepted().length === 0, 'the other backend is still failing');
  assert.ok(failing.pipeline.lag() > 0n, 'and its data is still uncommitted');

  down.reset(); // the backend recovers
  await waitFor(() => down.spans().length === 18 && failing.pipeline.lag() === 0n, { ...WAIT, what: 'everything at the recovered backend' });
  const ids = (sink: OtlpSink) => sink.spans().map((s) => s.spanId).sort();
  assert.deepEqual(ids(down), ids(up));
});

void test('closing while the backend fails leaves the offset uncommitted, and the next pipeline of the group exports the data', async (t) => {
  const rig = await setup(t);
  const sink = await OtlpSink.start(t);
  sink.failNext(10_000, { grpcCode: status.UNAVAILABLE, message: 'down' });
  const first = await rig.pipeline({ sink });
  const input = traceRecords(3);
  await rig.produceTraces(input);
  await waitFor(() => sink.requests.length >= 2, { ...WAIT, what: 'retries under way' });
  await first.pipeline.close();
  assert.equal(rig.bus.group(first.groupId).committed.get(partitionKey(rig.topics.traces, 0)), undefined, 'nothing committed');

  sink.reset();
  const second = await rig.pipeline({ sink, groupId: first.groupId });
  await waitFor(() => sink.spans().length === 9 && second.pipeline.lag() === 0n, { ...WAIT, what: 'the data exported by the next pipeline' });
  assert.deepEqual(resourceSpansOf(sink.traces()), resourceSpansOf(input));
});
