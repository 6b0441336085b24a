// A member of a Kafka consumer group, over a KafkaJS consumer with eachBatch,
// no auto-commit and no auto-resolve. What it adds to KafkaJS:
//
// - onAssign/onRevoke with what changed. KafkaJS's eager protocol revokes
//   everything at each rebalance and only reports the new assignment (the
//   GROUP_JOIN event), so the difference is computed here. onRevoke runs once
//   the new assignment is known (KafkaJS tells nothing earlier): a commit made
//   in onRevoke may land after the new owner began from the previous commit,
//   which re-reads a little (at least once), never loses.
// - A partition kept through a rebalance does not see records again: KafkaJS
//   restarts every partition from the committed offset, and records below
//   what this member already handled are skipped.
// - A handler that throws: the batch is not resolved, so KafkaJS fetches the
//   same records again, after a backoff during which only that partition is
//   paused (retryBackoffMs doubling to maxRetryBackoffMs). KafkaJS itself
//   would retry the whole fetch loop and then crash and restart the consumer,
//   a rebalance of the whole group; one failing partition should not do that.
// - batch.heartbeat() never throws: when it learns of a rebalance it aborts
//   the batch's signal so that the handler returns soon, and the rebalance is
//   handed to KafkaJS once the handler has returned.
import { type Admin, type Consumer as KafkaJsConsumer, type EachBatchPayload, type Kafka, type KafkaMessage } from 'kafkajs';
import { OcsvcError, UnavailableError } from '../errors.js';
import { closeOnce, sleep } from '../lifecycle.js';
import type { Logger } from '../telemetry/log.js';
import type { ConsumedRecord, Consumer, ConsumerOptions, Headers, PartitionLag, TopicPartition } from './bus.js';
import { isRebalancing, toBusError } from './kafka-errors.js';
import { byTopicPartition, parsePartitionKey, partitionKey } from './topic-partition.js';

export interface KafkaConsumerSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** How long the broker holds a fetch open when there is nothing new. */
  maxWaitTimeMs: number;
  maxBytesPerPartition: number;
  partitionsConsumedConcurrently: number;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** How long close() waits for an in-flight handler call and for leaving the group. */
  drainTimeoutMs: number;
}

interface Owned {
  controller: AbortController;
  /** The next offset to deliver; undefined until the first batch succeeds. */
  position: bigint | undefined;
  committed: bigint | undefined;
  highWatermark: bigint | undefined;
  /** Where lag counts from while nothing is committed. */
  start: bigint | undefined;
  inFlight: Promise<void> | undefined;
  backoffMs: number;
  backoffTimer: NodeJS.Timeout | undefined;
}

/** How long start-up keeps joining while the group coordinator cannot be found (a fresh cluster loading its offsets topic). */
const COORDINATOR_WAIT_MS = 60_000; // 1 minute

const isCoordinatorNotFound = (err: unknown): boolean => err instanceof Error && err.name === 'KafkaJSGroupCoordinatorNotFound';

export interface KafkaConsumerContext {
  kafka: Kafka;
  admin: () => Promise<Admin>;
  settings: KafkaConsumerSettings;
  logger: Logger;
  forget: (consumer: KafkaConsumer) => void;
}

export class KafkaConsumer implements Consumer {
  readonly name: string;
  readonly close: () => Promise<void>;
  private consumer: KafkaJsConsumer | undefined;
  private readonly owned = new Map<string, Owned>();
  /** Lost in a rebalance, onRevoke not yet returned: commits are still allowed. */
  private readonly revoking = new Map<string, Owned>();
  private readonly userPaused = new Set<string>();
  private settled: Promise<void> = Promise.resolve();
  private starting: Promise<void> | undefined;
  private joined = false;
  private running = false;
  private closing = false;
  /** Settles when the first join succeeds, KafkaJS gives up, or close() is called. */
  private joining: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  /** Ends a wait between join attempts when close() is called. */
  private readonly stopWaiting = new AbortController();

  constructor(
    private readonly ctx: KafkaConsumerContext,
    private readonly options: ConsumerOptions,
  ) {
    this.name = `kafka-consumer:${options.groupId}`;
    this.close = closeOnce(() => this.doClose());
  }

  start(): Promise<void> {
    return (this.starting ??= this.doStart());
  }

  private async doStart(): Promise<void> {
    const s = this.ctx.settings;
    const deadline = Date.now() + COORDINATOR_WAIT_MS;
    for (let backoffMs = s.retryBackoffMs; ; backoffMs = Math.min(backoffMs * 2, s.maxRetryBackoffMs)) {
      if (this.closing) throw new UnavailableError('consumer closed', { code: 'BUS_CLOSED' });
      try {
        await this.join();
        break;
      } catch (err) {
        // A fresh cluster creates and loads its offsets topic on the first
        // group lookup, which can outlast the client's few retries; KafkaJS
        // then gives up without restarting. Join again, within a bound.
        if (!isCoordinatorNotFound(err) || this.closing || Date.now() + backoffMs > deadline) throw toBusError(err, `joining group ${this.options.groupId}`);
        this.ctx.logger.warn('group coordinator not found yet; joining again', { groupId: this.options.groupId, retryInMs: backoffMs });
        await sleep(backoffMs, this.stopWaiting.signal).catch(() => undefined);
      }
    }
    await this.settled;
  }

  /** One attempt at joining the group with a new KafkaJS consumer; on failure it is disconnected and the cause thrown. */
  private async join(): Promise<void> {
    const s = this.ctx.settings;
    const consumer = this.ctx.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      maxWaitTimeInMs: s.maxWaitTimeMs,
      maxBytesPerPartition: s.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      // KafkaJS's defaults: a broker outage of a few seconds does not restart the consumer.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 30_000 },
    });
    this.consumer = consumer;
    // KafkaJS's run() resolves once the first join either succeeded or
    // crashed; a crash it will restart from (a coordinator still loading, a
    // broker not yet up) is waited out here, so that a service started
    // before Kafka is ready becomes ready later instead of exiting.
    const joined = new Promise<void>((resolve, reject) => (this.joining = { resolve, reject }));
    joined.catch(() => undefined); // awaited below; a crash may come first
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onGroupJoin(e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => this.onCrash(e.payload.error, e.payload.restart));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: s.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      await joined;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    } finally {
      this.joining = undefined;
    }
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    for (const state of [...this.owned.values(), ...this.revoking.values()]) {
      clearTimeout(state.backoffTimer);
      state.controller.abort(new UnavailableError('consumer closing', { code: 'BUS_CLOSED' }));
    }
    this.joining?.reject(new UnavailableError('consumer closed before it joined its group', { code: 'BUS_CLOSED' }));
    this.stopWaiting.abort();
    try {
      if (!this.starting) return;
      await this.starting.catch(() => undefined);
      const consumer = this.consumer;
      if (!consumer || !this.joined) return;
      this.hold(this.assignment());
      await this.drain([...this.owned.values()].map((s) => s.inFlight));
      await this.settled;
      // onRevoke before leaving the group, so that it can still commit.
      const all = this.assignment();
      for (const [key, state] of this.owned) this.revoking.set(key, state);
      this.owned.clear();
      if (all.length > 0) await this.callback('onRevoke', all);
      this.revoking.clear();
      this.running = false;
      await this.withDeadline(consumer.disconnect(), 'leaving the group');
    } finally {
      this.running = false;
      this.ctx.forget(this);
    }
  }

  async commit(offsets: (TopicPartition & { offset: bigint })[]): Promise<void> {
    const states = offsets.map((o) => {
      const key = partitionKey(o.topic, o.partition);
      const state = this.owned.get(key) ?? this.revoking.get(key);
      if (!state) throw new OcsvcError('BUS_NOT_ASSIGNED', `cannot commit ${o.topic}/${o.partition}: not assigned to this member`);
      if (o.offset < 0n) throw new OcsvcError('BUS_BAD_OFFSET', `cannot commit a negative offset on ${o.topic}/${o.partition}`);
      return state;
    });
    // KafkaJS silently skips commits while its runner is stopped; say so instead.
    if (!this.consumer || !this.running) throw new UnavailableError('consumer not running', { code: 'BUS_UNAVAILABLE' });
    try {
      await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset.toString() })));
    } catch (err) {
      throw toBusError(err, `committing offsets of group ${this.options.groupId}`);
    }
    offsets.forEach((o, i) => (states[i]!.committed = o.offset));
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.userPaused.add(partitionKey(tp.topic, tp.partition));
    this.hold(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.userPaused.delete(partitionKey(tp.topic, tp.partition));
    this.applyHolds();
  }

  assignment(): TopicPartition[] {
    return [...this.owned.keys()].map(parsePartitionKey).sort(byTopicPartition);
  }

  lag(): PartitionLag[] {
    return [...this.owned].map(([key, s]) => {
      const highWatermark = s.highWatermark ?? s.committed ?? s.start ?? 0n;
      const from = s.committed ?? s.start ?? highWatermark;
      return { ...parsePartitionKey(key), committed: s.committed, highWatermark, lag: highWatermark > from ? highWatermark - from : 0n };
    }).sort(byTopicPartition);
  }

  // --- KafkaJS callbacks ---

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    await this.settled;
    const key = partitionKey(batch.topic, batch.partition);
    const state = this.owned.get(key);
    // Not resolved: KafkaJS fetches these again once the partition is resumed.
    if (!state || this.closing || this.held(key, state) || payload.isStale()) return;
    state.highWatermark = BigInt(batch.highWatermark);
    const records: ConsumedRecord[] = [];
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      if (state.position === undefined || offset >= state.position) records.push(toRecord(batch.topic, batch.partition, offset, message));
    }
    const lastOffset = batch.lastOffset();
    if (records.length === 0) {
      payload.resolveOffset(lastOffset);
      return;
    }
    let rebalance: unknown;
    const heartbeat = async () => {
      try {
        await payload.heartbeat();
      } catch (err) {
        // Other failures come back to KafkaJS's own next request; a handler cannot act on them.
        if (!isRebalancing(err)) return;
        rebalance ??= err;
        state.controller.abort(new UnavailableError('consumer group rebalancing', { code: 'BUS_REBALANCING', cause: err }));
      }
    };
    const call = (async () => {
      try {
        await this.options.handler({
          topic: batch.topic,
          partition: batch.partition,
          records,
          highWatermark: state.highWatermark!,
          heartbeat,
          signal: state.controller.signal,
        });
        payload.resolveOffset(lastOffset);
        state.position = BigInt(lastOffset) + 1n;
        state.backoffMs = 0;
      } catch (err) {
        if (!state.controller.signal.aborted && !this.closing) this.backOff(key, state, err, records[0]!.offset);
      }
    })();
    state.inFlight = call;
    try {
      await call;
    } finally {
      state.inFlight = undefined;
    }
    if (rebalance !== undefined) throw rebalance;
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    this.joined = true;
    this.running = true;
    this.reassign(memberAssignment);
    this.joining?.resolve();
  }

  private onCrash(error: unknown, restart: boolean): void {
    this.running = false;
    if (!restart) this.joining?.reject(error);
    this.ctx.logger.error(restart ? 'kafka consumer crashed; KafkaJS restarts it' : 'kafka consumer crashed and stopped', {
      groupId: this.options.groupId, err: error,
    });
    // Restarting means joining anew: this member owns nothing until then.
    if (this.joined && !this.closing) this.reassign({});
  }

  /** Takes a new assignment: revokes what is gone, then assigns what is new, in the order handlers see. */
  private reassign(memberAssignment: Record<string, number[]>): void {
    const next = new Set(Object.entries(memberAssignment).flatMap(([topic, ps]) => ps.map((p) => partitionKey(topic, p))));
    const lost: [string, Owned][] = [...this.owned].filter(([key]) => !next.has(key));
    for (const [key, state] of lost) {
      this.owned.delete(key);
      this.revoking.set(key, state);
      clearTimeout(state.backoffTimer);
      state.backoffTimer = undefined;
      state.controller.abort(new UnavailableError('partition revoked', { code: 'BUS_REVOKED' }));
    }
    const gained = [...next].filter((key) => !this.owned.has(key));
    for (const state of this.owned.values()) {
      if (state.controller.signal.aborted) state.controller = new AbortController();
    }
    for (const key of gained) this.owned.set(key, newOwned());
    this.applyHolds();
    this.settled = this.settled.then(async () => {
      if (lost.length > 0) {
        await this.drain(lost.map(([, s]) => s.inFlight));
        await this.callback('onRevoke', lost.map(([key]) => parsePartitionKey(key)).sort(byTopicPartition));
        for (const [key, state] of lost) if (this.revoking.get(key) === state) this.revoking.delete(key);
      }
      if (gained.length > 0) {
        await this.loadOffsets(gained);
        await this.callback('onAssign', gained.map(parsePartitionKey).sort(byTopicPartition));
      }
    }).catch((err: unknown) => {
      // Keep the chain alive: every later batch waits on it.
      this.ctx.logger.error('bus rebalance handling failed', { groupId: this.options.groupId, err });
    });
  }

  // --- helpers ---

  /** Committed offsets and the log bounds of newly gained partitions, for lag(). */
  private async loadOffsets(keys: string[]): Promise<void> {
    const topics = new Set(keys.map((key) => parsePartitionKey(key).topic));
    try {
      const admin = await this.ctx.admin();
      for (const topic of topics) {
        const [groupOffsets, topicOffsets] = await Promise.all([
          admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] }),
          admin.fetchTopicOffsets(topic),
        ]);
        for (const { partition, offset } of groupOffsets.find((g) => g.topic === topic)?.partitions ?? []) {
          const state = this.owned.get(partitionKey(topic, partition));
          if (state && BigInt(offset) >= 0n) state.committed ??= BigInt(offset);
        }
        for (const { partition, low, high } of topicOffsets) {
          const state = this.owned.get(partitionKey(topic, partition));
          if (!state) continue;
          state.highWatermark ??= BigInt(high);
          state.start ??= this.options.fromBeginning ? BigInt(low) : BigInt(high);
        }
      }
    } catch (err) {
      this.ctx.logger.warn('could not read the group offsets; lag is unknown until the first batch', { groupId: this.options.groupId, err });
    }
  }

  private held(key: string, state: Owned): boolean {
    return this.userPaused.has(key) || state.backoffTimer !== undefined;
  }

  private hold(partitions: TopicPartition[]): void {
    try {
      for (const { topic, partition } of partitions) this.consumer?.pause([{ topic, partitions: [partition] }]);
    } catch {
      // Not running yet: applied at the next GROUP_JOIN.
    }
  }

  private applyHolds(): void {
    try {
      for (const key of this.userPaused) {
        const { topic, partition } = parsePartitionKey(key);
        this.consumer?.pause([{ topic, partitions: [partition] }]);
      }
      for (const [key, state] of this.owned) {
        const { topic, partition } = parsePartitionKey(key);
        if (this.held(key, state)) this.consumer?.pause([{ topic, partitions: [partition] }]);
        else this.consumer?.resume([{ topic, partitions: [partition] }]);
      }
    } catch {
      // Not running yet: applied at the next GROUP_JOIN.
    }
  }

  private backOff(key: string, state: Owned, err: unknown, offset: bigint): void {
    const s = this.ctx.settings;
    state.backoffMs = Math.min(state.backoffMs === 0 ? s.retryBackoffMs : state.backoffMs * 2, s.maxRetryBackoffMs);
    this.ctx.logger.error('bus handler failed; the batch will be delivered again', {
      groupId: this.options.groupId, ...parsePartitionKey(key), offset, retryInMs: state.backoffMs, err,
    });
    state.backoffTimer = setTimeout(() => {
      state.backoffTimer = undefined;
      this.applyHolds();
    }, state.backoffMs);
    this.applyHolds();
  }

  private async drain(calls: (Promise<void> | undefined)[]): Promise<void> {
    const pending = calls.filter((c) => c !== undefined);
    if (pending.length > 0) await this.withDeadline(Promise.all(pending), 'an in-flight handler call');
  }

  private async withDeadline(work: Promise<unknown>, what: string): Promise<void> {
    const deadline = new AbortController();
    const timedOut = sleep(this.ctx.settings.drainTimeoutMs, deadline.signal).then(() => true, () => false);
    const late = await Promise.race([work.then(() => false, () => false), timedOut]);
    deadline.abort();
    if (late) this.ctx.logger.warn(`gave up waiting for ${what}`, { groupId: this.options.groupId, drainTimeoutMs: this.ctx.settings.drainTimeoutMs });
  }

  private async callback(which: 'onAssign' | 'onRevoke', partitions: TopicPartition[]): Promise<void> {
    try {
      await this.options[which]?.(partitions);
    } catch (err) {
      this.ctx.logger.error(`bus ${which} callback failed`, { groupId: this.options.groupId, partitions, err });
    }
  }
}

function newOwned(): Owned {
  return {
    controller: new AbortController(),
    position: undefined,
    committed: undefined,
    highWatermark: undefined,
    start: undefined,
    inFlight: undefined,
    backoffMs: 0,
    backoffTimer: undefined,
  };
}

function toRecord(topic: string, partition: number, offset: bigint, message: KafkaMessage): ConsumedRecord {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // A repeated header arrives as an array: the last one wins, as with a plain object.
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return {
    topic,
    partition,
    offset,
    key: message.key ?? null,
    value: message.value ?? Buffer.alloc(0),
    headers,
    timestampMs: Number(message.timestamp),
  };
}
