// The configured policies, evaluated on one trace and combined the way the
// OpenTelemetry Collector's tail sampler combines them: every policy votes
// (a drop vote stops the evaluation), then
//   any dropped              -> drop
//   any inverted_not_sampled -> drop
//   any sampled              -> keep
//   any inverted_sampled, and no not_sampled -> keep
//   otherwise                -> drop.
// The deciding policy is the first one that cast the deciding vote; a drop
// that no policy asked for is decided by "(none)". A policy that throws is
// counted as an error and skipped, as in the Collector.
import type { PolicyConfig } from '../lib/config/policies.js';
import type { Verdict } from '../lib/store/store.js';
import { buildPolicy, DEFAULT_BUILD_OPTIONS, Vote, type BucketSpec, type BudgetGate, type BuildOptions, type Policy, type TraceView } from './policies/index.js';
import { mergeBuckets } from './policies/policy.js';

/** The deciding policy of a drop that no policy voted for. */
export const NO_POLICY = '(none)';

export const EVALUATION_ERROR = 'error';
export type PolicyResult = Vote | typeof EVALUATION_ERROR;

export interface PolicyOutcome {
  verdict: Verdict;
  /** The deciding policy: "name", or "name/sub-policy" for a composite. */
  policy: string;
  /** Each top-level policy's vote, by index; undefined where a drop stopped the evaluation first. */
  votes: (PolicyResult | undefined)[];
}

export class PolicySet {
  readonly names: readonly string[];
  /** Every budget bucket any policy may take from, by ID. */
  readonly buckets: ReadonlyMap<string, BucketSpec>;

  constructor(
    private readonly policies: readonly Policy[],
    private readonly onError: (policy: string, err: unknown) => void = () => undefined,
  ) {
    this.names = policies.map((p) => p.name);
    this.buckets = mergeBuckets(policies);
  }

  static fromConfig(configs: readonly PolicyConfig[], options: BuildOptions = DEFAULT_BUILD_OPTIONS, onError?: (policy: string, err: unknown) => void): PolicySet {
    return new PolicySet(
      configs.map((c) => buildPolicy(c, options)),
      onError,
    );
  }

  get usesBudgets(): boolean {
    return this.buckets.size > 0;
  }

  evaluate(trace: TraceView, budgets: BudgetGate): PolicyOutcome {
    const first = new Map<Vote, string>();
    const votes: (PolicyResult | undefined)[] = this.policies.map(() => undefined);
    for (let i = 0; i < this.policies.length; i++) {
      const policy = this.policies[i]!;
      let sub: string | undefined;
      let vote: Vote;
      try {
        vote = policy.evaluate(trace, budgets, (s) => (sub = s));
      } catch (err) {
        votes[i] = EVALUATION_ERROR;
        this.onError(policy.name, err);
        continue;
      }
      votes[i] = vote;
      if (!first.has(vote)) first.set(vote, sub === undefined ? policy.name : `${policy.name}/${sub}`);
      // A drop ends the evaluation, except while measuring budgets: every policy's demand counts then.
      if (vote === Vote.dropped && !budgets.measuring) break;
    }
    const decide = (verdict: Verdict, policy: string | undefined): PolicyOutcome => ({ verdict, policy: policy ?? NO_POLICY, votes });
    if (first.has(Vote.dropped)) return decide('drop', first.get(Vote.dropped));
    if (first.has(Vote.invertNotSampled)) return decide('drop', first.get(Vote.invertNotSampled));
    if (first.has(Vote.sampled)) return decide('keep', first.get(Vote.sampled));
    if (first.has(Vote.invertSampled) && !first.has(Vote.notSampled)) return decide('keep', first.get(Vote.invertSampled));
    return decide('drop', undefined);
  }
}
