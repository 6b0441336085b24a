// The decision store: trace-level sampling decisions that must outlive one
// sampler process. Decide-once: the first decision recorded for a trace wins,
// atomically, for its TTL; later writers get the existing decision back. Two
// implementations pass the same contract tests: Redis (redis-store.ts) and an
// in-memory twin (memory-store.ts).
import type { Component } from '../lifecycle.js';
import type { TraceId } from '../model/ids.js';

export type Verdict = 'keep' | 'drop';

export interface Decision {
  verdict: Verdict;
  /** The policy that decided, e.g. 'always_sample'. */
  policy: string;
  decidedAtMs: number;
}

export interface DecisionStore extends Component {
  /**
   * Records each proposal unless the trace already has a decision; returns the
   * decision in force for each trace, in order (the existing one, or the proposal).
   */
  decide(proposals: { traceId: TraceId; decision: Decision }[], ttlMs: number): Promise<Decision[]>;
  /** The decision for each trace, in order, or undefined where there is none. */
  get(traceIds: TraceId[]): Promise<(Decision | undefined)[]>;
}
