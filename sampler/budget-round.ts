// Shared budgets in a decision round. rate_limiting, bytes_limiting and
// composite spend from token buckets that every sampler shares through the
// decision store, yet policies evaluate synchronously and a round must not
// make one store call per trace. So a round runs in three steps:
//
// 1. measure: evaluate every due trace with a gate that grants everything and
//    records each request (walking every branch that could spend), which
//    bounds what this round can spend from each bucket (votes only grow with
//    grants, so a sub-policy of an and or a drop that does not sample while
//    measuring does not sample for real either, and may end the walk);
// 2. take: one store call takes up to that much from each bucket (and gives
//    back what earlier rounds took and did not use);
// 3. evaluate for real against what was taken: a request is granted while the
//    tokens taken suffice, in trace order.
//
// When a bucket holds at least the round's demand, every request is granted,
// as it would have been by the bucket itself; when it holds less, the round
// gets all it holds and grants requests in order while they fit, which is
// what the bucket would have done. So the result is the bucket's, with one
// store round trip per decision round. Tokens left over (a large request
// refused, a trace another sampler had decided first) go back with the next
// round's call.
import type { BudgetRequest, DecisionStore } from '../lib/store/store.js';
import type { BudgetGate } from './policies/index.js';
import type { PolicySet } from './policy-set.js';

/** Records what a round may ask for; grants everything. */
export class MeasuringGate implements BudgetGate {
  readonly measuring = true;
  readonly demand = new Map<string, number>();
  /** Requests recorded so far. */
  requests = 0;
  take(buckets: readonly string[], amount: number): boolean {
    this.requests++;
    for (const b of buckets) this.demand.set(b, (this.demand.get(b) ?? 0) + amount);
    return true;
  }
}

/** Grants from the tokens a round took, and remembers which trace each grant went to. */
export class AllowanceGate implements BudgetGate {
  readonly measuring = false;
  private trace = -1;
  private readonly grants: { trace: number; buckets: readonly string[]; amount: number }[] = [];

  constructor(private readonly left: Map<string, number>) {}

  /** Grants that follow go to trace `index` of the round. */
  forTrace(index: number): void {
    this.trace = index;
  }

  take(buckets: readonly string[], amount: number): boolean {
    if (!buckets.every((b) => (this.left.get(b) ?? 0) >= amount)) return false;
    for (const b of buckets) this.left.set(b, this.left.get(b)! - amount);
    this.grants.push({ trace: this.trace, buckets, amount });
    return true;
  }

  /** Tokens not spent on a trace this sampler decided: what was left, and the grants to `lost` traces. */
  unused(lost: ReadonlySet<number>): Map<string, number> {
    const out = new Map([...this.left].filter(([, n]) => n > 0));
    for (const g of this.grants) {
      if (!lost.has(g.trace)) continue;
      for (const b of g.buckets) out.set(b, (out.get(b) ?? 0) + g.amount);
    }
    return out;
  }
}

/** A gate for policy sets without budgets: nothing may ask. */
export const NO_BUDGETS: AllowanceGate = new AllowanceGate(new Map());

export class BudgetRounds {
  /** Tokens to give back with the next call, by bucket. */
  private refunds = new Map<string, number>();

  constructor(
    private readonly store: DecisionStore,
    private readonly policies: PolicySet,
  ) {}

  get hasRefunds(): boolean {
    return this.refunds.size > 0;
  }

  /** Steps 1 and 2: what the round may spend, taken from the store. Throws what the store throws. */
  async open(demand: ReadonlyMap<string, number>): Promise<AllowanceGate> {
    const requests: BudgetRequest[] = [];
    for (const [bucket, spec] of this.policies.buckets) {
      const take = Math.ceil(demand.get(bucket) ?? 0);
      const refund = this.refunds.get(bucket) ?? 0;
      if (take > 0 || refund > 0) requests.push({ bucket, ratePerSecond: spec.ratePerSecond, burst: spec.burst, take, refund });
    }
    const granted = requests.length === 0 ? [] : await this.store.takeBudgets(requests);
    this.refunds = new Map(); // handed back (a failed call keeps them for the next try)
    return new AllowanceGate(new Map(requests.map((r, i) => [r.bucket, granted[i]!])));
  }

  /** After the round: what the gate did not spend on this sampler's decisions goes back next time. */
  close(gate: AllowanceGate, lost: ReadonlySet<number>): void {
    for (const [bucket, n] of gate.unused(lost)) this.refunds.set(bucket, (this.refunds.get(bucket) ?? 0) + n);
  }

  /** Gives back pending refunds now (a round with nothing to decide). */
  async flush(): Promise<void> {
    if (this.hasRefunds) await this.open(new Map());
  }
}
