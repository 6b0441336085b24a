// The one interface to the message bus. Two implementations pass the same
// contract tests (test/lib/bus/contract.ts): Kafka through kafkajs
// (kafka-bus.ts), and an in-memory twin for all-in-one mode (memory-bus.ts).
import type { Component } from '../lifecycle.js';

export type Headers = Record<string, string>;

export interface OutRecord {
  /** Records with the same key land on the same partition (see partitioner.ts). */
  key: Buffer | null;
  value: Buffer;
  headers?: Headers;
  /** Explicit partition; overrides the key. */
  partition?: number;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer;
  headers: Headers;
  /** Broker or producer timestamp, ms since the epoch. */
  timestampMs: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  /** Extra topic configuration, e.g. { 'retention.ms': '86400000' }. */
  config?: Record<string, string>;
}

export interface Batch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** The offset the next produced record will get (log end offset). */
  highWatermark: bigint;
  /** Keeps the group membership alive during long work; call it between slow steps. */
  heartbeat(): Promise<void>;
  /** Aborted when the consumer stops or loses this partition. */
  signal: AbortSignal;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: the earliest record (true) or the end. */
  fromBeginning: boolean;
  /**
   * Called for each fetched batch, one partition at a time per partition, in
   * offset order. Offsets are never committed implicitly: call commit().
   */
  handler: (batch: Batch) => Promise<void>;
  /** Partitions this member gained (after a rebalance). */
  onAssign?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** Partitions this member lost: drop their in-memory state; the new owner re-reads from the committed offset. */
  onRevoke?: (partitions: TopicPartition[]) => void | Promise<void>;
}

export interface PartitionLag extends TopicPartition {
  committed: bigint | undefined;
  highWatermark: bigint;
  lag: bigint;
}

export interface Consumer extends Component {
  /** Commit: the next record to read on each partition is `offset`. */
  commit(offsets: PartitionOffset[]): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  assignment(): TopicPartition[];
  /** Lag per assigned partition, as of the last fetch. */
  lag(): PartitionLag[];
}

export type PartitionOffset = TopicPartition & { offset: bigint };

/**
 * A position in every partition of a topic: its log start, its log end, or
 * a time (ms since the epoch).
 */
export type OffsetSpec = 'earliest' | 'latest' | { timeMs: number };

export interface Bus extends Component {
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  partitionCount(topic: string): Promise<number>;
  /**
   * Resolves once every record is durably acknowledged (Kafka: acks from all
   * in-sync replicas; the spooling bus, lib/spool/: that, or durable in its
   * on-disk spool). Rejects with UnavailableError when the bus refuses or is
   * full; then none, some or all of the records may have been written.
   */
  produce(topic: string, records: OutRecord[]): Promise<void>;
  consumer(options: ConsumerOptions): Consumer;
  /**
   * The offset of each partition of `topic` at `at`: the log start, the log
   * end (the next offset to be written), or the first record whose timestamp
   * is at or after the time (the log end when there is none). In partition order.
   */
  offsetsAt(topic: string, at: OffsetSpec): Promise<PartitionOffset[]>;
  /**
   * Sets a group's committed offsets, so that its members start there: for a
   * replay, or to move a group by hand. The group must have no active member.
   */
  setGroupOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void>;
}
