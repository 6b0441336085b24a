// The sampler: a consumer group on the spans topic. Each trace is buffered
// from its first span for the decision wait, then decided once for the whole
// cluster through the decision store; kept spans go to the sampled topic. A
// partition's offset is committed only up to its low watermark (see
// partition-state.ts), so a crash or rebalance loses nothing, and the store
// makes the next owner follow decisions already taken.
import type { Bus, ConsumedRecord, Consumer, OutRecord, TopicPartition } from '../lib/bus/bus.js';
import { lagSamples } from '../lib/bus/lag-samples.js';
import { errorMessage } from '../lib/errors.js';
import { closeOnce, sleep, type Component } from '../lib/lifecycle.js';
import { traceIdFromBytes, type TraceId } from '../lib/model/ids.js';
import { spanCount } from '../lib/model/trace.js';
import { decodeTracesProto } from '../lib/protocol/otlp/index.js';
import type { DecisionStore, Verdict } from '../lib/store/store.js';
import type { Logger } from '../lib/telemetry/log.js';
import type { ComponentStats, Registry } from '../lib/telemetry/stats.js';
import { DecisionCache } from './decision-cache.js';
import { PartitionState, type PendingTrace } from './partition-state.js';
import type { Policy } from './policy.js';

export const SAMPLED_BY_HEADER = 'ocsvc.sampled_by';

export interface SamplerOptions {
  bus: Bus;
  store: DecisionStore;
  policy: Policy;
  groupId: string;
  topics: { spans: string; spansSampled: string };
  decisionWaitMs: number;
  decisionTtlMs: number;
  tickMs: number;
  maxBufferedBytes: number;
  decideOnShutdown: boolean;
  /** Most traces decided in one tick, so the event loop keeps serving. */
  maxDecisionsPerTick?: number;
  registry: Registry;
  log: Logger;
  now?: () => number;
}

export class Sampler implements Component {
  readonly name = 'sampler';
  private readonly partitions = new Map<string, PartitionState>();
  private readonly cache = new DecisionCache(200_000);
  private readonly stats: ComponentStats;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private paused = false;
  /** Bytes of kept spans being produced: still in memory, so under the bound too. */
  private forwardingBytes = 0;
  private closing = false;
  private storeDown = false;
  private readonly forwards = new Set<Promise<void>>();
  private unregister: (() => void) | undefined;

  constructor(private readonly o: SamplerOptions) {
    this.stats = o.registry.component('sampler', 'processor');
    this.now = o.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.consumer = this.o.bus.consumer({
      groupId: this.o.groupId,
      topics: [this.o.topics.spans],
      fromBeginning: true,
      handler: async (batch) => this.onRecords(batch.records),
      onAssign: (tps) => this.onAssign(tps),
      onRevoke: (tps) => this.onRevoke(tps),
    });
    this.unregister = this.o.registry.collect(() => [
      { name: 'ocsvc_sampler_buffered_traces', help: 'Traces waiting for a decision.', type: 'gauge', labels: {}, value: this.bufferedTraces() },
      { name: 'ocsvc_sampler_buffered_bytes', help: 'Bytes of spans held: waiting for a decision or being produced.', type: 'gauge', labels: {}, value: this.bufferedBytes() + this.forwardingBytes },
      ...lagSamples(this.consumer, this.o.groupId),
    ]);
    await this.consumer.start();
    this.timer = setInterval(() => void this.tick(), this.o.tickMs);
  }

  readonly close = closeOnce(async () => {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    const consumer = this.consumer;
    if (consumer) consumer.pause(consumer.assignment());
    await this.ticking;
    if (this.o.decideOnShutdown) await this.tick({ all: true });
    this.abort.abort(new Error('sampler closing'));
    await Promise.allSettled([...this.forwards]);
    await this.commit().catch((err: unknown) => this.o.log.warn('final commit failed', { err: errorMessage(err) }));
    await consumer?.close();
    this.unregister?.();
  });

  bufferedTraces(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.traces.size;
    return n;
  }

  bufferedBytes(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.bytes;
    return n;
  }

  private state(topic: string, partition: number): PartitionState {
    const key = `${topic}/${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      state = new PartitionState(topic, partition);
      this.partitions.set(key, state);
    }
    return state;
  }

  private onAssign(tps: TopicPartition[]): void {
    for (const tp of tps) this.state(tp.topic, tp.partition);
    // A partition gained while over the memory bound waits like the others.
    if (this.paused || this.closing) this.consumer?.pause(tps);
  }

  private onRevoke(tps: TopicPartition[]): void {
    // The new owner re-reads from the committed offset; what we buffered is its now.
    for (const tp of tps) {
      const state = this.partitions.get(`${tp.topic}/${tp.partition}`);
      if (!state) continue;
      this.partitions.delete(`${tp.topic}/${tp.partition}`);
      this.o.log.info('partition revoked', { topic: tp.topic, partition: tp.partition, undecidedTraces: state.traces.size });
    }
  }

  private onRecords(records: ConsumedRecord[]): void {
    const nowMs = this.now();
    for (const record of records) {
      const state = this.state(record.topic, record.partition);
      let traceId: TraceId;
      let spans: number;
      try {
        const traces = decodeTracesProto(record.value);
        spans = spanCount(traces);
        traceId =
          record.key?.length === 16
            ? traceIdFromBytes(record.key)
            : (traces.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId ?? this.fail('record holds no span'));
      } catch (err) {
        state.seen(record.offset);
        this.stats.dropped(1, 'undecodable_record', 'traces');
        this.o.log.warn('dropping an undecodable record', { topic: record.topic, partition: record.partition, offset: String(record.offset), err: errorMessage(err) });
        continue;
      }
      this.stats.received(spans, 'traces');
      const decided = this.cache.get(traceId);
      if (decided?.verdict === 'drop') {
        state.seen(record.offset);
        this.stats.dropped(spans, 'sampled_out', 'traces');
      } else if (decided?.verdict === 'keep') {
        this.forward(state, [record], spans, record.offset, decided.policy);
      } else {
        // A consumed value may be a view into a whole fetch response: keep a
        // copy of just its bytes, or one buffered span pins megabytes.
        state.add(traceId, { ...record, value: Buffer.from(record.value), key: record.key && Buffer.from(record.key) }, spans, nowMs);
      }
    }
    this.applyMemoryBound();
  }

  private fail(message: string): never {
    throw new Error(message);
  }

  private applyMemoryBound(): void {
    const consumer = this.consumer;
    if (!consumer || this.closing) return;
    const bytes = this.bufferedBytes() + this.forwardingBytes;
    if (!this.paused && bytes >= this.o.maxBufferedBytes) {
      this.paused = true;
      consumer.pause(consumer.assignment());
      this.o.log.warn('buffer full: pausing consumption', { bufferedBytes: bytes });
    } else if (this.paused && bytes < this.o.maxBufferedBytes * 0.8) {
      this.paused = false;
      consumer.resume(consumer.assignment());
      this.o.log.info('buffer below 80%: resuming consumption', { bufferedBytes: bytes });
    }
  }

  /** One decision round; never two at once. */
  tick(opts: { all?: boolean } = {}): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = this.decideDue(opts.all ?? false).finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async decideDue(all: boolean): Promise<void> {
    const nowMs = this.now();
    const limit = all ? Number.MAX_SAFE_INTEGER : (this.o.maxDecisionsPerTick ?? 5_000);
    const due: { state: PartitionState; trace: PendingTrace }[] = [];
    for (const state of this.partitions.values()) {
      for (const trace of state.due(all ? Number.MAX_SAFE_INTEGER : nowMs, this.o.decisionWaitMs, limit - due.length)) {
        due.push({ state, trace });
      }
    }
    if (due.length > 0) await this.decide(due);
    await this.commit().catch((err: unknown) => this.o.log.warn('offset commit failed', { err: errorMessage(err) }));
    this.applyMemoryBound();
  }

  private async decide(due: { state: PartitionState; trace: PendingTrace }[]): Promise<void> {
    const decidedAtMs = this.now();
    const proposals = due.map(({ trace }) => ({
      traceId: trace.traceId,
      decision: { verdict: this.o.policy.evaluate(trace), policy: this.o.policy.name, decidedAtMs },
    }));
    let decisions;
    try {
      decisions = await this.o.store.decide(proposals, this.o.decisionTtlMs);
    } catch (err) {
      // Without the store no decision is taken: deciding alone could split a
      // trace with another sampler. The traces wait (the memory bound pauses
      // consumption if this lasts) and the next tick tries again.
      this.o.registry.add('ocsvc_sampler_store_errors_total', 'Decision rounds that failed because the decision store was unavailable.', {}, 1);
      if (!this.storeDown) this.o.log.error('decision store unavailable; traces wait', { err: errorMessage(err) });
      this.storeDown = true;
      return;
    }
    if (this.storeDown) this.o.log.info('decision store back');
    this.storeDown = false;
    due.forEach(({ state, trace }, i) => {
      const decision = decisions[i]!;
      this.cache.set(trace.traceId, decision);
      state.remove(trace);
      if (this.partitions.get(`${state.topic}/${state.partition}`) !== state) return; // revoked meanwhile
      this.record(decision.verdict, decision.policy);
      if (decision.verdict === 'keep') this.forward(state, trace.records, trace.spans, trace.firstOffset, decision.policy);
      else this.stats.dropped(trace.spans, 'sampled_out', 'traces');
    });
  }

  private record(verdict: Verdict, policy: string): void {
    this.o.registry.add('ocsvc_sampler_decisions_total', 'Trace decisions, by verdict and deciding policy.', { verdict, policy }, 1);
  }

  /** Produces kept spans, retrying until Kafka acknowledges or the sampler closes; holds the watermark meanwhile. */
  private forward(state: PartitionState, records: ConsumedRecord[], spans: number, firstOffset: bigint, policy: string): void {
    const hold = state.hold(firstOffset);
    let bytes = 0;
    for (const r of records) {
      state.seen(r.offset);
      bytes += r.value.length;
    }
    this.forwardingBytes += bytes;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      hold();
      this.forwardingBytes -= bytes;
      this.applyMemoryBound(); // resume as soon as memory is free, not at the next tick
    };
    const out: OutRecord[] = records.map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers, [SAMPLED_BY_HEADER]: policy } }));
    const run = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.o.bus.produce(this.o.topics.spansSampled, out);
          this.stats.sent(spans, 'traces');
          release();
          return;
        } catch (err) {
          if (this.abort.signal.aborted) {
            this.forwardingBytes -= bytes; // the offset stays held (uncommitted) and is re-read
            released = true;
            return;
          }
          if (attempt === 0) this.o.log.warn('producing kept spans failed; retrying', { err: errorMessage(err) });
          await sleep(Math.min(100 * 2 ** attempt, 5_000), this.abort.signal).catch(() => undefined);
        }
      }
    })();
    this.forwards.add(run);
    void run.finally(() => this.forwards.delete(run));
  }

  private async commit(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets = [];
    for (const state of this.partitions.values()) {
      const low = state.lowWatermark();
      if (low !== undefined && (state.committed === undefined || low > state.committed)) {
        offsets.push({ topic: state.topic, partition: state.partition, offset: low });
      }
    }
    if (offsets.length === 0) return;
    await consumer.commit(offsets);
    for (const o of offsets) {
      const state = this.partitions.get(`${o.topic}/${o.partition}`);
      if (state) state.committed = o.offset;
    }
  }
}
