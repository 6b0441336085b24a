// The publisher is where "acknowledged means in Kafka" starts: one record per
// trace keyed by the 16 trace-ID bytes (so a trace meets one sampler), one
// record per resource for metrics, source headers on every record, and 'ok'
// only once the bus holds every record. Run against the real in-memory bus.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ConsumedRecord } from '../../../lib/bus/bus.js';
import { MemoryBus, type MemoryBusOptions } from '../../../lib/bus/memory-bus.js';
import { partitionFor } from '../../../lib/bus/partitioner.js';
import { dataPointCount, type Metrics } from '../../../lib/model/metrics.js';
import type { Traces } from '../../../lib/model/trace.js';
import { HEADER } from '../../../lib/pipeline/headers.js';
import { Publisher } from '../../../lib/pipeline/publisher.js';
import { decodeMetricsProto, decodeTracesProto } from '../../../lib/protocol/otlp/index.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { uniqueName } from '../../harness/env.js';
import { waitFor } from '../../harness/wait-for.js';
import { sampleMetrics, sampleTraces, traceIdN } from '../../helpers/fixtures.js';

const PARTITIONS = 4;
const CTX = { protocol: 'otlp/grpc', peer: '127.0.0.1:5000', receivedAtMs: 1_700_000_000_123 };
const quiet = createLogger({ level: 'error', stream: process.stderr });

async function setup(t: TestContext, busOptions: MemoryBusOptions = {}) {
  const bus = new MemoryBus({ logger: quiet, ...busOptions });
  t.after(() => bus.close());
  const topics = { spans: uniqueName('spans'), metrics: uniqueName('metrics') };
  await bus.ensureTopics([
    { topic: topics.spans, partitions: PARTITIONS },
    { topic: topics.metrics, partitions: PARTITIONS },
  ]);
  const registry = new Registry();
  const publisher = new Publisher({ bus, topics, sender: 'agent-7', stats: registry.component('publisher', 'agent') });
  return { bus, topics, registry, publisher };
}

/** Everything on a topic, read through a consumer group of its own (which never commits, so retention keeps it all). */
async function reader(t: TestContext, bus: MemoryBus, topic: string) {
  const records: ConsumedRecord[] = [];
  const consumer = bus.consumer({ groupId: uniqueName('reader'), topics: [topic], fromBeginning: true, handler: async (b) => void records.push(...b.records) });
  t.after(() => consumer.close());
  await consumer.start();
  return records;
}

function endOffsets(bus: MemoryBus, topic: string): bigint[] {
  return Array.from({ length: PARTITIONS }, (_, p) => bus.endOffset(topic, p));
}

const counter = (registry: Registry, name: string, where: Record<string, string> = {}) =>
  registry.total(`ocsvc_component_${name}_items_total`, { component: 'publisher', ...where });

/** Where each span of the input lives: its resource and scope, with their schema URLs. */
function placesOf(traces: Traces) {
  const places = new Map<string, unknown>();
  for (const rs of traces.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) places.set(span.spanId, { resource: rs.resource, rsSchema: rs.schemaUrl, scope: ss.scope, ssSchema: ss.schemaUrl, span });
    }
  }
  return places;
}

void test('spans of 3 traces become 3 records, keyed by trace ID, on the key\'s partition, each holding exactly its trace', async (t) => {
  const { bus, topics, registry, publisher } = await setup(t);
  const input = sampleTraces({ traceCount: 3 });
  const records = await reader(t, bus, topics.spans);

  assert.deepEqual(await publisher.consumeTraces(input, CTX), { status: 'ok' });
  await waitFor(() => records.length >= 3, { timeoutMs: 5_000, what: '3 records' });

  assert.equal(records.length, 3);
  const places = placesOf(input);
  const seenTraces = new Set<string>();
  for (const r of records) {
    assert.equal(r.key?.length, 16);
    const traceId = r.key!.toString('hex');
    seenTraces.add(traceId);
    assert.equal(r.partition, partitionFor(r.key!, PARTITIONS), 'the key decides the partition');
    const decoded = decodeTracesProto(r.value);
    const spanIds: string[] = [];
    for (const rs of decoded.resourceSpans) {
      assert.ok(rs.scopeSpans.length > 0, 'no empty resource entries');
      for (const ss of rs.scopeSpans) {
        assert.ok(ss.spans.length > 0, 'no empty scope entries');
        for (const span of ss.spans) {
          assert.equal(span.traceId, traceId, 'only spans of the key\'s trace');
          assert.deepEqual({ resource: rs.resource, rsSchema: rs.schemaUrl, scope: ss.scope, ssSchema: ss.schemaUrl, span }, places.get(span.spanId));
          spanIds.push(span.spanId);
        }
      }
    }
    const want = [...places.entries()].filter(([, p]) => (p as { span: { traceId: string } }).span.traceId === traceId).map(([id]) => id);
    assert.deepEqual(spanIds.sort(), want.sort(), `every span of trace ${traceId}`);
  }
  assert.deepEqual([...seenTraces].sort(), [traceIdN(0), traceIdN(1), traceIdN(2)].sort());
  assert.equal(counter(registry, 'received', { signal: 'traces' }), 9);
  assert.equal(counter(registry, 'sent', { signal: 'traces' }), 9);
});

void test('every record carries the source protocol, the sender and the receive time', async (t) => {
  const { bus, topics, publisher } = await setup(t);
  const spans = await reader(t, bus, topics.spans);
  const metrics = await reader(t, bus, topics.metrics);
  await publisher.consumeTraces(sampleTraces({ traceCount: 2 }), CTX);
  await publisher.consumeMetrics(sampleMetrics(), { protocol: 'otlp/http', receivedAtMs: 42 });
  await waitFor(() => spans.length >= 2 && metrics.length >= 1, { timeoutMs: 5_000, what: 'records' });
  for (const r of spans) {
    assert.deepEqual(r.headers, { [HEADER.protocol]: 'otlp/grpc', [HEADER.sender]: 'agent-7', [HEADER.receivedAtMs]: '1700000000123' });
  }
  assert.deepEqual(metrics[0]!.headers, { [HEADER.protocol]: 'otlp/http', [HEADER.sender]: 'agent-7', [HEADER.receivedAtMs]: '42' });
});

void test('a later request for the same trace lands on the same partition with the same key', async (t) => {
  const { bus, topics, publisher } = await setup(t);
  const records = await reader(t, bus, topics.spans);
  const input = sampleTraces({ traceCount: 8 });
  await publisher.consumeTraces(input, CTX);
  await publisher.consumeTraces(input, { ...CTX, receivedAtMs: CTX.receivedAtMs + 1 });
  await waitFor(() => records.length >= 16, { timeoutMs: 5_000, what: '16 records' });
  const partitionOf = new Map<string, number>();
  for (const r of records) {
    const key = r.key!.toString('hex');
    if (partitionOf.has(key)) assert.equal(r.partition, partitionOf.get(key));
    partitionOf.set(key, r.partition);
  }
  assert.equal(partitionOf.size, 8);
});

void test('metrics become one record per resource, keyed so that one resource always meets one partition', async (t) => {
  const { bus, topics, registry, publisher } = await setup(t);
  const records = await reader(t, bus, topics.metrics);
  const base = sampleMetrics().resourceMetrics[0]!;
  const other = { ...base, resource: { ...base.resource, attributes: [{ key: 'service.name', value: { kind: 'string' as const, value: 'billing' } }] } };
  // The same resource with its attributes in another order: the same series.
  const reordered = { ...base, resource: { ...base.resource, attributes: [...base.resource.attributes].reverse() } };
  const input: Metrics = { resourceMetrics: [base, other] };

  assert.deepEqual(await publisher.consumeMetrics(input, CTX), { status: 'ok' });
  assert.deepEqual(await publisher.consumeMetrics({ resourceMetrics: [reordered] }, CTX), { status: 'ok' });
  await waitFor(() => records.length >= 3, { timeoutMs: 5_000, what: '3 records' });

  assert.equal(records.length, 3);
  const byService = new Map<string, ConsumedRecord[]>();
  for (const r of records) {
    assert.equal(r.key?.length, 16);
    assert.equal(r.partition, partitionFor(r.key!, PARTITIONS));
    const decoded = decodeMetricsProto(r.value);
    assert.equal(decoded.resourceMetrics.length, 1, 'one resource per record');
    const service = decoded.resourceMetrics[0]!.resource.attributes.find((a) => a.key === 'service.name')!.value;
    const name = (service as { value: string }).value;
    byService.set(name, [...(byService.get(name) ?? []), r]);
  }
  const frontend = byService.get('frontend')!;
  const billing = byService.get('billing')!;
  assert.equal(frontend.length, 2);
  assert.equal(billing.length, 1);
  assert.deepEqual(frontend[0]!.key, frontend[1]!.key, 'attribute order does not change the key');
  assert.notDeepEqual(frontend[0]!.key, billing[0]!.key);
  assert.deepEqual(decodeMetricsProto(frontend[0]!.value), { resourceMetrics: [base] });
  assert.deepEqual(decodeMetricsProto(billing[0]!.value), { resourceMetrics: [other] });
  assert.equal(counter(registry, 'sent', { signal: 'metrics' }), dataPointCount(input) + dataPointCount({ resourceMetrics: [reordered] }));
});

void test('an empty request is ok and publishes nothing', async (t) => {
  const { bus, topics, registry, publisher } = await setup(t);
  assert.deepEqual(await publisher.consumeTraces({ resourceSpans: [] }, CTX), { status: 'ok' });
  assert.deepEqual(await publisher.consumeMetrics({ resourceMetrics: [] }, CTX), { status: 'ok' });
  assert.deepEqual(endOffsets(bus, topics.spans), [0n, 0n, 0n, 0n]);
  assert.equal(counter(registry, 'received'), 0);
});

void test('when the bus is full the outcome is retryable with the bus\'s delay, counted refused, and nothing of it is in the bus', async (t) => {
  const input = sampleTraces({ traceCount: 3 });
  // Size one request on an unbounded bus, then allow one and a half.
  const probe = await setup(t);
  await reader(t, probe.bus, probe.topics.spans);
  await probe.publisher.consumeTraces(input, CTX);
  const oneRequest = probe.bus.retainedBytes();
  assert.ok(oneRequest > 0);

  const { bus, topics, registry, publisher } = await setup(t, { maxBytes: Math.floor(oneRequest * 1.5), fullRetryAfterMs: 2_500 });
  // A group that never commits: retention keeps everything, so the bus fills.
  await reader(t, bus, topics.spans);
  assert.deepEqual(await publisher.consumeTraces(input, CTX), { status: 'ok' });
  const before = endOffsets(bus, topics.spans);

  const outcome = await publisher.consumeTraces(input, CTX);
  assert.ok(outcome.status === 'retryable', `got ${outcome.status}`);
  assert.equal(outcome.reason, 'bus_full');
  assert.match(outcome.message ?? '', /bus full/);
  assert.equal(outcome.retryAfterMs, 2_500);
  assert.equal(outcome.exhausted, true, 'out of room: the client hears RESOURCE_EXHAUSTED / 429');
  assert.deepEqual(endOffsets(bus, topics.spans), before, 'a refused request left nothing in the bus');
  assert.equal(counter(registry, 'refused', { reason: 'bus_full', signal: 'traces' }), 9);
  assert.equal(counter(registry, 'sent', { signal: 'traces' }), 9, 'only the first request counts as sent');
  assert.equal(counter(registry, 'received', { signal: 'traces' }), 18);
});

void test('when the bus is closed the outcome is retryable and counted refused', async (t) => {
  const { bus, registry, publisher } = await setup(t);
  await bus.close();
  const outcome = await publisher.consumeTraces(sampleTraces(), CTX);
  assert.ok(outcome.status === 'retryable', `got ${outcome.status}`);
  assert.equal(outcome.reason, 'bus_closed');
  assert.equal(outcome.exhausted, false, 'a bus that is down is not a full one');
  assert.equal(counter(registry, 'refused', { reason: 'bus_closed' }), 9);
  assert.equal(counter(registry, 'sent'), 0);
  const metricsOutcome = await publisher.consumeMetrics(sampleMetrics(), CTX);
  assert.equal(metricsOutcome.status, 'retryable');
});

void test(
  'records that can never fit in the bus are rejected, not retried forever',
  async (t) => {
    const { publisher } = await setup(t, { maxBytes: 200 });
    const outcome = await publisher.consumeTraces(sampleTraces({ traceCount: 1 }), CTX);
    assert.equal(outcome.status, 'rejected');
  },
);
