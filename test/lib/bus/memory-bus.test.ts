// The in-memory bus: the shared bus contract, then what is its own: the
// memory bound, retention that follows the consumers' commits, and retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import type { ConsumedRecord } from '../../../lib/bus/bus.js';
import { MemoryBus, type MemoryBusOptions } from '../../../lib/bus/memory-bus.js';
import { InvalidInputError, UnavailableError } from '../../../lib/errors.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { uniqueName } from '../../harness/env.js';
import { runBusContract } from './contract.js';

/** A bus whose log lines are kept for assertions instead of going to stderr. */
function memoryBus(t: TestContext, options: MemoryBusOptions = {}): { bus: MemoryBus; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
  const bus = new MemoryBus({ logger: createLogger({ level: 'warn', stream }), ...options });
  t.after(() => bus.close());
  return { bus, lines };
}

runBusContract('memory', async (t) => {
  const { bus } = memoryBus(t, { retryBackoffMs: 20 });
  await bus.start();
  return bus;
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const value = (n: number) => Buffer.alloc(n, 1);

test('produce refuses with a retryable "bus full" at maxBytes, and accepts again once consumers commit', async (t) => {
  const { bus } = memoryBus(t, { maxBytes: 1_000, fullRetryAfterMs: 250 });
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 1 }]);
  const got: ConsumedRecord[] = [];
  const consumer = bus.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  await consumer.start();
  await bus.produce(topic, [{ key: null, value: value(400) }, { key: null, value: value(400) }]);
  await assert.rejects(bus.produce(topic, [{ key: null, value: value(400) }]), (err: unknown) => {
    assert.ok(err instanceof UnavailableError);
    assert.equal(err.code, 'BUS_FULL');
    assert.equal(err.retryAfterMs, 250);
    return true;
  });
  assert.equal(bus.retainedBytes(), 800, 'a refused call writes nothing');
  await until('2 records', () => got.length === 2);
  assert.equal(bus.retainedBytes(), 800, 'handled is not committed: still retained');
  await consumer.commit([{ topic, partition: 0, offset: 1n }]);
  assert.equal(bus.retainedBytes(), 400);
  await bus.produce(topic, [{ key: null, value: value(400) }]);
});

test('records larger than maxBytes are refused for good', async (t) => {
  const { bus } = memoryBus(t, { maxBytes: 100 });
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 1 }]);
  await assert.rejects(bus.produce(topic, [{ key: null, value: value(101) }]), InvalidInputError);
});

test('retention keeps what the slowest active group has not committed', async (t) => {
  const { bus } = memoryBus(t);
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 1 }]);
  const fast = bus.consumer({ groupId: uniqueName('fast'), topics: [topic], fromBeginning: true, handler: async () => {} });
  const slow = bus.consumer({ groupId: uniqueName('slow'), topics: [topic], fromBeginning: true, handler: async () => {} });
  await fast.start();
  await slow.start();
  await bus.produce(topic, [1, 2, 3].map(() => ({ key: null, value: value(10) })));
  await fast.commit([{ topic, partition: 0, offset: 3n }]);
  assert.equal(bus.retainedBytes(), 30);
  await slow.commit([{ topic, partition: 0, offset: 2n }]);
  assert.equal(bus.retainedBytes(), 10);
  // A group without members holds nothing back.
  await slow.close();
  assert.equal(bus.retainedBytes(), 0);
});

test('a topic no group consumes keeps at most retainBytes, oldest dropped first', async (t) => {
  const { bus } = memoryBus(t, { retainBytes: 50 });
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 1 }]);
  for (let i = 0; i < 8; i++) await bus.produce(topic, [{ key: null, value: Buffer.from(`record-${i}`) }]);
  assert.ok(bus.retainedBytes() <= 50);
  const got: ConsumedRecord[] = [];
  const c = bus.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  await c.start();
  await until('the retained records', () => got.length > 0 && got.at(-1)!.value.toString() === 'record-7');
  // 8 bytes each: the newest 6 fit in 50.
  assert.deepEqual(got.map((r) => r.offset), [2n, 3n, 4n, 5n, 6n, 7n]);
});

test('the retry backoff doubles and the failure is logged', async (t) => {
  const { bus, lines } = memoryBus(t, { retryBackoffMs: 10, maxRetryBackoffMs: 40 });
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 1 }]);
  let calls = 0;
  const c = bus.consumer({
    groupId: uniqueName('g'), topics: [topic], fromBeginning: true,
    handler: async () => {
      calls += 1;
      if (calls <= 4) throw new Error('boom');
    },
  });
  await c.start();
  await bus.produce(topic, [{ key: null, value: Buffer.from('x') }]);
  await until('5 calls', () => calls === 5);
  const delays = lines.map((l) => (JSON.parse(l) as { retryInMs: number }).retryInMs);
  assert.deepEqual(delays, [10, 20, 40, 40]);
});

test('an explicit partition out of range is refused for good', async (t) => {
  const { bus } = memoryBus(t);
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 2 }]);
  await assert.rejects(bus.produce(topic, [{ key: null, value: value(1), partition: 2 }]), InvalidInputError);
});

test('produce copies keys and values: the caller may reuse its buffers', async (t) => {
  const { bus } = memoryBus(t);
  const topic = uniqueName('mem');
  await bus.ensureTopics([{ topic, partitions: 1 }]);
  const buf = Buffer.from('original');
  await bus.produce(topic, [{ key: buf, value: buf }]);
  buf.write('mutated!');
  const got: ConsumedRecord[] = [];
  const c = bus.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  await c.start();
  await until('the record', () => got.length === 1);
  assert.equal(got[0]!.value.toString(), 'original');
  assert.equal(got[0]!.key!.toString(), 'original');
});
