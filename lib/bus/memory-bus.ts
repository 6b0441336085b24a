// The in-memory twin of the Kafka bus, for all-in-one mode and tests: topics
// of N partitions with Kafka's offsets, keyed partitioning by partitioner.ts,
// consumer groups with committed offsets and eager rebalancing
// (memory-group.ts), per-partition batches (memory-consumer.ts).
//
// Memory is bounded by maxBytes (keys, values and headers of every retained
// record): produce() refuses with UnavailableError('bus full') at the bound.
// Retention follows the consumers: a record is dropped once every group with
// members subscribed to its topic has committed past it (a group that has not
// committed yet keeps what it started from). A topic that no active group
// consumes keeps at most retainBytes (the oldest go first), so that records
// produced before the consumers start are not lost, nor kept forever. A
// group's committed offsets outlive its members, but a group without members
// holds nothing back; when it rejoins past what was dropped, it starts at the
// log start.
import { InvalidInputError, UnavailableError } from '../errors.js';
import { closeAll, closeOnce } from '../lifecycle.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import type { Bus, Consumer, ConsumerOptions, Headers, OffsetSpec, OutRecord, PartitionOffset, TopicSpec } from './bus.js';
import { MemoryConsumer, type MemoryBroker, type MemoryConsumerSettings } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { PartitionLog, type StoredRecord } from './memory-log.js';
import { choosePartition } from './partitioner.js';
import { partitionKey } from './topic-partition.js';

export interface MemoryBusOptions {
  /** Bound on the keys, values and headers of all retained records. Default 256 MiB. */
  maxBytes?: number;
  /** Bound per topic that no active group consumes. Default 16 MiB (and never above maxBytes). */
  retainBytes?: number;
  /** What produce() tells a refused sender when the bus is full. Default 1 s. */
  fullRetryAfterMs?: number;
  /** Batch limits: records and bytes per handler call (a larger single record goes alone). */
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  /** Handler calls in flight at once per consumer (one per partition at most). Default 1, as KafkaJS. */
  partitionsConsumedConcurrently?: number;
  /** First delay before a failed batch is delivered again; doubles up to maxRetryBackoffMs. */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  /** How long close() and a rebalance wait for an in-flight handler call. Default 30 s. */
  drainTimeoutMs?: number;
  logger?: Logger;
}

const MiB = 1024 * 1024;

interface TopicState {
  logs: PartitionLog[];
  /** Counter for records without key or partition. */
  nextRoundRobin: number;
}

export class MemoryBus implements Bus, MemoryBroker {
  readonly name = 'memory-bus';
  readonly close: () => Promise<void>;
  private readonly topics = new Map<string, TopicState>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly maxBytes: number;
  private readonly retainBytes: number;
  private readonly fullRetryAfterMs: number;
  private readonly settings: MemoryConsumerSettings;
  private bytes = 0;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * MiB;
    this.retainBytes = Math.min(options.retainBytes ?? 16 * MiB, this.maxBytes);
    this.fullRetryAfterMs = options.fullRetryAfterMs ?? 1_000;
    this.settings = {
      maxBatchRecords: options.maxBatchRecords ?? 1_000,
      maxBatchBytes: options.maxBatchBytes ?? 1 * MiB,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      retryBackoffMs: options.retryBackoffMs ?? 300, // KafkaJS's initialRetryTime
      maxRetryBackoffMs: options.maxRetryBackoffMs ?? 30_000, // KafkaJS's maxRetryTime
      drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
      logger: options.logger ?? createLogger({ level: 'warn', stream: process.stderr, bindings: { component: 'memory-bus' } }),
    };
    this.close = closeOnce(async () => {
      try {
        await closeAll([...this.consumers]);
      } finally {
        this.closed = true;
      }
    });
  }

  /** Nothing to connect to. */
  async start(): Promise<void> {}

  /** Bytes retained across all topics (what maxBytes bounds). */
  retainedBytes(): number {
    return this.bytes;
  }

  /** Creates missing topics; an existing topic keeps its partitions, even if the spec asks for more. */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new InvalidInputError(`topic ${spec.topic}: partitions must be a positive integer, got ${spec.partitions}`);
      }
    }
    for (const spec of specs) {
      if (this.topics.has(spec.topic)) continue;
      this.topics.set(spec.topic, { logs: Array.from({ length: spec.partitions }, () => new PartitionLog()), nextRoundRobin: 0 });
    }
  }

  async partitionCount(topic: string): Promise<number> {
    return this.topic(topic).logs.length;
  }

  async produce(topic: string, records: OutRecord[]): Promise<void> {
    if (this.closed) throw new UnavailableError('bus closed', { code: 'BUS_CLOSED' });
    const state = this.topic(topic);
    const roundRobin = () => state.nextRoundRobin++;
    // Check everything before appending anything: a refused call writes nothing.
    const placed = records.map((r) => ({ record: r, partition: choosePartition(r, state.logs.length, roundRobin), sizeBytes: sizeOf(r) }));
    const total = placed.reduce((sum, p) => sum + p.sizeBytes, 0);
    if (total > this.maxBytes) {
      throw new InvalidInputError(`${total} bytes of records can never fit in the bus (maxBytes ${this.maxBytes})`, {
        code: 'BUS_RECORD_TOO_LARGE',
      });
    }
    if (this.bytes + total > this.maxBytes) {
      throw new UnavailableError('bus full', { code: 'BUS_FULL', retryAfterMs: this.fullRetryAfterMs, exhausted: true });
    }
    const timestampMs = Date.now();
    const touched = new Set<number>();
    for (const { record, partition, sizeBytes } of placed) {
      state.logs[partition]!.append({
        topic,
        partition,
        // Copies: the caller may reuse its buffers, and a view would pin a whole request buffer.
        key: record.key === null ? null : Buffer.from(record.key),
        value: Buffer.from(record.value),
        headers: { ...record.headers },
        timestampMs,
      }, sizeBytes);
      touched.add(partition);
    }
    this.bytes += total;
    if (!this.consumed(topic)) for (const p of touched) this.trim(topic, p);
    for (const consumer of this.consumers) if (consumer.topics.includes(topic)) consumer.schedule();
  }

  consumer(options: ConsumerOptions): Consumer {
    if (this.closed) throw new UnavailableError('bus closed', { code: 'BUS_CLOSED' });
    const consumer = new MemoryConsumer(this, options, this.settings);
    this.consumers.add(consumer);
    return consumer;
  }

  async offsetsAt(topic: string, at: OffsetSpec): Promise<PartitionOffset[]> {
    return this.topic(topic).logs.map((log, partition) => ({
      topic,
      partition,
      offset: at === 'earliest' ? log.startOffset : at === 'latest' ? log.endOffset : log.offsetAtTime(at.timeMs),
    }));
  }

  async setGroupOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void> {
    const group = this.group(groupId);
    if (group.members.length > 0) {
      throw new InvalidInputError(`cannot set the offsets of group ${groupId}: it has ${group.members.length} active member(s)`, { code: 'BUS_GROUP_ACTIVE' });
    }
    for (const o of offsets) {
      this.log(o.topic, o.partition); // throws for an unknown topic or partition
      if (o.offset < 0n) throw new InvalidInputError(`cannot set a negative offset on ${o.topic}/${o.partition}`, { code: 'BUS_BAD_OFFSET' });
    }
    for (const o of offsets) group.committed.set(partitionKey(o.topic, o.partition), o.offset);
  }

  // --- MemoryBroker ---

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  partitions(topic: string): number {
    return this.topic(topic).logs.length;
  }

  startOffset(topic: string, partition: number): bigint {
    return this.log(topic, partition).startOffset;
  }

  endOffset(topic: string, partition: number): bigint {
    return this.log(topic, partition).endOffset;
  }

  read(topic: string, partition: number, from: bigint, maxRecords: number, maxBytes: number): StoredRecord[] {
    return this.log(topic, partition).read(from, maxRecords, maxBytes);
  }

  group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new MemoryGroup(groupId, this, () => this.membershipChanged());
      this.groups.set(groupId, group);
    }
    return group;
  }

  committed(topic: string, partition: number): void {
    this.trim(topic, partition);
  }

  forget(consumer: MemoryConsumer): void {
    this.consumers.delete(consumer);
  }

  // --- retention ---

  /** A group that left may have been what held records back; one that joined may now hold them. */
  private membershipChanged(): void {
    for (const [topic, state] of this.topics) state.logs.forEach((_, p) => this.trim(topic, p));
  }

  private consumed(topic: string): boolean {
    for (const group of this.groups.values()) if (group.subscribes(topic)) return true;
    return false;
  }

  private trim(topic: string, partition: number): void {
    const state = this.topic(topic);
    const log = state.logs[partition]!;
    const active = [...this.groups.values()].filter((g) => g.subscribes(topic));
    if (active.length === 0) {
      this.bytes -= log.trimToBytes(Math.floor(this.retainBytes / state.logs.length));
      return;
    }
    let floor = log.endOffset;
    const key = partitionKey(topic, partition);
    for (const group of active) {
      const groupFloor = group.floor(key);
      // A group that has not yet been given the partition (mid-rebalance) holds everything.
      if (groupFloor === undefined) return;
      if (groupFloor < floor) floor = groupFloor;
    }
    this.bytes -= log.trimTo(floor);
  }

  private topic(topic: string): TopicState {
    const state = this.topics.get(topic);
    if (!state) throw new UnavailableError(`unknown topic ${topic}`, { code: 'BUS_UNKNOWN_TOPIC' });
    return state;
  }

  private log(topic: string, partition: number): PartitionLog {
    const log = this.topic(topic).logs[partition];
    if (!log) throw new InvalidInputError(`topic ${topic} has no partition ${partition}`, { code: 'BUS_BAD_PARTITION' });
    return log;
  }
}

function sizeOf(record: OutRecord): number {
  return record.value.length + (record.key?.length ?? 0) + headersSize(record.headers);
}

function headersSize(headers: Headers | undefined): number {
  if (!headers) return 0;
  let size = 0;
  for (const [k, v] of Object.entries(headers)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  return size;
}
