// Recent decisions, so that late spans follow their trace's decision at once
// instead of waiting a decision wait and a store round trip. Bounded: the
// oldest entry goes first; an evicted trace's late spans still reach the same
// decision through the store.
import type { TraceId } from '../lib/model/ids.js';
import type { Decision } from '../lib/store/store.js';

export class DecisionCache {
  private readonly entries = new Map<TraceId, Decision>();
  constructor(private readonly maxEntries: number) {}

  get(traceId: TraceId): Decision | undefined {
    return this.entries.get(traceId);
  }

  set(traceId: TraceId, decision: Decision): void {
    this.entries.delete(traceId);
    this.entries.set(traceId, decision);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
