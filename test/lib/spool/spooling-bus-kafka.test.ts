// The spooling bus over the real Kafka bus and a private broker (stopping it
// must not disturb other tests): records produced while the broker is down
// are acknowledged from the spool up to its bound, refused past it with a
// retryable "exhausted" error, and once the broker is back every acknowledged
// record is in Kafka, in order per key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsumedRecord, OutRecord } from '../../../lib/bus/bus.js';
import { KafkaBus } from '../../../lib/bus/kafka-bus.js';
import { UnavailableError } from '../../../lib/errors.js';
import { SpoolingBus } from '../../../lib/spool/spooling-bus.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { deferStack } from '../../harness/defer.js';
import { kafkaBrokers, uniqueName } from '../../harness/env.js';
import { startKafka } from '../../harness/kafka.js';
import { waitFor } from '../../harness/wait-for.js';
import { collectTopic, lineCollector, tempDir } from './helpers.js';

const KEYS = ['trace-a', 'trace-b', 'trace-c', 'trace-d', 'trace-e'];
const rec = (n: number): OutRecord => ({ key: Buffer.from(KEYS[n % KEYS.length]!), value: Buffer.concat([Buffer.from(`${n}:`), Buffer.alloc(1_000)]), headers: { n: String(n) } });
const numberOf = (r: ConsumedRecord) => Number(r.value.toString('latin1').split(':')[0]);

function kafkaBus(brokers: string[]): KafkaBus {
  return new KafkaBus({
    brokers,
    clientId: uniqueName('spool-kafka'),
    connectionTimeoutMs: 500,
    requestTimeoutMs: 3_000,
    retries: 1,
    produceTimeoutMs: 5_000,
    logger: createLogger({ level: 'error', stream: lineCollector().stream }),
    consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200, retryBackoffMs: 100 },
  });
}

test('with the broker down, produce is acknowledged from the spool up to its bound, then refused (retryable, exhausted); once the broker is back every acknowledged record arrives, in order per key', { timeout: 240_000 }, async (t) => {
  if (!kafkaBrokers(t)) return; // gated like the shared broker: a --unit run starts no JVM
  const defer = deferStack(t);
  const server = await startKafka();
  defer(() => server.stop()); // last: clients left retrying would keep this process alive
  const dir = await tempDir(t);
  const { lines, stream } = lineCollector();
  const bus = new SpoolingBus({
    inner: kafkaBus(server.brokers),
    spool: { directory: dir, maxBytes: 48 * 1024, segmentBytes: 8 * 1024, fsync: { mode: 'always' } },
    kafkaTimeoutMs: 1_000,
    drainBatchRecords: 10,
    drainBatchBytes: 64 * 1024,
    retryBackoffMs: 100,
    maxRetryBackoffMs: 1_000,
    logger: createLogger({ level: 'info', stream }),
  });
  defer(() => bus.close());
  await bus.start();
  const topic = uniqueName('spool-kafka');
  await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);

  const acknowledged: number[] = [];
  for (let n = 0; n < 10; n++) await bus.produce(topic, [rec(n)]).then(() => acknowledged.push(n));
  assert.equal(bus.log.counters.appendedRecords, 0, 'straight to Kafka while it is up');

  await server.stop({ kill: true, keepData: true });
  let refusal: unknown;
  for (let n = 10; n < 200 && refusal === undefined; n++) {
    await bus.produce(topic, [rec(n)]).then(
      () => acknowledged.push(n),
      (err: unknown) => (refusal = err),
    );
  }
  assert.ok(refusal instanceof UnavailableError, `refused at the bound with ${String(refusal)}\n${lines.join('')}`);
  assert.equal(refusal.code, 'SPOOL_FULL');
  assert.equal(refusal.exhausted, true);
  assert.ok(acknowledged.length > 30, `${acknowledged.length - 10} acknowledged from a spool of 48 KiB`);
  assert.equal(bus.log.readable, acknowledged.length - 10);

  await server.start();
  await waitFor(() => bus.log.readable === 0, { timeoutMs: 120_000, what: `the spool to drain (${bus.log.readable} left)` });
  for (let n = 200; n < 205; n++) await bus.produce(topic, [rec(n)]).then(() => acknowledged.push(n));

  const got = await collectTopic(bus, topic, defer);
  await waitFor(() => acknowledged.every((n) => got.some((r) => numberOf(r) === n)), { timeoutMs: 60_000, what: `${acknowledged.length} records in Kafka` });
  const firstSeen = new Set<number>();
  const lastPerKey = new Map<string, number>();
  for (const r of got) {
    const n = numberOf(r);
    if (firstSeen.has(n)) continue;
    firstSeen.add(n);
    const key = r.key!.toString();
    assert.ok(n > (lastPerKey.get(key) ?? -1), `key ${key}: ${n} after ${lastPerKey.get(key)}`);
    lastPerKey.set(key, n);
  }
  assert.ok(got.every((r) => r.headers.n === String(numberOf(r))), 'headers kept');
});
