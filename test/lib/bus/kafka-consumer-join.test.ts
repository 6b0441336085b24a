// Joining the group at start-up, against a scripted KafkaJS consumer: the
// cases a real broker produces only by chance (a group coordinator still
// loading its state right after the broker started) are played here in order.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { KafkaConsumer } from '../../../lib/bus/kafka-consumer.js';
import { UnavailableError } from '../../../lib/errors.js';
import { createLogger } from '../../../lib/telemetry/log.js';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

function coordinatorLoading(): Error {
  return Object.assign(new Error("The coordinator is loading and hence can't process requests for this group"), {
    name: 'KafkaJSProtocolError', type: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true,
  });
}

/** A KafkaJS consumer whose run() plays `script` (what KafkaJS reports while joining). */
function scripted(script: (emit: (event: string, payload: unknown) => void) => void, backoffMs = { retryBackoffMs: 10, maxRetryBackoffMs: 100 }) {
  const emitter = new EventEmitter();
  let disconnects = 0;
  const fake = {
    events: EVENTS,
    on: (event: string, listener: (e: { payload: unknown }) => void) => emitter.on(event, listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async () => script((event, payload) => emitter.emit(event, { payload })),
    disconnect: async () => void disconnects++,
    commitOffsets: async () => undefined,
    pause: () => undefined,
    resume: () => undefined,
  };
  const kafka = { consumer: () => fake } as unknown as Kafka;
  const consumer = new KafkaConsumer(
    {
      kafka,
      admin: () => Promise.reject(new Error('no admin in this test')),
      settings: {
        sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 100,
        maxBytesPerPartition: 1 << 20, partitionsConsumedConcurrently: 1, ...backoffMs, drainTimeoutMs: 1_000,
      },
      logger: createLogger({ stream: new PassThrough() }),
      forget: () => undefined,
    },
    { groupId: 'g', topics: ['t'], fromBeginning: true, handler: async () => undefined },
  );
  return { consumer, disconnects: () => disconnects };
}

test('a join KafkaJS restarts after a retriable crash (coordinator loading) is waited for, not reported as a failed start', async () => {
  const { consumer } = scripted((emit) => {
    emit(EVENTS.CRASH, { error: coordinatorLoading(), restart: true });
    setTimeout(() => emit(EVENTS.GROUP_JOIN, { memberAssignment: { t: [0, 1] } }), 30);
  });
  await consumer.start();
  assert.deepEqual(consumer.assignment(), [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  await consumer.close();
});

test('a crash KafkaJS will not restart from fails the start with the cause, and the consumer disconnects', async () => {
  const denied = Object.assign(new Error('Not authorized to access group'), { name: 'KafkaJSProtocolError', type: 'GROUP_AUTHORIZATION_FAILED', retriable: false });
  const { consumer, disconnects } = scripted((emit) => emit(EVENTS.CRASH, { error: denied, restart: false }));
  await assert.rejects(consumer.start(), (err: Error) => {
    assert.match(err.message, /joining group g: Not authorized to access group/);
    return true;
  });
  assert.equal(disconnects(), 1);
  await consumer.close();
});

test('closing while the first join is still being retried ends the start instead of hanging', async () => {
  const { consumer, disconnects } = scripted((emit) => emit(EVENTS.CRASH, { error: coordinatorLoading(), restart: true }));
  const starting = consumer.start();
  await new Promise((r) => setTimeout(r, 20));
  await consumer.close();
  await assert.rejects(starting, (err: unknown) => err instanceof UnavailableError && /closed before it joined/.test(err.message));
  assert.ok(disconnects() >= 1);
});

function coordinatorNotFound(): Error {
  return Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound', retriable: false });
}

test('a fresh cluster whose coordinator is not found within the client retries is joined again until it is', async () => {
  let attempts = 0;
  const { consumer, disconnects } = scripted((emit) => {
    attempts++;
    if (attempts < 3) emit(EVENTS.CRASH, { error: coordinatorNotFound(), restart: false });
    else emit(EVENTS.GROUP_JOIN, { memberAssignment: { t: [0] } });
  });
  await consumer.start();
  assert.equal(attempts, 3);
  assert.equal(disconnects(), 2, 'each failed attempt disconnects its KafkaJS consumer');
  assert.deepEqual(consumer.assignment(), [{ topic: 't', partition: 0 }]);
  await consumer.close();
});

test('closing while waiting to join again ends the start at once, not after the backoff', async () => {
  let attempts = 0;
  const { consumer } = scripted(
    (emit) => {
      attempts++;
      emit(EVENTS.CRASH, { error: coordinatorNotFound(), restart: false });
    },
    { retryBackoffMs: 10_000, maxRetryBackoffMs: 10_000 },
  );
  const starting = consumer.start();
  await new Promise((r) => setTimeout(r, 30));
  const closed = Date.now();
  await consumer.close();
  await assert.rejects(starting, (err: unknown) => err instanceof UnavailableError && /consumer closed/.test(err.message));
  assert.ok(Date.now() - closed < 1_000, 'close does not wait out the 10 s backoff');
  assert.equal(attempts, 1);
});
