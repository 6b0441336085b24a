// The Kafka bus as the services configure it, and the start-up step that
// creates the topics.
import { KafkaBus } from '../bus/kafka-bus.js';
import type { Bus } from '../bus/bus.js';
import type { KafkaSection } from '../config/sections.js';
import type { Logger } from '../telemetry/log.js';
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

/** Creates the topics a service uses, when configured to; existing ones are left as they are. */
export function topicsStep(bus: Bus, topics: string[], partitions: number, replicationFactor: number, create: boolean): Component {
  return step('topics', async () => {
    if (!create) return;
    await bus.ensureTopics(topics.map((topic) => ({ topic, partitions, replicationFactor })));
  });
}
