// The spooling bus over an in-memory "Kafka" with a switch (switch-bus.ts):
// it passes the bus contract untouched; while Kafka refuses or hangs, produce
// resolves once the records are in the spool; when Kafka is back everything
// arrives, in order per key, none lost; the bound and records Kafka refuses
// for good get the right errors; a restart keeps the spool.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { ConsumedRecord, OutRecord } from '../../../lib/bus/bus.js';
import { MemoryBus } from '../../../lib/bus/memory-bus.js';
import { InvalidInputError, UnavailableError } from '../../../lib/errors.js';
import { SpoolingBus, type SpoolingBusOptions } from '../../../lib/spool/spooling-bus.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { uniqueName } from '../../harness/env.js';
import { MemoryFs } from '../../helpers/memory-fs.js';
import { runBusContract } from '../bus/contract.js';
import { DIR, lineCollector, tempDir } from './helpers.js';
import { SwitchBus } from './switch-bus.js';

interface Setup {
  bus: SpoolingBus;
  kafka: SwitchBus;
  topic: string;
  lines: string[];
  registry: Registry;
}

type Options = Partial<Omit<SpoolingBusOptions, 'spool'>> & { spool?: Partial<SpoolingBusOptions['spool']> };

function spoolingBus(t: TestContext, kafka: SwitchBus, options: Options = {}) {
  const { lines, stream } = lineCollector();
  const registry = new Registry();
  const bus = new SpoolingBus({
    inner: kafka,
    kafkaTimeoutMs: 200,
    drainBatchRecords: 7,
    drainBatchBytes: 64 * 1024,
    retryBackoffMs: 10,
    maxRetryBackoffMs: 50,
    registry,
    logger: createLogger({ level: 'info', stream }),
    ...options,
    spool: { directory: DIR, maxBytes: 1024 * 1024, segmentBytes: 4 * 1024, fsync: { mode: 'always' }, fs: new MemoryFs(), ...options.spool },
  });
  t.after(() => bus.close().catch(() => undefined));
  return { bus, lines, registry };
}

async function setup(t: TestContext, options: Options = {}, partitions = 3): Promise<Setup> {
  const kafka = new SwitchBus();
  const { bus, lines, registry } = spoolingBus(t, kafka, options);
  await bus.start();
  const topic = uniqueName('spool');
  await bus.ensureTopics([{ topic, partitions }]);
  return { bus, kafka, topic, lines, registry };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A consumer of the inner bus that keeps everything, from the beginning. */
async function collect(t: TestContext, s: Setup): Promise<ConsumedRecord[]> {
  const got: ConsumedRecord[] = [];
  const consumer = s.bus.consumer({ groupId: uniqueName('g'), topics: [s.topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  t.after(() => consumer.close());
  await consumer.start();
  return got;
}

const KEYS = ['trace-a', 'trace-b', 'trace-c', 'trace-d'];
/** Record n of key n % 4, its number in the value. */
function rec(n: number): OutRecord {
  return { key: Buffer.from(KEYS[n % KEYS.length]!), value: Buffer.from(String(n)), headers: { n: String(n) } };
}
const numberOf = (r: ConsumedRecord) => Number(r.value.toString());

/** Every number in `expected` arrived, and per key their first arrivals are in increasing order. */
function assertAllInOrderPerKey(got: ConsumedRecord[], expected: number[]): void {
  const seen = new Set(got.map(numberOf));
  const missing = expected.filter((n) => !seen.has(n));
  assert.deepEqual(missing, [], `lost: ${missing.join(', ')}`);
  const firstSeen = new Set<number>();
  const lastPerKey = new Map<string, number>();
  for (const r of got) {
    const n = numberOf(r);
    if (firstSeen.has(n)) continue; // a duplicate (at least once)
    firstSeen.add(n);
    const key = r.key!.toString();
    const last = lastPerKey.get(key) ?? -1;
    assert.ok(n > last, `key ${key}: ${n} arrived after ${last}`);
    lastPerKey.set(key, n);
  }
}

runBusContract('spooling over memory', async (t) => {
  const { bus } = spoolingBus(t, new SwitchBus());
  await bus.start();
  return bus;
});

test('while Kafka refuses, produce resolves once the records are in the spool; when it is back they all arrive, in order per key', async (t) => {
  const s = await setup(t);
  const got = await collect(t, s);
  await s.bus.produce(s.topic, [rec(0), rec(1)]);
  assert.equal(s.bus.spooling, false, 'straight to Kafka while it is up');
  s.kafka.set('refusing');
  for (let n = 2; n < 40; n += 2) await s.bus.produce(s.topic, [rec(n), rec(n + 1)]);
  assert.equal(s.bus.log.readable, 38, 'acknowledged from the spool');
  assert.equal(s.bus.spooling, true);
  assert.equal(s.kafka.produced, 2, 'nothing reached Kafka while it refused');
  s.kafka.set('up');
  await until('40 records', () => new Set(got.map(numberOf)).size === 40);
  assertAllInOrderPerKey(got, Array.from({ length: 40 }, (_, n) => n));
  await until('an empty spool', () => !s.bus.spooling);
  assert.equal(s.bus.log.bytes, 0, 'drained segments are deleted');
  await s.bus.produce(s.topic, [rec(40)]);
  assert.equal(s.bus.log.counters.appendedRecords, 38, 'direct again once drained');
});

test('a Kafka that stops answering: produce resolves from the spool after kafkaTimeoutMs, and the late acknowledgement only adds duplicates', async (t) => {
  const s = await setup(t, { kafkaTimeoutMs: 100 });
  const got = await collect(t, s);
  s.kafka.set('hanging');
  // A hanging switch holds produce until it is up again: these resolve only from the spool.
  await Promise.all([s.bus.produce(s.topic, [rec(0)]), s.bus.produce(s.topic, [rec(1)])]);
  assert.equal(s.bus.log.readable, 2, 'both spooled, though the first group is still in flight');
  await s.bus.produce(s.topic, [rec(2)]);
  s.kafka.set('up');
  await until('3 records', () => new Set(got.map(numberOf)).size === 3);
  await until('an empty spool', () => !s.bus.spooling);
  assertAllInOrderPerKey(got, [0, 1, 2]);
});

test('calls queued behind a group that timed out are spooled after it, never sent ahead of it', async (t) => {
  const s = await setup(t, { kafkaTimeoutMs: 100 });
  const got = await collect(t, s);
  // The first request fails, late; every later one succeeds at once.
  s.kafka.flakiness = { fail: [true, ...Array<boolean>(99).fill(false)], delaysMs: [300, ...Array<number>(99).fill(0)] };
  s.kafka.set('flaky');
  const calls = Array.from({ length: 20 }, (_, n) => s.bus.produce(s.topic, [rec(n)]));
  await Promise.all(calls);
  assert.equal(s.bus.log.counters.appendedRecords, 20, 'all spooled when the first timed out');
  await until('20 records', () => new Set(got.map(numberOf)).size === 20);
  assertAllInOrderPerKey(got, Array.from({ length: 20 }, (_, n) => n));
});

test('under random outages, every acknowledged record arrives, in order per key (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(fc.constantFrom('up' as const, 'refusing' as const, 'hanging' as const, 'flaky' as const), fc.integer({ min: 1, max: 6 })), { minLength: 5, maxLength: 30 }),
      fc.record({ fail: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), delaysMs: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 10 }) }),
      async (steps, flakiness) => {
        const s = await setup(t, { kafkaTimeoutMs: 30 });
        s.kafka.flakiness = flakiness;
        const got = await collect(t, s);
        const acknowledged: number[] = [];
        const calls: Promise<void>[] = [];
        let n = 0;
        for (const step of steps) {
          if (typeof step === 'string') {
            s.kafka.set(step);
            continue;
          }
          for (let i = 0; i < step; i++) {
            const k = n++;
            calls.push(s.bus.produce(s.topic, [rec(k)]).then(() => void acknowledged.push(k)));
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        s.kafka.set('up');
        await Promise.all(calls);
        await until('every acknowledged record', () => acknowledged.every((k) => got.some((r) => numberOf(r) === k)));
        assertAllInOrderPerKey(got, acknowledged);
        await s.bus.close();
      },
    ),
    { numRuns: 25 },
  );
});

test('at the bound, produce is refused with a retryable, exhausted error; after the drain the spool takes records again', async (t) => {
  const s = await setup(t, { spool: { maxBytes: 2_000, segmentBytes: 1_000, retryAfterMs: 2_000 } });
  const got = await collect(t, s);
  s.kafka.set('refusing');
  const big = (n: number): OutRecord => ({ key: Buffer.from('k'), value: Buffer.alloc(300, n) });
  let accepted = 0;
  let refusal: unknown;
  for (let n = 0; n < 20 && !refusal; n++) {
    await s.bus.produce(s.topic, [big(n)]).then(() => accepted++, (err: unknown) => (refusal = err));
  }
  assert.ok(refusal instanceof UnavailableError, `refused with ${String(refusal)}`);
  assert.equal(refusal.code, 'SPOOL_FULL');
  assert.equal(refusal.exhausted, true, 'clients get 429 / RESOURCE_EXHAUSTED');
  assert.equal(refusal.retryAfterMs, 2_000);
  assert.ok(accepted >= 4, `${accepted} accepted before the bound`);
  const samples = s.registry.snapshot();
  assert.equal(samples.find((x) => x.name === 'ocsvc_spool_refused_records_total' && x.labels.reason === 'full')?.value, 1);
  s.kafka.set('up');
  await until(`${accepted} records`, () => got.length >= accepted);
  await until('an empty spool', () => !s.bus.spooling);
  await s.bus.produce(s.topic, [big(99)]);
});

test('a record Kafka refuses for good: produce rejects it (InvalidInputError) and not the calls that shared its request', async (t) => {
  const s = await setup(t);
  const got = await collect(t, s);
  s.kafka.invalid = (r) => r.value.length > 1_000;
  s.kafka.set('hanging');
  const good = s.bus.produce(s.topic, [rec(0)]);
  const bad = s.bus.produce(s.topic, [{ key: null, value: Buffer.alloc(2_000) }]);
  const after = s.bus.produce(s.topic, [rec(1)]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  s.kafka.set('up');
  await good;
  await assert.rejects(bad, InvalidInputError);
  await after;
  await until('2 records', () => got.length === 2);
  assert.equal(s.bus.spooling, false);
});

test('a spooled record Kafka refuses for good is dropped and counted, and the rest of the spool drains', async (t) => {
  const s = await setup(t);
  const got = await collect(t, s);
  s.kafka.set('refusing');
  await s.bus.produce(s.topic, [rec(0), rec(1)]);
  await s.bus.produce(s.topic, [{ key: null, value: Buffer.alloc(2_000) }]);
  await s.bus.produce(s.topic, [rec(2), rec(3)]);
  s.kafka.invalid = (r) => r.value.length > 1_000;
  s.kafka.set('up');
  await until('4 records', () => got.length === 4);
  assert.deepEqual(got.map(numberOf).sort(), [0, 1, 2, 3]);
  await until('an empty spool', () => !s.bus.spooling);
  const dropped = s.registry.snapshot().find((x) => x.name === 'ocsvc_spool_dropped_records_total');
  assert.equal(dropped?.value, 1);
  assert.ok(s.lines.some((l) => l.includes('Kafka refuses a spooled record for good')));
});

test('produce to an unknown topic is refused, not spooled; one whose creation waits for Kafka is spooled and created before the drain', async (t) => {
  const kafka = new SwitchBus();
  const { bus } = spoolingBus(t, kafka);
  kafka.set('refusing');
  await bus.start(); // Kafka down at start-up: the service starts anyway
  const topic = uniqueName('spool-late');
  await bus.ensureTopics([{ topic, partitions: 2 }]); // deferred, not failed
  kafka.set('up');
  await assert.rejects(bus.produce(uniqueName('never-created'), [rec(0)]), (err: unknown) => err instanceof UnavailableError && err.code === 'BUS_UNKNOWN_TOPIC');
  assert.equal(bus.spooling, false);
  await bus.produce(topic, [rec(1)]); // unknown to Kafka yet, but its creation is pending: spooled
  const got: ConsumedRecord[] = [];
  await until('the topic, created by the drainer', () => kafka.memory.hasTopic(topic));
  const consumer = bus.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  t.after(() => consumer.close());
  await consumer.start();
  await until('the record', () => got.length === 1);
  assert.equal(await bus.partitionCount(topic), 2);
});

test('what is spooled survives a restart of the service and is sent after the next start', async (t) => {
  const dir = await tempDir(t);
  const memory = new MemoryBus();
  t.after(() => memory.close());
  const kafka = new SwitchBus(memory, false);
  const topic = uniqueName('spool');
  await memory.ensureTopics([{ topic, partitions: 2 }]);
  const first = spoolingBus(t, kafka, { spool: { directory: dir, fs: undefined } }).bus;
  await first.start();
  kafka.set('refusing');
  for (let n = 0; n < 10; n++) await first.produce(topic, [rec(n)]);
  await first.close();
  const second = spoolingBus(t, new SwitchBus(memory, false), { spool: { directory: dir, fs: undefined } });
  const got: ConsumedRecord[] = [];
  const consumer = memory.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  t.after(() => consumer.close());
  await consumer.start();
  await second.bus.start();
  await until('10 records', () => got.length === 10);
  assertAllInOrderPerKey(got, Array.from({ length: 10 }, (_, n) => n));
  const samples = second.registry.snapshot();
  assert.equal(samples.find((x) => x.name === 'ocsvc_spool_recovered_records_total')?.value, 10);
  await until('drained', () => second.registry.snapshot().find((x) => x.name === 'ocsvc_spool_records')?.value === 0);
});

test('the self-metrics show what is spooled, appended and drained', async (t) => {
  const s = await setup(t);
  s.kafka.set('refusing');
  await s.bus.produce(s.topic, [rec(0), rec(1), rec(2)]);
  const value = (name: string) => s.registry.snapshot().find((x) => x.name === name)?.value;
  assert.equal(value('ocsvc_spool_records'), 3);
  assert.ok(value('ocsvc_spool_bytes')! > 0);
  assert.equal(value('ocsvc_spool_active'), 1);
  assert.equal(value('ocsvc_spool_appended_records_total'), 3);
  assert.equal(value('ocsvc_spool_max_bytes'), 1024 * 1024);
  s.kafka.set('up');
  await until('drained', () => value('ocsvc_spool_drained_records_total') === 3);
  assert.equal(value('ocsvc_spool_records'), 0);
  assert.equal(value('ocsvc_spool_active'), 0);
  assert.ok(value('ocsvc_spool_drain_failures_total')! >= 0);
});
