// Smoke tests of the Kafka the harness runs: kafkajs 2.2.4 (classic group
// protocol, older request versions) must be able to create topics, produce,
// consume in a group and commit offsets against this broker version, and the
// broker must keep records and committed offsets across a crash and restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import { deferStack, type Defer } from './defer.js';
import { kafkaBrokers, uniqueName } from './env.js';
import { startKafka } from './kafka.js';
import { waitFor } from './wait-for.js';

function client(brokers: string[]): Kafka {
  return new Kafka({ clientId: uniqueName('smoke'), brokers, logLevel: logLevel.NOTHING });
}

async function admin(defer: Defer, kafka: Kafka): Promise<Admin> {
  const a = kafka.admin();
  defer(() => a.disconnect());
  await a.connect();
  return a;
}

/** Starts a group member that collects what it reads; offsets are committed only by the test. */
async function collectingConsumer(defer: Defer, kafka: Kafka, groupId: string, topic: string): Promise<{ consumer: Consumer; seen: KafkaMessage[] }> {
  // disconnect() waits for the fetch in flight: a short fetch wait keeps it quick.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, retry: { retries: 10 } });
  defer(() => consumer.disconnect());
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      seen.push(message);
    },
  });
  return { consumer, seen };
}

async function committedOffset(a: Admin, groupId: string, topic: string): Promise<string | undefined> {
  const [result] = await a.fetchOffsets({ groupId, topics: [topic] });
  return result?.partitions.find((p) => p.partition === 0)?.offset;
}

describe('harness Kafka with kafkajs', () => {
  it('creates a topic, produces, consumes in a group and commits an offset that a new member resumes from', async (t) => {
    const brokers = kafkaBrokers(t);
    if (!brokers) return;
    const defer = deferStack(t);
    const kafka = client(brokers);
    const a = await admin(defer, kafka);
    const topic = uniqueName('smoke');
    const groupId = uniqueName('group');
    assert.equal(await a.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }), true);

    const producer = kafka.producer();
    defer(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k1', value: 'first' }] });

    const first = await collectingConsumer(defer, kafka, groupId, topic);
    await waitFor(() => first.seen.length === 1, { timeoutMs: 60_000, what: 'the first record' });
    assert.equal(first.seen[0]?.value?.toString(), 'first');
    await first.consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]);
    assert.equal(await committedOffset(a, groupId, topic), '1');
    await first.consumer.disconnect();

    await producer.send({ topic, acks: -1, messages: [{ key: 'k2', value: 'second' }] });
    const second = await collectingConsumer(defer, kafka, groupId, topic);
    await waitFor(() => second.seen.length >= 1, { timeoutMs: 60_000, what: 'the second record' });
    assert.deepEqual(
      second.seen.map((m) => m.value?.toString()),
      ['second'],
    );
  });

  it('keeps records and committed offsets when the broker crashes and restarts on the same port', async (t) => {
    // A private broker: the shared one must not go away under other tests.
    // Gated like the shared one, so that a --unit run starts no JVM.
    if (!kafkaBrokers(t)) return;
    const defer = deferStack(t);
    const server = await startKafka();
    defer(() => server.stop()); // last: clients left retrying would keep this process alive
    const kafka = client(server.brokers);
    const topic = uniqueName('restart');
    const groupId = uniqueName('group');
    const setup = await admin(defer, kafka);
    await setup.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    defer(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
    await setup.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    // No client stays connected through the crash.
    await producer.disconnect();
    await setup.disconnect();

    await server.stop({ keepData: true, kill: true });
    assert.equal(server.running, false);
    await server.start();

    const a = await admin(defer, kafka);
    assert.equal(await committedOffset(a, groupId, topic), '1');
    const resumed = await collectingConsumer(defer, kafka, groupId, topic);
    await waitFor(() => resumed.seen.length >= 1, { timeoutMs: 60_000, what: 'the record after the committed offset' });
    assert.deepEqual(
      resumed.seen.map((m) => m.value?.toString()),
      ['b'],
    );
  });
});
