// What one sampler holds for one partition: the undecided traces in the order
// their first span arrived, and the decided traces whose kept spans are still
// being produced. The offset it may commit is a low watermark: the first
// offset of the oldest trace still pending, so that a crash or a rebalance
// re-reads every undecided span and nothing else is lost.
import type { ConsumedRecord } from '../lib/bus/bus.js';
import type { TraceId } from '../lib/model/ids.js';

export interface PendingTrace {
  traceId: TraceId;
  firstSeenMs: number;
  firstOffset: bigint;
  records: ConsumedRecord[];
  bytes: number;
  spans: number;
}

export class PartitionState {
  /** Insertion order is first-seen order, and so first-offset order. */
  readonly traces = new Map<TraceId, PendingTrace>();
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
  ) {}

  add(traceId: TraceId, record: ConsumedRecord, spans: number, nowMs: number): PendingTrace {
    this.seen(record.offset);
    const bytes = record.value.length;
    this.bytes += bytes;
    let trace = this.traces.get(traceId);
    if (!trace) {
      trace = { traceId, firstSeenMs: nowMs, firstOffset: record.offset, records: [], bytes: 0, spans: 0 };
      this.traces.set(traceId, trace);
    }
    trace.records.push(record);
    trace.bytes += bytes;
    trace.spans += spans;
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
  }

  /** Holds back the watermark at `offset` until the returned release() is called. */
  hold(offset: bigint): () => void {
    this.seen(offset);
    const id = this.nextInflight++;
    this.inflight.set(id, offset);
    return () => this.inflight.delete(id);
  }

  /** Traces due for a decision at nowMs, oldest first, at most `limit`. */
  due(nowMs: number, waitMs: number, limit: number): PendingTrace[] {
    const out: PendingTrace[] = [];
    for (const trace of this.traces.values()) {
      if (out.length >= limit) break;
      if (trace.firstSeenMs + waitMs <= nowMs) out.push(trace);
      else break; // first-seen order: the rest are younger
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
