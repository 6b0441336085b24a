// The sampler: a consumer group on the spans topic. Each trace is buffered
// from its first span until it is due (decision wait, a quiet root span, or a
// per-trace limit: partition-state.ts), then decoded once, evaluated by the
// policies (policy-set.ts, with budgets shared through the store:
// budget-round.ts) and decided once for the whole cluster through the
// decision store; kept spans go to the sampled topic. A partition's offset is
// committed only up to its low watermark, so a crash or rebalance loses
// nothing, and the store makes the next owner follow decisions already taken.
// The input and output topics and the policy set are options, so that a
// replay can run a sampler of its own.
import type { Bus, ConsumedRecord, Consumer, OutRecord, TopicPartition } from '../lib/bus/bus.js';
import { lagSamples } from '../lib/bus/lag-samples.js';
import { errorMessage } from '../lib/errors.js';
import { closeOnce, sleep, type Component } from '../lib/lifecycle.js';
import { traceIdFromBytes, type TraceId } from '../lib/model/ids.js';
import { scanTracesProto, type TracesScan } from '../lib/protocol/otlp/index.js';
import type { Decision, DecisionStore } from '../lib/store/store.js';
import type { Logger } from '../lib/telemetry/log.js';
import type { Panels } from '../lib/telemetry/panels.js';
import type { ComponentStats, Registry } from '../lib/telemetry/stats.js';
import { BudgetRounds, type AllowanceGate } from './budget-round.js';
import { DecisionCache } from './decision-cache.js';
import { DecisionLog } from './decision-log.js';
import { PartitionState, type AssemblyRules, type DueTrace } from './partition-state.js';
import { evaluateRound, type EvaluatedTrace } from './evaluate-round.js';
import type { PolicySet } from './policy-set.js';

export const SAMPLED_BY_HEADER = 'ocsvc.sampled_by';

export interface SamplerOptions {
  bus: Bus;
  store: DecisionStore;
  policies: PolicySet;
  groupId: string;
  /** spans: the topic read; spansSampled: where kept spans go. */
  topics: { spans: string; spansSampled: string };
  decisionWaitMs: number;
  /** Decide once the root span has arrived and the trace has been quiet this long; 0 or absent: never early. */
  rootQuietMs?: number;
  /** A trace reaching this many spans is decided at once; absent: no limit. */
  maxSpansPerTrace?: number;
  /** A trace reaching this many bytes is decided at once; absent: no limit. */
  maxBytesPerTrace?: number;
  decisionTtlMs: number;
  tickMs: number;
  maxBufferedBytes: number;
  decideOnShutdown: boolean;
  /** Most traces decided in one tick, so the event loop keeps serving. */
  maxDecisionsPerTick?: number;
  registry: Registry;
  /** The operator page's tables: the last decisions are added there. */
  panels?: Panels;
  /** How many recent decisions the operator page shows. */
  recentDecisions?: number;
  log: Logger;
  now?: () => number;
}

export class Sampler implements Component {
  readonly name = 'sampler';
  private readonly partitions = new Map<string, PartitionState>();
  private readonly cache = new DecisionCache(200_000);
  private readonly stats: ComponentStats;
  private readonly rules: AssemblyRules;
  private readonly budgets: BudgetRounds;
  private readonly decisionLog: DecisionLog;
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
  private unregister: (() => void)[] = [];

  constructor(private readonly o: SamplerOptions) {
    this.stats = o.registry.component('sampler', 'processor');
    this.now = o.now ?? Date.now;
    this.rules = {
      decisionWaitMs: o.decisionWaitMs,
      rootQuietMs: o.rootQuietMs ?? 0,
      maxSpansPerTrace: o.maxSpansPerTrace ?? Infinity,
      maxBytesPerTrace: o.maxBytesPerTrace ?? Infinity,
    };
    this.budgets = new BudgetRounds(o.store, o.policies);
    this.decisionLog = new DecisionLog(o.registry, o.policies.names, o.recentDecisions);
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
    const consumer = this.consumer;
    this.unregister.push(
      this.o.registry.collect(() => [
        { name: 'ocsvc_sampler_buffered_traces', help: 'Traces waiting for a decision.', type: 'gauge', labels: {}, value: this.bufferedTraces() },
        { name: 'ocsvc_sampler_buffered_bytes', help: 'Bytes of spans held: waiting for a decision or being produced.', type: 'gauge', labels: {}, value: this.bufferedBytes() + this.forwardingBytes },
        { name: 'ocsvc_sampler_store_up', help: '1 while the decision store answers, 0 while decisions wait for it.', type: 'gauge', labels: {}, value: this.storeDown ? 0 : 1 },
        { name: 'ocsvc_sampler_paused', help: '1 while consumption is paused at maxBufferedBytes.', type: 'gauge', labels: {}, value: this.paused ? 1 : 0 },
        ...lagSamples(consumer, this.o.groupId),
      ]),
    );
    if (this.o.panels) this.unregister.push(this.decisionLog.publish(this.o.panels));
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
    for (const unregister of this.unregister) unregister();
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
      state = new PartitionState(topic, partition, this.rules);
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
      let scan: TracesScan;
      try {
        // A scan, not a decode: the trace is decoded once, when it is decided.
        scan = scanTracesProto(record.value);
        const fromKey = record.key?.length === 16 ? record.key : undefined;
        traceId = traceIdFromBytes(fromKey ?? scan.firstTraceId ?? this.fail('record holds no span'));
      } catch (err) {
        state.seen(record.offset);
        this.stats.dropped(1, 'undecodable_record', 'traces');
        this.o.log.warn('dropping an undecodable record', { topic: record.topic, partition: record.partition, offset: String(record.offset), err: errorMessage(err) });
        continue;
      }
      const spans = scan.spans;
      this.stats.received(spans, 'traces');
      const decided = this.cache.get(traceId);
      if (decided !== undefined) this.decisionLog.lateSpans(decided.verdict, spans);
      if (decided?.verdict === 'drop') {
        state.seen(record.offset);
        this.stats.dropped(spans, 'sampled_out', 'traces');
      } else if (decided?.verdict === 'keep') {
        this.forward(state, [record], spans, record.offset, decided.policy);
      } else {
        // A consumed value may be a view into a whole fetch response: keep a
        // copy of just its bytes, or one buffered span pins megabytes.
        state.add(traceId, { ...record, value: Buffer.from(record.value), key: record.key && Buffer.from(record.key) }, spans, scan.roots > 0, nowMs);
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
    const due: (DueTrace & { state: PartitionState })[] = [];
    for (const state of this.partitions.values()) {
      for (const d of all ? state.all(limit - due.length) : state.due(nowMs, limit - due.length)) due.push({ ...d, state });
    }
    if (due.length > 0) await this.decide(due);
    else await this.budgets.flush().catch((err: unknown) => this.storeFailed(err));
    await this.commit().catch((err: unknown) => this.o.log.warn('offset commit failed', { err: errorMessage(err) }));
    this.applyMemoryBound();
  }

  /** Evaluates the policies on every due trace (budgets taken in one store call) and records the decisions (one more). */
  private async decide(due: (DueTrace & { state: PartitionState })[]): Promise<void> {
    const decidedAtMs = this.now();
    let results: EvaluatedTrace[];
    let gate: AllowanceGate | undefined;
    let decisions: Decision[];
    try {
      ({ results, gate } = await evaluateRound(due.map((d) => d.trace), this.o.policies, this.budgets));
      const proposals = due.map(({ trace }, i) => ({ traceId: trace.traceId, decision: { verdict: results[i]!.outcome.verdict, policy: results[i]!.outcome.policy, decidedAtMs } }));
      decisions = await this.o.store.decide(proposals, this.o.decisionTtlMs);
    } catch (err) {
      // Without the store no decision is taken: deciding alone could split a
      // trace with another sampler. The traces wait (the memory bound pauses
      // consumption if this lasts) and the next tick tries again; budget
      // taken for them goes back.
      if (gate !== undefined) this.budgets.close(gate, new Set(due.keys()));
      this.storeFailed(err);
      return;
    }
    if (this.storeDown) this.o.log.info('decision store back');
    this.storeDown = false;
    const followed = new Set<number>();
    decisions.forEach((d, i) => {
      const own = results[i]!.outcome;
      if (d.decidedAtMs !== decidedAtMs || d.policy !== own.policy || d.verdict !== own.verdict) followed.add(i);
    });
    this.budgets.close(gate, followed);
    due.forEach(({ state, trace, reason }, i) => {
      const decision = decisions[i]!;
      const { outcome, summary, spans, good, bad } = results[i]!;
      this.cache.set(trace.traceId, decision);
      state.remove(trace);
      if (this.partitions.get(`${state.topic}/${state.partition}`) !== state) return; // revoked meanwhile
      this.decisionLog.record(
        {
          traceId: trace.traceId,
          verdict: decision.verdict,
          policy: decision.policy,
          trigger: reason,
          followed: followed.has(i),
          decidedAtMs: decision.decidedAtMs,
          partition: state.partition,
          ...summary,
        },
        outcome.votes,
      );
      for (const b of bad) {
        this.stats.dropped(b.spans, 'undecodable_record', 'traces');
        this.o.log.warn('dropping a record that does not decode', { topic: b.record.topic, partition: b.record.partition, offset: String(b.record.offset) });
      }
      if (decision.verdict === 'keep' && good.length > 0) this.forward(state, good, spans, trace.firstOffset, decision.policy);
      else if (decision.verdict === 'drop') this.stats.dropped(spans, 'sampled_out', 'traces');
    });
  }

  private storeFailed(err: unknown): void {
    this.o.registry.add('ocsvc_sampler_store_errors_total', 'Decision rounds that failed because the decision store was unavailable.', {}, 1);
    if (!this.storeDown) this.o.log.error('decision store unavailable; traces wait', { err: errorMessage(err) });
    this.storeDown = true;
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
