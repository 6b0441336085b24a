// The Kafka bus as the services configure it (TLS and SASL from the kafka
// section; behind the spool for the agent and ingester when spool.enabled),
// and the start-up step that creates the topics.
import { KafkaBus } from '../bus/kafka-bus.js';
import type { Bus } from '../bus/bus.js';
import type { KafkaSecurity } from '../bus/kafka-security.js';
import { readSecret } from '../config/secrets.js';
import { OcsvcError } from '../errors.js';
import { ClientTls, tlsClientFilesFrom } from '../net/tls-client.js';
import type { KafkaSection, SpoolSection } from '../config/sections.js';
import { SpoolingBus } from '../spool/spooling-bus.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';
import { step } from './runtime.js';
import type { Component } from '../lifecycle.js';

/**
 * TLS and SASL from the kafka section, the password from kafka.sasl.passwordFile
 * or OCSVC_KAFKA_SASL_PASSWORD; throws INVALID_CONFIG for a half-configured
 * block, naming what is missing, never the password.
 */
export function kafkaSecurity(kafka: KafkaSection, log?: Logger, env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const security: KafkaSecurity = {};
  const { tls, sasl } = kafka;
  const files = tlsClientFilesFrom(tls, 'kafka.tls');
  if (tls.enabled) {
    security.tls = new ClientTls(files, 'kafka.tls', {
      onError: (err) => log?.error('kafka TLS files changed but are unusable; keeping the previous ones', { component: 'kafka', err }),
    });
  } else if (files.caFile ?? files.certFile) {
    throw new OcsvcError('INVALID_CONFIG', 'kafka.tls: caFile, certFile and keyFile need kafka.tls.enabled: true');
  }
  if (sasl.mechanism === '') return security;
  if (sasl.username === '') throw new OcsvcError('INVALID_CONFIG', `kafka.sasl.username is empty: SASL ${sasl.mechanism} needs a user`);
  const password = readSecret({ file: sasl.passwordFile, envName: SASL_PASSWORD_ENV, where: 'kafka.sasl.passwordFile', env });
  if (password === undefined) {
    throw new OcsvcError('INVALID_CONFIG', `kafka.sasl: SASL ${sasl.mechanism} needs a password: set kafka.sasl.passwordFile or the environment variable ${SASL_PASSWORD_ENV}`);
  }
  security.sasl = { mechanism: sasl.mechanism, username: sasl.username, password };
  return security;
}

export const SASL_PASSWORD_ENV = 'OCSVC_KAFKA_SASL_PASSWORD';

export function kafkaBus(kafka: KafkaSection, clientId: string, log: Logger): KafkaBus {
  return new KafkaBus({
    brokers: [...kafka.brokers],
    clientId,
    security: kafkaSecurity(kafka, log),
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
