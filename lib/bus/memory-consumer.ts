// A member of an in-memory consumer group. Each owned partition has a position
// (the next offset to deliver); a pump hands the handler batches of what lies
// between the position and the log end, at most one call per partition at a
// time and at most `partitionsConsumedConcurrently` calls at once.
//
// A handler that throws is treated as KafkaJS treats eachBatch failing: the
// position does not move, so the same records come again, after a backoff
// that doubles (retryBackoffMs up to maxRetryBackoffMs) until a call succeeds.
// Only that partition waits; the others go on. Nothing is ever committed
// implicitly, and a revoke or close aborts the batch's signal and ends retries.
import { OcsvcError, UnavailableError } from '../errors.js';
import { closeOnce, sleep } from '../lifecycle.js';
import type { Logger } from '../telemetry/log.js';
import type { Batch, Consumer, ConsumerOptions, PartitionLag, TopicPartition } from './bus.js';
import type { GainedPartition, GroupMember, LogBounds, MemoryGroup } from './memory-group.js';
import type { StoredRecord } from './memory-log.js';
import { byTopicPartition, parsePartitionKey, partitionKey } from './topic-partition.js';

/** What a member needs of the bus (implemented by MemoryBus). */
export interface MemoryBroker extends LogBounds {
  hasTopic(topic: string): boolean;
  read(topic: string, partition: number, from: bigint, maxRecords: number, maxBytes: number): StoredRecord[];
  group(groupId: string): MemoryGroup;
  /** Retention may move once a group commits. */
  committed(topic: string, partition: number): void;
  forget(consumer: MemoryConsumer): void;
}

export interface MemoryConsumerSettings {
  maxBatchRecords: number;
  maxBatchBytes: number;
  partitionsConsumedConcurrently: number;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** How long close() and a revoke wait for an in-flight handler call. */
  drainTimeoutMs: number;
  logger: Logger;
}

interface Owned {
  position: bigint;
  controller: AbortController;
  inFlight: Promise<void> | undefined;
  /** Stopped: being revoked. */
  revoking: boolean;
  backoffMs: number;
  backoffTimer: NodeJS.Timeout | undefined;
}

export class MemoryConsumer implements Consumer, GroupMember {
  readonly name: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly close: () => Promise<void>;
  private readonly states = new Map<string, Owned>();
  private readonly paused = new Set<string>();
  private readonly group: MemoryGroup;
  private starting: Promise<void> | undefined;
  private closed = false;
  private running = 0;
  private pumpQueued = false;
  /** Where the pump starts its next pass, so that partitions take turns. */
  private turn = 0;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly options: ConsumerOptions,
    private readonly settings: MemoryConsumerSettings,
  ) {
    this.name = `memory-consumer:${options.groupId}`;
    this.topics = [...new Set(options.topics)];
    this.fromBeginning = options.fromBeginning;
    this.group = broker.group(options.groupId);
    this.close = closeOnce(() => this.doClose());
  }

  start(): Promise<void> {
    return (this.starting ??= this.doStart());
  }

  private async doStart(): Promise<void> {
    if (this.closed) throw new UnavailableError('consumer closed', { code: 'BUS_CLOSED' });
    const unknown = this.topics.filter((t) => !this.broker.hasTopic(t));
    if (unknown.length > 0) {
      throw new UnavailableError(`unknown topic(s): ${unknown.join(', ')}`, { code: 'BUS_UNKNOWN_TOPIC' });
    }
    await this.group.join(this);
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    try {
      if (this.starting) {
        await this.starting.catch(() => undefined);
        await this.group.leave(this);
      }
    } finally {
      this.broker.forget(this);
    }
  }

  async commit(offsets: (TopicPartition & { offset: bigint })[]): Promise<void> {
    const keys = offsets.map((o) => {
      const key = partitionKey(o.topic, o.partition);
      if (!this.states.has(key)) {
        throw new OcsvcError('BUS_NOT_ASSIGNED', `cannot commit ${o.topic}/${o.partition}: not assigned to this member`);
      }
      if (o.offset < 0n) throw new OcsvcError('BUS_BAD_OFFSET', `cannot commit a negative offset on ${o.topic}/${o.partition}`);
      return key;
    });
    offsets.forEach((o, i) => this.group.committed.set(keys[i]!, o.offset));
    for (const o of offsets) this.broker.committed(o.topic, o.partition);
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(partitionKey(tp.topic, tp.partition));
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(partitionKey(tp.topic, tp.partition));
    this.schedule();
  }

  assignment(): TopicPartition[] {
    return [...this.states.keys()].map(parsePartitionKey).sort(byTopicPartition);
  }

  lag(): PartitionLag[] {
    return this.assignment().map(({ topic, partition }) => {
      const key = partitionKey(topic, partition);
      const committed = this.group.committed.get(key);
      const highWatermark = this.broker.endOffset(topic, partition);
      const from = committed ?? this.group.starts.get(key) ?? highWatermark;
      return { topic, partition, committed, highWatermark, lag: highWatermark > from ? highWatermark - from : 0n };
    });
  }

  // --- GroupMember ---

  owned(): ReadonlySet<string> {
    return new Set(this.states.keys());
  }

  async revoke(keys: string[]): Promise<void> {
    const states = keys.flatMap((key) => this.states.get(key) ?? []);
    for (const state of states) {
      state.revoking = true;
      clearTimeout(state.backoffTimer);
      state.controller.abort(new UnavailableError('partition revoked', { code: 'BUS_REVOKED' }));
    }
    await this.drain(states.map((s) => s.inFlight));
    // Commits stay allowed until onRevoke has returned: it is the place to commit what is done.
    await this.callback('onRevoke', keys.map(parsePartitionKey).sort(byTopicPartition));
    for (const key of keys) this.states.delete(key);
  }

  async assign(gained: GainedPartition[]): Promise<void> {
    for (const g of gained) {
      this.states.set(g.key, {
        position: g.position,
        controller: new AbortController(),
        inFlight: undefined,
        revoking: false,
        backoffMs: 0,
        backoffTimer: undefined,
      });
    }
    await this.callback('onAssign', gained.map(({ topic, partition }) => ({ topic, partition })).sort(byTopicPartition));
    this.schedule();
  }

  // --- delivery ---

  /** Runs the pump soon, once however many times it is asked. */
  schedule(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    const keys = [...this.states.keys()];
    for (let i = 0; i < keys.length && this.running < this.settings.partitionsConsumedConcurrently; i++) {
      const key = keys[(this.turn + i) % keys.length]!;
      const state = this.states.get(key)!;
      if (state.inFlight || state.revoking || state.backoffTimer || this.paused.has(key) || this.closed) continue;
      const { topic, partition } = parsePartitionKey(key);
      const records = this.broker.read(topic, partition, state.position, this.settings.maxBatchRecords, this.settings.maxBatchBytes);
      if (records.length === 0) continue;
      this.turn = (this.turn + i + 1) % keys.length;
      this.deliver(key, state, topic, partition, records);
    }
  }

  private deliver(key: string, state: Owned, topic: string, partition: number, records: StoredRecord[]): void {
    const batch: Batch = {
      topic,
      partition,
      records,
      highWatermark: this.broker.endOffset(topic, partition),
      heartbeat: async () => undefined,
      signal: state.controller.signal,
    };
    this.running += 1;
    state.inFlight = (async () => {
      try {
        await this.options.handler(batch);
        state.position = records[records.length - 1]!.offset + 1n;
        state.backoffMs = 0;
      } catch (err) {
        if (!state.revoking && !this.closed) this.backOff(key, state, err, records[0]!.offset);
      } finally {
        state.inFlight = undefined;
        this.running -= 1;
        this.schedule();
      }
    })();
  }

  private backOff(key: string, state: Owned, err: unknown, offset: bigint): void {
    state.backoffMs = Math.min(state.backoffMs === 0 ? this.settings.retryBackoffMs : state.backoffMs * 2, this.settings.maxRetryBackoffMs);
    const { topic, partition } = parsePartitionKey(key);
    this.settings.logger.error('bus handler failed; the batch will be delivered again', {
      groupId: this.options.groupId, topic, partition, offset, retryInMs: state.backoffMs, err,
    });
    state.backoffTimer = setTimeout(() => {
      state.backoffTimer = undefined;
      this.schedule();
    }, state.backoffMs);
  }

  private async drain(calls: (Promise<void> | undefined)[]): Promise<void> {
    const pending = calls.filter((c) => c !== undefined);
    if (pending.length === 0) return;
    const deadline = new AbortController();
    const timedOut = sleep(this.settings.drainTimeoutMs, deadline.signal).then(
      () => true,
      () => false,
    );
    const late = await Promise.race([Promise.all(pending).then(() => false), timedOut]);
    deadline.abort();
    if (late) {
      this.settings.logger.warn('bus handler still running after the drain timeout; going on without it', {
        groupId: this.options.groupId, drainTimeoutMs: this.settings.drainTimeoutMs,
      });
    }
  }

  private async callback(which: 'onAssign' | 'onRevoke', partitions: TopicPartition[]): Promise<void> {
    try {
      await this.options[which]?.(partitions);
    } catch (err) {
      this.settings.logger.error(`bus ${which} callback failed`, { groupId: this.options.groupId, partitions, err });
    }
  }
}
