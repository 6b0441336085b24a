// The contract every Bus implementation passes (memory-bus.test.ts,
// kafka-bus.test.ts): what the sampler and exporters rely on. Each test gets
// its own bus from `makeBus` (undefined: skip), unique topics and groups, and
// polls for outcomes; nothing depends on timing.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Batch, Bus, Consumer, ConsumedRecord, ConsumerOptions, OutRecord, TopicPartition } from '../../../lib/bus/bus.js';
import { partitionFor } from '../../../lib/bus/partitioner.js';
import { OcsvcError, UnavailableError } from '../../../lib/errors.js';
import { uniqueName } from '../../harness/env.js';

export interface ContractOptions {
  /** How long a poll waits for an outcome (Kafka rebalances take seconds). */
  waitTimeoutMs?: number;
  /** Per test. */
  testTimeoutMs?: number;
}

type MakeBus = (t: TestContext) => Promise<Bus | undefined>;

export function runBusContract(name: string, makeBus: MakeBus, options: ContractOptions = {}): void {
  const waitMs = options.waitTimeoutMs ?? 10_000;
  const timeout = options.testTimeoutMs ?? 60_000;

  /** Polls until `check` returns true; fails with `what` after the wait timeout. */
  async function until(what: string | (() => string), check: () => boolean): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function withTopic(t: TestContext, partitions: number): Promise<{ bus: Bus; topic: string } | undefined> {
    const bus = await makeBus(t);
    if (!bus) return undefined;
    const topic = uniqueName('bus-contract');
    await bus.ensureTopics([{ topic, partitions, replicationFactor: 1 }]);
    return { bus, topic };
  }

  interface Collector {
    consumer: Consumer;
    records: ConsumedRecord[];
    batches: Batch[];
    assigned: TopicPartition[][];
    revoked: TopicPartition[][];
  }

  /** Starts a consumer that keeps every record it is handed (and commits after each batch when asked). */
  async function collect(
    t: TestContext,
    bus: Bus,
    topic: string,
    opts: Partial<ConsumerOptions> & { commitEachBatch?: boolean } = {},
  ): Promise<Collector> {
    const c: Omit<Collector, 'consumer'> & { consumer?: Consumer } = { records: [], batches: [], assigned: [], revoked: [] };
    const consumer = bus.consumer({
      groupId: uniqueName('bus-contract-group'),
      topics: [topic],
      fromBeginning: true,
      onAssign: (p) => void c.assigned.push(p),
      onRevoke: (p) => void c.revoked.push(p),
      ...opts,
      handler: async (batch) => {
        c.batches.push(batch);
        c.records.push(...batch.records);
        if (opts.commitEachBatch) {
          await c.consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: batch.records.at(-1)!.offset + 1n }]);
        }
        await opts.handler?.(batch);
      },
    });
    c.consumer = consumer;
    t.after(() => consumer.close());
    await consumer.start();
    return c as Collector;
  }

  function traceKeys(n: number): Buffer[] {
    return Array.from({ length: n }, () => randomBytes(16));
  }

  const tp = (r: { partition: number }) => r.partition;

  describe(`${name}: bus contract`, { timeout }, () => {
    test('records come back with the same keys, values and headers, in order per partition', async (t) => {
      const setup = await withTopic(t, 3);
      if (!setup) return;
      const { bus, topic } = setup;
      const keys = traceKeys(6);
      const produced: OutRecord[] = Array.from({ length: 30 }, (_, i) => ({
        key: keys[i % keys.length]!,
        value: Buffer.from(`value-${i}`),
        headers: { 'ocsvc-seq': String(i), 'ocsvc-protocol': 'otlp/grpc' },
      }));
      await bus.produce(topic, produced.slice(0, 10));
      await bus.produce(topic, produced.slice(10));
      const inFlight = new Set<number>();
      let overlapped = false;
      const c = await collect(t, bus, topic, {
        handler: async (batch) => {
          if (inFlight.has(batch.partition)) overlapped = true;
          inFlight.add(batch.partition);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight.delete(batch.partition);
        },
      });
      await until(() => `30 records, got ${c.records.length}`, () => c.records.length >= 30);
      assert.equal(c.records.length, 30);
      assert.equal(overlapped, false, 'one handler call at a time per partition');
      for (let p = 0; p < 3; p++) {
        const got = c.records.filter((r) => r.partition === p);
        const want = produced.filter((r) => partitionFor(r.key!, 3) === p);
        assert.deepEqual(got.map((r) => r.value.toString()), want.map((r) => r.value.toString()), `partition ${p} in order`);
        assert.deepEqual(got.map((r) => r.key), want.map((r) => r.key));
        assert.deepEqual(got.map((r) => r.headers), want.map((r) => r.headers));
        for (let i = 1; i < got.length; i++) assert.ok(got[i]!.offset > got[i - 1]!.offset, 'offsets increase');
        for (const r of got) {
          assert.equal(r.topic, topic);
          assert.ok(r.timestampMs > Date.now() - 600_000 && r.timestampMs <= Date.now() + 60_000, 'a plausible timestamp');
        }
      }
      for (const batch of c.batches) {
        assert.ok(batch.highWatermark > batch.records.at(-1)!.offset, 'the high watermark is past the batch');
        assert.equal(batch.signal.aborted, false);
      }
    });

    test('a key always lands on partitionFor(key, partitions); records without key spread', async (t) => {
      const setup = await withTopic(t, 4);
      if (!setup) return;
      const { bus, topic } = setup;
      assert.equal(await bus.partitionCount(topic), 4);
      const keys = traceKeys(20);
      await bus.produce(topic, [...keys, ...keys].map((key) => ({ key, value: Buffer.from('v') })));
      await bus.produce(topic, Array.from({ length: 8 }, () => ({ key: null, value: Buffer.from('no key') })));
      const c = await collect(t, bus, topic);
      await until('48 records', () => c.records.length >= 48);
      for (const r of c.records.filter((r) => r.key !== null)) assert.equal(r.partition, partitionFor(r.key!, 4));
      const unkeyed = new Set(c.records.filter((r) => r.key === null).map(tp));
      assert.ok(unkeyed.size > 1, `records without key use several partitions, got ${[...unkeyed]}`);
    });

    test('an explicit partition overrides the key', async (t) => {
      const setup = await withTopic(t, 4);
      if (!setup) return;
      const { bus, topic } = setup;
      const key = traceKeys(1)[0]!;
      const other = (partitionFor(key, 4) + 1) % 4;
      await bus.produce(topic, [{ key, value: Buffer.from('x'), partition: other }]);
      const c = await collect(t, bus, topic);
      await until('the record', () => c.records.length === 1);
      assert.equal(c.records[0]!.partition, other);
    });

    test('produce to an unknown topic is refused with a retryable error', async (t) => {
      const bus = await makeBus(t);
      if (!bus) return;
      await assert.rejects(bus.produce(uniqueName('bus-contract-missing'), [{ key: null, value: Buffer.from('x') }]), UnavailableError);
    });

    test('a consumer of an unknown topic fails to start with a retryable error', async (t) => {
      const bus = await makeBus(t);
      if (!bus) return;
      const consumer = bus.consumer({ groupId: uniqueName('g'), topics: [uniqueName('bus-contract-missing')], fromBeginning: true, handler: async () => {} });
      t.after(() => consumer.close());
      await assert.rejects(consumer.start(), UnavailableError);
    });

    test('a new member of a group resumes after the last commit: nothing before it, everything after', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      const groupId = uniqueName('bus-contract-group');
      await bus.produce(topic, Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`a${i}`) })));
      const first = await collect(t, bus, topic, { groupId });
      await until('the first 10', () => first.records.length >= 10);
      await first.consumer.commit([{ topic, partition: 0, offset: first.records[6]!.offset }]);
      await first.consumer.close();
      await bus.produce(topic, Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`b${i}`) })));
      const second = await collect(t, bus, topic, { groupId });
      await until(() => `9 records, got ${second.records.length}`, () => second.records.length >= 9);
      assert.deepEqual(
        second.records.map((r) => r.value.toString()),
        ['a6', 'a7', 'a8', 'a9', 'b0', 'b1', 'b2', 'b3', 'b4'],
      );
    });

    test('offsetsAt gives each partition its log start, its log end, or the first record at or after a time', async (t) => {
      const setup = await withTopic(t, 2);
      if (!setup) return;
      const { bus, topic } = setup;
      const empty = await bus.offsetsAt(topic, 'latest');
      assert.deepEqual(empty, [{ topic, partition: 0, offset: 0n }, { topic, partition: 1, offset: 0n }]);
      await bus.produce(topic, [0, 1, 2].map((i) => ({ key: null, value: Buffer.from(`early${i}`), partition: 0 })));
      // Timestamps have millisecond resolution: a boundary strictly between the two runs.
      const before = Date.now();
      while (Date.now() <= before + 2) await new Promise((resolve) => setTimeout(resolve, 2));
      const boundary = Date.now();
      while (Date.now() <= boundary + 2) await new Promise((resolve) => setTimeout(resolve, 2));
      await bus.produce(topic, [0, 1].map((i) => ({ key: null, value: Buffer.from(`late${i}`), partition: 0 })));
      await bus.produce(topic, [{ key: null, value: Buffer.from('other'), partition: 1 }]);
      assert.deepEqual(await bus.offsetsAt(topic, 'earliest'), [{ topic, partition: 0, offset: 0n }, { topic, partition: 1, offset: 0n }]);
      assert.deepEqual(await bus.offsetsAt(topic, 'latest'), [{ topic, partition: 0, offset: 5n }, { topic, partition: 1, offset: 1n }]);
      assert.deepEqual(await bus.offsetsAt(topic, { timeMs: boundary }), [{ topic, partition: 0, offset: 3n }, { topic, partition: 1, offset: 0n }]);
      assert.deepEqual(await bus.offsetsAt(topic, { timeMs: Date.now() + 3_600_000 }), [{ topic, partition: 0, offset: 5n }, { topic, partition: 1, offset: 1n }], 'the log end when no record is that late');
    });

    test('setGroupOffsets positions a group with no members: its next member starts there', async (t) => {
      const setup = await withTopic(t, 2);
      if (!setup) return;
      const { bus, topic } = setup;
      await bus.produce(topic, Array.from({ length: 6 }, (_, i) => ({ key: null, value: Buffer.from(`p0-${i}`), partition: 0 })));
      await bus.produce(topic, Array.from({ length: 4 }, (_, i) => ({ key: null, value: Buffer.from(`p1-${i}`), partition: 1 })));
      const groupId = uniqueName('bus-contract-group');
      await bus.setGroupOffsets(groupId, [{ topic, partition: 0, offset: 4n }, { topic, partition: 1, offset: 1n }]);
      const c = await collect(t, bus, topic, { groupId });
      await until(() => `5 records, got ${c.records.length}`, () => c.records.length >= 5);
      assert.deepEqual(c.records.map((r) => r.value.toString()).sort(), ['p0-4', 'p0-5', 'p1-1', 'p1-2', 'p1-3']);
      await assert.rejects(bus.setGroupOffsets(groupId, [{ topic, partition: 0, offset: 0n }]), 'refused while the group has a member');
    });

    test('a new group that does not start from the beginning sees only records produced after it joined', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      await bus.produce(topic, [{ key: null, value: Buffer.from('old') }]);
      const c = await collect(t, bus, topic, { fromBeginning: false });
      // Where "the end" is fixed may lag the join a little (Kafka resolves it on the first fetch): produce until one arrives.
      for (let i = 0; c.records.length === 0; i++) {
        await bus.produce(topic, [{ key: null, value: Buffer.from(`new${i}`) }]);
        const deadline = Date.now() + 500;
        while (c.records.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.ok(i < waitMs / 500, 'a record produced after the join arrives');
      }
      assert.ok(c.records.every((r) => r.value.toString() !== 'old'));
    });

    test('two members of one group split the partitions and together see every record once', async (t) => {
      const setup = await withTopic(t, 4);
      if (!setup) return;
      const { bus, topic } = setup;
      const groupId = uniqueName('bus-contract-group');
      const a = await collect(t, bus, topic, { groupId, commitEachBatch: true });
      const b = await collect(t, bus, topic, { groupId, commitEachBatch: true });
      const split = () => {
        const pa = a.consumer.assignment().map(tp);
        const pb = b.consumer.assignment().map(tp);
        return pa.length > 0 && pb.length > 0 && pa.length + pb.length === 4 && new Set([...pa, ...pb]).size === 4;
      };
      await until(() => `a split of 4 partitions, got ${JSON.stringify([a.consumer.assignment(), b.consumer.assignment()])}`, split);
      const produced = traceKeys(40).map((key, i) => ({ key, value: Buffer.from(`r${i}`) }));
      await bus.produce(topic, produced);
      await until(() => `40 records, got ${a.records.length + b.records.length}`, () => a.records.length + b.records.length >= 40);
      const seen = [...a.records, ...b.records].map((r) => r.value.toString()).sort();
      assert.deepEqual(seen, produced.map((r) => r.value.toString()).sort());
      const ownedByA = new Set(a.consumer.assignment().map(tp));
      assert.ok(a.records.every((r) => ownedByA.has(r.partition)), 'a member sees only its own partitions');
    });

    test('onRevoke and onAssign tell each member what it lost and gained when a member joins and leaves', async (t) => {
      const setup = await withTopic(t, 4);
      if (!setup) return;
      const { bus, topic } = setup;
      const groupId = uniqueName('bus-contract-group');
      const a = await collect(t, bus, topic, { groupId });
      await until('a owns all 4', () => a.consumer.assignment().length === 4);
      assert.deepEqual(a.assigned.flat().map(tp).sort(), [0, 1, 2, 3]);
      const b = await collect(t, bus, topic, { groupId });
      await until('b owns some', () => b.consumer.assignment().length > 0 && a.consumer.assignment().length + b.consumer.assignment().length === 4);
      const bOwns = b.consumer.assignment().map(tp).sort();
      await until('a revoked what b gained', () => a.revoked.flat().length >= bOwns.length);
      assert.deepEqual(a.revoked.flat().map(tp).sort(), bOwns);
      assert.deepEqual(b.assigned.flat().map(tp).sort(), bOwns);
      assert.deepEqual(a.consumer.assignment().map(tp).sort(), [0, 1, 2, 3].filter((p) => !bOwns.includes(p)));
      await b.consumer.close();
      assert.deepEqual(b.revoked.flat().map(tp).sort(), bOwns, 'close revokes what the member still owns');
      await until('a owns all 4 again', () => a.consumer.assignment().length === 4);
      await until('a was assigned what b had', () => a.assigned.flat().length === 4 + bOwns.length);
      assert.deepEqual(a.assigned.slice(1).flat().map(tp).sort(), bOwns);
    });

    test('a member that keeps a partition through a rebalance is not handed its records again', async (t) => {
      const setup = await withTopic(t, 4);
      if (!setup) return;
      const { bus, topic } = setup;
      const groupId = uniqueName('bus-contract-group');
      await bus.produce(topic, traceKeys(40).map((key, i) => ({ key, value: Buffer.from(`k${i}`) })));
      const a = await collect(t, bus, topic, { groupId });
      await until('a has all 40', () => a.records.length >= 40);
      const b = await collect(t, bus, topic, { groupId });
      await until('b has its partitions', () => b.consumer.assignment().length > 0 && a.consumer.assignment().length + b.consumer.assignment().length === 4);
      const kept = new Set(a.consumer.assignment().map(tp));
      // Nothing was committed: b reads its partitions from the start, which shows the rebalance is over.
      const bWants = 40 - a.records.filter((r) => kept.has(r.partition)).length;
      await until(() => `b reads its ${bWants} records, got ${b.records.length}`, () => b.records.length >= bWants);
      await bus.produce(topic, traceKeys(20).map((key, i) => ({ key, value: Buffer.from(`after${i}`) })));
      await until('the new records', () => [...a.records, ...b.records].filter((r) => r.value.toString().startsWith('after')).length === 20);
      const seenByA = a.records.filter((r) => kept.has(r.partition)).map((r) => `${r.partition}/${r.offset}`);
      assert.equal(new Set(seenByA).size, seenByA.length, 'no record of a kept partition came twice');
    });

    test('pause stops delivery of that partition only, and resume restarts it', async (t) => {
      const setup = await withTopic(t, 2);
      if (!setup) return;
      const { bus, topic } = setup;
      const c = await collect(t, bus, topic);
      c.consumer.pause([{ topic, partition: 0 }]);
      await bus.produce(topic, [{ key: null, value: Buffer.from('p0'), partition: 0 }, { key: null, value: Buffer.from('p1-a'), partition: 1 }]);
      await until('p1-a', () => c.records.some((r) => r.value.toString() === 'p1-a'));
      // A later record of the other partition arriving shows that delivery went on past the paused one.
      await bus.produce(topic, [{ key: null, value: Buffer.from('p1-b'), partition: 1 }]);
      await until('p1-b', () => c.records.some((r) => r.value.toString() === 'p1-b'));
      assert.ok(c.records.every((r) => r.partition === 1), 'nothing from the paused partition');
      c.consumer.resume([{ topic, partition: 0 }]);
      await until('p0 after resume', () => c.records.some((r) => r.value.toString() === 'p0'));
    });

    test('lag counts the records past the committed offset', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      await bus.produce(topic, Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`l${i}`) })));
      const c = await collect(t, bus, topic);
      await until('5 records', () => c.records.length === 5);
      await until(() => `lag 5, got ${JSON.stringify(c.consumer.lag(), bigints)}`, () => c.consumer.lag()[0]?.lag === 5n);
      assert.deepEqual(c.consumer.lag(), [{ topic, partition: 0, committed: undefined, highWatermark: 5n, lag: 5n }]);
      await c.consumer.commit([{ topic, partition: 0, offset: 3n }]);
      assert.deepEqual(c.consumer.lag(), [{ topic, partition: 0, committed: 3n, highWatermark: 5n, lag: 2n }]);
      await c.consumer.commit([{ topic, partition: 0, offset: 5n }]);
      assert.equal(c.consumer.lag()[0]?.lag, 0n);
    });

    test('a handler that throws gets the same records again, and nothing is committed', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      let failures = 0;
      const c = await collect(t, bus, topic, {
        handler: async () => {
          if (failures < 2) {
            failures += 1;
            throw new Error('handler failure on purpose');
          }
        },
      });
      await bus.produce(topic, [{ key: null, value: Buffer.from('again') }]);
      await until('three deliveries', () => c.records.length >= 3);
      assert.deepEqual(c.records.slice(0, 3).map((r) => [r.offset, r.value.toString()]), [[0n, 'again'], [0n, 'again'], [0n, 'again']]);
      assert.equal(c.consumer.lag()[0]?.committed, undefined);
    });

    test('commit refuses partitions the member does not own', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      const c = await collect(t, bus, topic);
      await assert.rejects(c.consumer.commit([{ topic, partition: 5, offset: 1n }]), (err: unknown) => {
        assert.ok(err instanceof OcsvcError);
        assert.equal(err.code, 'BUS_NOT_ASSIGNED');
        return true;
      });
    });

    test('close is safe twice, returns the same promise, and is safe without start', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      const never = bus.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async () => {} });
      await never.close();
      await never.close();
      const c = await collect(t, bus, topic);
      const first = c.consumer.close();
      assert.equal(c.consumer.close(), first);
      await first;
      assert.deepEqual(c.consumer.assignment(), []);
      const closing = bus.close();
      assert.equal(bus.close(), closing);
      await closing;
      await assert.rejects(bus.produce(topic, [{ key: null, value: Buffer.from('late') }]), UnavailableError);
    });

    test('close waits for the in-flight handler call and aborts its signal', async (t) => {
      const setup = await withTopic(t, 1);
      if (!setup) return;
      const { bus, topic } = setup;
      let entered = false;
      let finished = false;
      let release: () => void = () => undefined;
      const c = await collect(t, bus, topic, {
        handler: async (batch) => {
          entered = true;
          await new Promise<void>((resolve) => {
            release = resolve;
            batch.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          finished = true;
        },
      });
      await bus.produce(topic, [{ key: null, value: Buffer.from('slow') }]);
      await until('the handler call', () => entered);
      const closed = c.consumer.close();
      await closed;
      assert.equal(finished, true, 'close returned only after the handler did');
      release();
    });
  });
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
