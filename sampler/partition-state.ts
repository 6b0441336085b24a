// What one sampler holds for one partition: the undecided traces in the order
// their first span arrived, and the decided traces whose kept spans are still
// being produced. The offset it may commit is a low watermark: the first
// offset of the oldest trace still pending, so that a crash or a rebalance
// re-reads every undecided span and nothing else is lost.
//
// A trace becomes due for its decision (see due()):
//   - decision_wait after its first span (first-seen order: a scan stops at the
//     first trace not yet due);
//   - or earlier, once its root span has arrived and no span of it has
//     arrived for rootQuietMs (traces with a root in last-seen order: a span
//     moves its trace to the end);
//   - or at once when it reaches the per-trace span or byte limit.
import type { ConsumedRecord } from '../lib/bus/bus.js';
import type { TraceId } from '../lib/model/ids.js';

export const DueReason = {
  decisionWait: 'decision_wait',
  rootQuiet: 'root_quiet',
  spanLimit: 'span_limit',
  byteLimit: 'byte_limit',
  shutdown: 'shutdown',
} as const;
export type DueReason = (typeof DueReason)[keyof typeof DueReason];

export interface PendingTrace {
  traceId: TraceId;
  firstSeenMs: number;
  lastSeenMs: number;
  firstOffset: bigint;
  records: ConsumedRecord[];
  /** Spans in each record, by index (from the arrival scan). */
  spansPerRecord: number[];
  bytes: number;
  spans: number;
  /** A root span has arrived. */
  rooted: boolean;
  /** Set when a per-trace limit made it due at once. */
  limit: typeof DueReason.spanLimit | typeof DueReason.byteLimit | undefined;
}

export interface DueTrace {
  trace: PendingTrace;
  reason: DueReason;
}

export interface AssemblyRules {
  decisionWaitMs: number;
  /** 0: no early decision on a quiet root. */
  rootQuietMs: number;
  maxSpansPerTrace: number;
  maxBytesPerTrace: number;
}

export class PartitionState {
  /** Insertion order is first-seen order, and so first-offset order. */
  readonly traces = new Map<TraceId, PendingTrace>();
  /** Traces whose root has arrived, in last-seen order. */
  private readonly rooted = new Map<TraceId, PendingTrace>();
  /** Traces over a per-trace limit, due at once. */
  private readonly overLimit = new Set<PendingTrace>();
  /** Offsets of records forwarded on their own (late spans), until acknowledged. */
  private readonly inflight = new Map<number, bigint>();
  private nextInflight = 0;
  /** One past the last offset seen; undefined before the first record. */
  nextOffset: bigint | undefined;
  committed: bigint | undefined;
  bytes = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly rules: AssemblyRules,
  ) {}

  add(traceId: TraceId, record: ConsumedRecord, spans: number, hasRoot: boolean, nowMs: number): PendingTrace {
    this.seen(record.offset);
    const bytes = record.value.length;
    this.bytes += bytes;
    let trace = this.traces.get(traceId);
    if (!trace) {
      trace = { traceId, firstSeenMs: nowMs, lastSeenMs: nowMs, firstOffset: record.offset, records: [], spansPerRecord: [], bytes: 0, spans: 0, rooted: false, limit: undefined };
      this.traces.set(traceId, trace);
    }
    trace.records.push(record);
    trace.spansPerRecord.push(spans);
    trace.bytes += bytes;
    trace.spans += spans;
    trace.lastSeenMs = nowMs;
    trace.rooted ||= hasRoot;
    if (trace.rooted) {
      this.rooted.delete(traceId); // re-inserted last: last-seen order
      this.rooted.set(traceId, trace);
    }
    if (trace.limit === undefined) {
      if (trace.spans >= this.rules.maxSpansPerTrace) trace.limit = DueReason.spanLimit;
      else if (trace.bytes >= this.rules.maxBytesPerTrace) trace.limit = DueReason.byteLimit;
      if (trace.limit !== undefined) this.overLimit.add(trace);
    }
    return trace;
  }

  /** Marks a record as seen without buffering it (a late span whose trace was dropped). */
  seen(offset: bigint): void {
    if (this.nextOffset === undefined || offset >= this.nextOffset) this.nextOffset = offset + 1n;
  }

  remove(trace: PendingTrace): void {
    if (this.traces.get(trace.traceId) === trace) {
      this.traces.delete(trace.traceId);
      this.bytes -= trace.bytes;
    }
    if (this.rooted.get(trace.traceId) === trace) this.rooted.delete(trace.traceId);
    this.overLimit.delete(trace);
  }

  /** Holds back the watermark at `offset` until the returned release() is called. */
  hold(offset: bigint): () => void {
    this.seen(offset);
    const id = this.nextInflight++;
    this.inflight.set(id, offset);
    return () => this.inflight.delete(id);
  }

  /** Traces due at nowMs, at most `limit`: over a limit first, then by decision wait (oldest first), then quiet roots. */
  due(nowMs: number, limit: number): DueTrace[] {
    const out: DueTrace[] = [];
    const taken = new Set<PendingTrace>();
    const push = (trace: PendingTrace, reason: DueReason) => {
      if (taken.has(trace)) return;
      taken.add(trace);
      out.push({ trace, reason });
    };
    for (const trace of this.overLimit) {
      if (out.length >= limit) return out;
      push(trace, trace.limit!);
    }
    for (const trace of this.traces.values()) {
      if (out.length >= limit) return out;
      if (trace.firstSeenMs + this.rules.decisionWaitMs > nowMs) break; // first-seen order: the rest are younger
      push(trace, DueReason.decisionWait);
    }
    if (this.rules.rootQuietMs > 0) {
      for (const trace of this.rooted.values()) {
        if (out.length >= limit) return out;
        if (trace.lastSeenMs + this.rules.rootQuietMs > nowMs) break; // last-seen order: the rest were heard from later
        push(trace, DueReason.rootQuiet);
      }
    }
    return out;
  }

  /** Every pending trace, oldest first (closing with decideOnShutdown). */
  all(limit: number): DueTrace[] {
    const out: DueTrace[] = [];
    for (const trace of this.traces.values()) {
      if (out.length >= limit) break;
      out.push({ trace, reason: DueReason.shutdown });
    }
    return out;
  }

  /** The offset to commit: nothing at or after it is done with for sure. */
  lowWatermark(): bigint | undefined {
    let low = this.nextOffset;
    const oldest = this.traces.values().next();
    if (!oldest.done && (low === undefined || oldest.value.firstOffset < low)) low = oldest.value.firstOffset;
    for (const offset of this.inflight.values()) if (low === undefined || offset < low) low = offset;
    return low;
  }
}
