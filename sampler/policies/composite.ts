// composite: sub-policies tried in policy_order; the first that samples keeps
// the trace if its share of max_total_spans_per_second allows, and the
// composite does not sample otherwise (a later sub-policy is not tried), as
// the Collector's. Each share is a token bucket shared by every sampler (one
// global rate), holding one second's worth; every take also spends from the
// composite's own bucket of max_total_spans_per_second, so the total holds
// across sub-policies.
//
// Where this differs from the Collector, on purpose: the sub-policies run in
// policy_order (the Collector runs them in list order and ignores it), and
// sub-policies left out of rate_allocation share what the allocations leave
// equally (the Collector gives them 0, so that they never sample); a percent
// of 0 is an equal share of the total, as in the Collector.
import type { PolicyConfig } from '../../lib/config/policies.js';
import { mergeBuckets, Vote, type BucketSpec, type Policy } from './policy.js';

type Config = Extract<PolicyConfig, { type: 'composite' }>['composite'];

/** Spans per second each sub-policy may keep, by name. */
export function allocations(c: Config): Map<string, number> {
  const total = c.max_total_spans_per_second;
  const names = c.composite_sub_policy.map((s) => s.name);
  const given = new Map((c.rate_allocation ?? []).map((a) => [a.policy, a.percent === 0 ? total / names.length : (a.percent / 100) * total]));
  const left = Math.max(0, total - [...given.values()].reduce((a, b) => a + b, 0));
  const rest = names.filter((n) => !given.has(n));
  return new Map(names.map((n) => [n, Math.floor(given.get(n) ?? left / rest.length)]));
}

export function composite(name: string, path: string, c: Config, subs: readonly Policy[]): Policy {
  const byName = new Map(subs.map((s) => [s.name, s]));
  const order = (c.policy_order ?? subs.map((s) => s.name)).map((n) => byName.get(n)!);
  const shares = allocations(c);
  const buckets = new Map<string, BucketSpec>(mergeBuckets(subs));
  buckets.set(path, { ratePerSecond: c.max_total_spans_per_second, burst: c.max_total_spans_per_second });
  const takes = new Map<string, string[] | undefined>();
  for (const sub of order) {
    const share = shares.get(sub.name) ?? 0;
    const id = `${path}/${sub.name}`;
    if (share > 0) buckets.set(id, { ratePerSecond: share, burst: share });
    takes.set(sub.name, share > 0 ? [id, path] : undefined);
  }
  return {
    name,
    buckets,
    evaluate: (trace, budgets, note) => {
      let result: Vote | undefined;
      for (const sub of order) {
        const vote = sub.evaluate(trace, budgets);
        if (vote !== Vote.sampled && vote !== Vote.invertSampled) continue;
        const take = takes.get(sub.name);
        const kept = take !== undefined && budgets.take(take, trace.spanCount);
        if (result === undefined) {
          result = kept ? Vote.sampled : Vote.notSampled;
          if (kept) note?.(sub.name);
        }
        if (!budgets.measuring) break;
      }
      return result ?? Vote.notSampled;
    },
  };
}
