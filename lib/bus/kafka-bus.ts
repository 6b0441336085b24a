// The bus over Apache Kafka, through KafkaJS 2.2.4 (kept behind this file and
// kafka-consumer.ts). The producer is idempotent (acks from all in-sync
// replicas, one request in flight as KafkaJS requires for idempotence), and
// the partition of every record is computed here with Kafka's own murmur2
// (partitioner.ts), from partition counts read through the admin client and
// cached until a produce fails. Retries are bounded so that a produce against
// a down broker fails in bounded time with UnavailableError, and the receiver
// can answer its client with a retryable error rather than hold it.
import { Kafka, Partitioners, type Admin, type Message, type Producer } from 'kafkajs';
import { InvalidInputError, UnavailableError } from '../errors.js';
import { closeAll, closeOnce, sleep } from '../lifecycle.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import type { Bus, Consumer, ConsumerOptions, OffsetSpec, OutRecord, PartitionOffset, TopicSpec } from './bus.js';
import { KafkaConsumer, type KafkaConsumerSettings } from './kafka-consumer.js';
import { isProducerFenced, isTransient, isUnknownTopic, toBusError } from './kafka-errors.js';
import { kafkaLogCreator, kafkaLogLevel, type KafkaLogLevel } from './kafka-log.js';
import { kafkaSecurityConfig, type KafkaSecurity } from './kafka-security.js';
import { choosePartition } from './partitioner.js';
import { SendQueue } from './send-queue.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** TLS (reloading client certificates) and SASL; see kafka-security.ts. */
  security?: KafkaSecurity;
  /** Default 3 s. */
  connectionTimeoutMs?: number;
  /** Per request, and the broker's own wait for acks. Default 10 s. */
  requestTimeoutMs?: number;
  /** Retries of a failed request (producer and admin), with backoff from 300 ms. Default 2. */
  retries?: number;
  /** Bound on one produce() call, retries included. Default 30 s. */
  produceTimeoutMs?: number;
  /** Concurrent produce() calls share one request up to this many bytes. Default 768 KiB. */
  maxRequestBytes?: number;
  /** For topic specs that give none. Default -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** KafkaJS's own log lines at this level and above. Default 'warn'. */
  logLevel?: KafkaLogLevel;
  logger?: Logger;
  consumer?: Partial<KafkaConsumerSettings>;
}

// Tries at reading a topic's offsets while a partition has no ready leader: about 4.5 s at 300 ms doubling.
const OFFSET_LOOKUP_TRIES = 5;

const CONSUMER_DEFAULTS: KafkaConsumerSettings = {
  sessionTimeoutMs: 30_000, // KafkaJS's default
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 1_000,
  maxBytesPerPartition: 1024 * 1024,
  partitionsConsumedConcurrently: 1,
  retryBackoffMs: 300, // KafkaJS's initialRetryTime
  maxRetryBackoffMs: 30_000, // KafkaJS's maxRetryTime
  drainTimeoutMs: 30_000,
};

export class KafkaBus implements Bus {
  readonly name = 'kafka-bus';
  readonly close: () => Promise<void>;
  private readonly kafka: Kafka;
  private producer: Producer;
  private readonly sendQueue: SendQueue<Message>;
  private readonly retry: { retries: number; initialRetryTime: number; maxRetryTime: number };
  private readonly admin: Admin;
  private readonly logger: Logger;
  private readonly consumers = new Set<KafkaConsumer>();
  private readonly partitionCounts = new Map<string, Promise<number>>();
  private readonly roundRobin = new Map<string, number>();
  private readonly requestTimeoutMs: number;
  private readonly produceTimeoutMs: number;
  private readonly replicationFactor: number;
  private readonly consumerSettings: KafkaConsumerSettings;
  private producerReady: Promise<void> | undefined;
  private adminReady: Promise<Admin> | undefined;
  private closed = false;

  constructor(options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new InvalidInputError('KafkaBus needs at least one broker address');
    this.logger = options.logger ?? createLogger({ level: 'warn', stream: process.stderr, bindings: { component: 'kafka-bus' } });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.produceTimeoutMs = options.produceTimeoutMs ?? 30_000;
    this.replicationFactor = options.replicationFactor ?? -1;
    this.consumerSettings = { ...CONSUMER_DEFAULTS, ...options.consumer };
    const retry = { retries: options.retries ?? 2, initialRetryTime: 300, maxRetryTime: 5_000 };
    this.kafka = new Kafka({
      brokers: options.brokers,
      clientId: options.clientId,
      ...kafkaSecurityConfig(options.security ?? {}),
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: this.requestTimeoutMs,
      retry,
      logLevel: kafkaLogLevel(options.logLevel ?? 'warn'),
      logCreator: kafkaLogCreator(this.logger),
    });
    this.retry = retry;
    this.producer = this.newProducer();
    this.sendQueue = new SendQueue<Message>({
      maxRequestBytes: options.maxRequestBytes ?? 768 * 1024, // under the broker's default message.max.bytes (1 MiB)
      timeoutMs: this.produceTimeoutMs,
      send: (batch) => this.sendBatch(batch),
      toError: (err, topics) => {
        // The partition count may be what changed (or a topic is gone): read it again next time.
        for (const topic of topics) this.partitionCounts.delete(topic);
        return toBusError(err, `producing to ${topics.join(', ')}`);
      },
    });
    this.admin = this.kafka.admin({ retry });
    this.close = closeOnce(() => this.doClose());
  }

  /** Connects the producer and the admin client; fails with UnavailableError when the brokers cannot be reached. */
  async start(): Promise<void> {
    if (this.closed) throw new UnavailableError('bus closed', { code: 'BUS_CLOSED' });
    await Promise.all([this.connectProducer(), this.connectAdmin()]);
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    const failures: unknown[] = [];
    await closeAll([...this.consumers]).catch((err: unknown) => failures.push(err));
    if (this.producerReady) await this.producer.disconnect().catch((err: unknown) => failures.push(err));
    if (this.adminReady) await this.admin.disconnect().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw new AggregateError(failures, 'closing the kafka bus');
  }

  /**
   * Creates missing topics and waits for their leaders. Topics that exist are
   * left as they are, even with fewer partitions than asked (adding partitions
   * would move keys between partitions, which is an operator's decision): a
   * warning says so.
   */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const admin = await this.connectAdmin();
    try {
      await admin.createTopics({
        waitForLeaders: false,
        timeout: this.requestTimeoutMs,
        topics: specs.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? this.replicationFactor,
          configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      await this.waitForLeaders(admin, specs);
    } catch (err) {
      throw toBusError(err, `creating topics ${specs.map((s) => s.topic).join(', ')}`);
    }
  }

  async partitionCount(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (!count) {
      count = this.fetchPartitionCount(topic);
      this.partitionCounts.set(topic, count);
      count.catch(() => this.partitionCounts.delete(topic));
    }
    return count;
  }

  async offsetsAt(topic: string, at: OffsetSpec): Promise<PartitionOffset[]> {
    const admin = await this.connectAdmin();
    // KafkaJS gives up at once on a partition whose leader is not ready yet
    // (NOT_LEADER_FOR_PARTITION just after a topic was created, or while a
    // leader moves): a bounded number of tries, since the caller is an
    // operator command or a consumer positioning itself.
    for (let attempt = 0; ; attempt++) {
      try {
        const found =
          typeof at === 'object'
            ? await admin.fetchTopicOffsetsByTimestamp(topic, at.timeMs) // the log end where no record is that late
            : (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: at === 'earliest' ? p.low : p.high }));
        return found.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset) })).sort((a, b) => a.partition - b.partition);
      } catch (err) {
        if (attempt >= OFFSET_LOOKUP_TRIES - 1 || !isTransient(err) || this.closed) throw toBusError(err, `reading the offsets of ${topic}`);
        this.logger.debug('reading offsets failed; trying again', { topic, attempt: attempt + 1, err });
        await sleep(this.retry.initialRetryTime * 2 ** attempt);
      }
    }
  }

  async setGroupOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void> {
    const admin = await this.connectAdmin();
    const byTopic = new Map<string, PartitionOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    try {
      // KafkaJS commits them through a short-lived member, which fails while the group has others.
      for (const [topic, list] of byTopic) {
        await admin.setOffsets({ groupId, topic, partitions: list.map((o) => ({ partition: o.partition, offset: o.offset.toString() })) });
      }
    } catch (err) {
      throw toBusError(err, `setting the offsets of group ${groupId}`);
    }
  }

  async produce(topic: string, records: OutRecord[]): Promise<void> {
    if (this.closed) throw new UnavailableError('bus closed', { code: 'BUS_CLOSED' });
    if (records.length === 0) return;
    const partitions = await this.partitionCount(topic);
    const next = () => {
      const n = this.roundRobin.get(topic) ?? 0;
      this.roundRobin.set(topic, n + 1);
      return n;
    };
    const messages = records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      partition: choosePartition(r, partitions, next),
    }));
    let bytes = 0;
    for (const r of records) bytes += r.value.length + (r.key?.length ?? 0);
    await this.sendQueue.push(topic, messages, bytes);
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every record carries its partition (partitioner.ts); naming one only silences KafkaJS's start-up warning.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { ...this.retry, retries: Math.max(1, this.retry.retries) }, // KafkaJS refuses an idempotent producer without retries
    });
  }

  /** One request for everything queued (called by the send queue, never twice at once). */
  private async sendBatch(batch: { topic: string; messages: Message[] }[]): Promise<void> {
    await this.connectProducer();
    const byTopic = new Map<string, Message[]>();
    for (const { topic, messages } of batch) {
      const list = byTopic.get(topic);
      if (list) list.push(...messages);
      else byTopic.set(topic, [...messages]);
    }
    try {
      await this.producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        timeout: this.requestTimeoutMs,
      });
    } catch (err) {
      if (isProducerFenced(err)) await this.replaceProducer();
      throw err;
    }
  }

  /** After the broker lost track of our producer ID or sequence, only a new producer can send again. */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.producerReady = undefined;
    this.logger.warn('kafka producer state rejected by the broker; starting a new producer');
    await old.disconnect().catch(() => undefined);
  }

  consumer(options: ConsumerOptions): Consumer {
    if (this.closed) throw new UnavailableError('bus closed', { code: 'BUS_CLOSED' });
    const consumer = new KafkaConsumer(
      {
        kafka: this.kafka,
        admin: () => this.connectAdmin(),
        settings: this.consumerSettings,
        logger: this.logger,
        forget: (c) => this.consumers.delete(c),
      },
      options,
    );
    this.consumers.add(consumer);
    return consumer;
  }

  private connectProducer(): Promise<void> {
    if (!this.producerReady) {
      const ready = this.producer.connect().catch((err: unknown) => {
        this.producerReady = undefined;
        throw toBusError(err, 'connecting the kafka producer');
      });
      this.producerReady = ready;
    }
    return this.producerReady;
  }

  private connectAdmin(): Promise<Admin> {
    if (!this.adminReady) {
      const ready = this.admin.connect().then(
        () => this.admin,
        (err: unknown) => {
          this.adminReady = undefined;
          throw toBusError(err, 'connecting the kafka admin client');
        },
      );
      this.adminReady = ready;
    }
    return this.adminReady;
  }

  private async fetchPartitionCount(topic: string): Promise<number> {
    const admin = await this.connectAdmin();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new UnavailableError(`unknown topic ${topic}`, { code: 'BUS_UNKNOWN_TOPIC' });
      return count;
    } catch (err) {
      if (isUnknownTopic(err)) throw new UnavailableError(`unknown topic ${topic}`, { code: 'BUS_UNKNOWN_TOPIC', cause: err });
      throw toBusError(err, `reading the partitions of ${topic}`);
    }
  }

  /** Polls metadata until every partition of every topic has a leader (createTopics' own wait stops at the first existing topic). */
  private async waitForLeaders(admin: Admin, specs: TopicSpec[]): Promise<void> {
    const deadline = Date.now() + this.requestTimeoutMs;
    const names = specs.map((s) => s.topic);
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        const ready = names.every((name) => {
          const partitions = topics.find((t) => t.name === name)?.partitions ?? [];
          return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
        });
        if (ready) {
          for (const spec of specs) {
            const count = topics.find((t) => t.name === spec.topic)!.partitions.length;
            this.partitionCounts.set(spec.topic, Promise.resolve(count));
            if (count < spec.partitions) {
              this.logger.warn('topic exists with fewer partitions than configured; leaving it as it is', {
                topic: spec.topic, partitions: count, configured: spec.partitions,
              });
            }
          }
          return;
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new UnavailableError(`topics ${names.join(', ')} have no leader yet`, { code: 'BUS_UNAVAILABLE' });
      await sleep(100);
    }
  }
}
