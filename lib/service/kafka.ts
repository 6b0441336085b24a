// The Kafka bus as the services configure it (behind the spool for the
// agent and ingester when spool.enabled), and the start-up step that creates
// the topics.
import { KafkaBus } from '../bus/kafka-bus.js';
import type { Bus } from '../bus/bus.js';
import type { KafkaSection, SpoolSection } from '../config/sections.js';
import { SpoolingBus } from '../spool/spooling-bus.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';
import { step } from './runtime.js';
import type { Component } from '../lifecycle.js';

export function kafkaBus(kafka: KafkaSection, clientId: string, log: Logger): KafkaBus {
  return new KafkaBus({
    brokers: [...kafka.brokers],
    clientId,
    connectionTimeoutMs: kafka.connectionTimeoutMs,
    requestTimeoutMs: kafka.requestTimeoutMs,
    logger: log.child({ component: 'kafka' }),
    consumer: { sessionTimeoutMs: kafka.sessionTimeoutMs, heartbeatIntervalMs: Math.max(100, Math.floor(kafka.sessionTimeoutMs / 10)) },
  });
}

/** What the agent and ingester publish to: Kafka, through the spool when it is enabled. */
export function publishingBus(kafka: KafkaSection, spool: SpoolSection, clientId: string, rt: { log: Logger; registry: Registry }): Bus {
  const bus = kafkaBus(kafka, clientId, rt.log);
  if (!spool.enabled) return bus;
  return new SpoolingBus({
    inner: bus,
    spool: {
      directory: spool.directory,
      maxBytes: spool.maxBytes,
      segmentBytes: spool.segmentBytes,
      fsync: spool.fsync === 'always' ? { mode: 'always' } : { mode: 'interval', intervalMs: spool.fsyncIntervalMs },
    },
    kafkaTimeoutMs: spool.kafkaTimeoutMs,
    drainBatchRecords: spool.drainBatchRecords,
    drainBatchBytes: spool.drainBatchBytes,
    registry: rt.registry,
    logger: rt.log.child({ component: 'spool' }),
  });
}

/** Creates the topics a service uses, when configured to; existing ones are left as they are. */
export function topicsStep(bus: Bus, topics: string[], partitions: number, replicationFactor: number, create: boolean): Component {
  return step('topics', async () => {
    if (!create) return;
    await bus.ensureTopics(topics.map((topic) => ({ topic, partitions, replicationFactor })));
  });
}
