// The decision store: trace-level sampling state that must outlive one
// sampler process and be the same for all of them. Decide-once: the first
// decision recorded for a trace wins, atomically, for its TTL; later writers
// get the existing decision back. Budgets: token buckets shared by every
// sampler, so that a rate_limiting or bytes_limiting policy is one global rate
// rather than one per process. Two implementations pass the same contract
// tests: Redis (redis-store.ts) and an in-memory twin (memory-store.ts).
import type { Component } from '../lifecycle.js';
import type { TraceId } from '../model/ids.js';

export type Verdict = 'keep' | 'drop';

export interface Decision {
  verdict: Verdict;
  /** The policy that decided, e.g. 'always_sample'. */
  policy: string;
  decidedAtMs: number;
}

/** One bucket's part of a decision round: give back `refund` unused tokens, then take up to `take`. */
export interface BudgetRequest {
  /** The bucket's ID (the policy's path, e.g. "rate-1" or "composite-1/errors"). */
  bucket: string;
  /** Refill rate, > 0. */
  ratePerSecond: number;
  /** Most tokens the bucket holds, > 0; a new bucket starts full. */
  burst: number;
  /** Most tokens wanted now, a whole number >= 0. */
  take: number;
  /** Tokens taken earlier and not used, >= 0; the bucket still holds at most burst. */
  refund: number;
}

export interface DecisionStore extends Component {
  /**
   * Records each proposal unless the trace already has a decision; returns the
   * decision in force for each trace, in order (the existing one, or the proposal).
   */
  decide(proposals: { traceId: TraceId; decision: Decision }[], ttlMs: number): Promise<Decision[]>;
  /** The decision for each trace, in order, or undefined where there is none. */
  get(traceIds: TraceId[]): Promise<(Decision | undefined)[]>;
  /**
   * For each request, in order: the tokens granted (0..take), from buckets
   * that every store sharing this one's namespace shares. Tokens refill
   * continuously; a take gets what the bucket holds, up to `take`.
   */
  takeBudgets(requests: BudgetRequest[]): Promise<number[]>;
}
