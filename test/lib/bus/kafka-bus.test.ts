// The Kafka bus against a real broker: the shared bus contract, then what
// only Kafka does. The broker comes from the test run (scripts/test.mjs sets
// OCSVC_TEST_KAFKA_BROKERS); run alone without one, these tests skip.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaBus, type KafkaBusOptions } from '../../../lib/bus/kafka-bus.js';
import { InvalidInputError, UnavailableError } from '../../../lib/errors.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { kafkaBrokers, uniqueName } from '../../harness/env.js';
import { runBusContract } from './contract.js';

// Fast rebalances for tests: a member that leaves is noticed within seconds.
const TEST_CONSUMER = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 15_000,
  maxWaitTimeMs: 200,
  retryBackoffMs: 50,
};

function kafkaBus(t: TestContext, brokers: string[], options: Partial<KafkaBusOptions> = {}): KafkaBus {
  const bus = new KafkaBus({
    brokers,
    clientId: uniqueName('bus-test'),
    logger: createLogger({ level: 'error', stream: process.stderr }),
    consumer: TEST_CONSUMER,
    ...options,
  });
  t.after(() => bus.close());
  return bus;
}

runBusContract(
  'kafka',
  async (t) => {
    const brokers = kafkaBrokers(t);
    if (!brokers) return undefined;
    const bus = kafkaBus(t, brokers);
    await bus.start();
    return bus;
  },
  { waitTimeoutMs: 30_000, testTimeoutMs: 120_000 },
);

test('ensureTopics is idempotent and leaves an existing topic as it is', async (t) => {
  const brokers = kafkaBrokers(t);
  if (!brokers) return;
  const bus = kafkaBus(t, brokers);
  await bus.start();
  const topic = uniqueName('bus-kafka');
  await bus.ensureTopics([{ topic, partitions: 3, config: { 'retention.ms': '3600000' } }]);
  await bus.ensureTopics([{ topic, partitions: 5 }, { topic: `${topic}-2`, partitions: 2 }]);
  assert.equal(await bus.partitionCount(topic), 3);
  assert.equal(await bus.partitionCount(`${topic}-2`), 2);
});

test('a record larger than the broker accepts is refused for good', async (t) => {
  const brokers = kafkaBrokers(t);
  if (!brokers) return;
  const bus = kafkaBus(t, brokers);
  await bus.start();
  const topic = uniqueName('bus-kafka');
  await bus.ensureTopics([{ topic, partitions: 1, config: { 'max.message.bytes': '1024' } }]);
  await assert.rejects(bus.produce(topic, [{ key: null, value: Buffer.alloc(4096) }]), InvalidInputError);
});

test('many concurrent produce calls are all acknowledged', async (t) => {
  const brokers = kafkaBrokers(t);
  if (!brokers) return;
  const bus = kafkaBus(t, brokers);
  await bus.start();
  const topic = uniqueName('bus-kafka');
  await bus.ensureTopics([{ topic, partitions: 3 }]);
  await Promise.all(Array.from({ length: 50 }, (_, i) => bus.produce(topic, [{ key: Buffer.from(`k${i % 7}`), value: Buffer.from(`v${i}`) }])));
});

test('against an unreachable broker, start and produce fail with a retryable error in bounded time', async (t) => {
  // A port nothing listens on (closed right after binding).
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  const bus = kafkaBus(t, [`127.0.0.1:${port}`], { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, retries: 1 });
  await assert.rejects(bus.start(), UnavailableError);
  await assert.rejects(bus.produce('any-topic', [{ key: null, value: Buffer.from('x') }]), UnavailableError);
});

test('a long handler call that heartbeats learns of a rebalance through its signal, and the group moves on', async (t) => {
  const brokers = kafkaBrokers(t);
  if (!brokers) return;
  const bus = kafkaBus(t, brokers);
  await bus.start();
  const topic = uniqueName('bus-kafka');
  const groupId = uniqueName('bus-kafka-group');
  await bus.ensureTopics([{ topic, partitions: 2 }]);
  await bus.produce(topic, [0, 1].map((partition) => ({ key: null, value: Buffer.from('slow'), partition })));
  let inCall = false;
  let abortedBy: unknown;
  const a = bus.consumer({
    groupId, topics: [topic], fromBeginning: true,
    handler: async (batch) => {
      inCall = true;
      // Work in slices, heartbeating between them, until told to stop (bounded by the test's timeout).
      while (!batch.signal.aborted) {
        await batch.heartbeat();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      abortedBy = batch.signal.reason;
    },
  });
  t.after(() => a.close());
  await a.start();
  const deadline = Date.now() + 30_000;
  while (!inCall) {
    assert.ok(Date.now() < deadline, 'the handler is called');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const b = bus.consumer({ groupId, topics: [topic], fromBeginning: true, handler: async () => {} });
  t.after(() => b.close());
  await b.start();
  assert.ok(b.assignment().length > 0, 'the new member got partitions');
  assert.ok(abortedBy instanceof UnavailableError);
});

// Regression: a fresh bus hit by many concurrent produce() calls used to send
// them concurrently on KafkaJS's idempotent producer; the broker answered
// OUT_OF_ORDER_SEQUENCE_NUMBER and every later produce failed.
test('many concurrent produce calls on a fresh bus are all acknowledged and all land', async (t) => {
  const brokers = kafkaBrokers(t);
  if (!brokers) return;
  const topic = uniqueName('concurrent');
  const setup = kafkaBus(t, brokers);
  await setup.start();
  await setup.ensureTopics([{ topic, partitions: 6 }]);
  const bus = kafkaBus(t, brokers);
  await bus.start();
  const calls = 64;
  const perCall = 5;
  await Promise.all(
    Array.from({ length: calls }, (_, c) =>
      bus.produce(
        topic,
        Array.from({ length: perCall }, (_, i) => ({ key: Buffer.from(`k-${c}-${i}`), value: Buffer.from(`v-${c}-${i}`) })),
      ),
    ),
  );
  // And the producer still works afterwards.
  await bus.produce(topic, [{ key: Buffer.from('after'), value: Buffer.from('after') }]);
  const seen = new Set<string>();
  const consumer = bus.consumer({
    groupId: uniqueName('concurrent-group'),
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => {
      for (const r of batch.records) seen.add(r.value.toString());
    },
  });
  t.after(() => consumer.close());
  await consumer.start();
  const deadline = Date.now() + 30_000;
  while (seen.size < calls * perCall + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(seen.size, calls * perCall + 1);
  for (let c = 0; c < calls; c++) for (let i = 0; i < perCall; i++) assert.ok(seen.has(`v-${c}-${i}`));
});
