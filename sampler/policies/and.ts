// and: sampled when every sub-policy samples (or inverted-samples); not
// sampled as soon as one does not, as the Collector's.
import { mergeBuckets, Vote, type Policy } from './policy.js';

export function and(name: string, subs: readonly Policy[]): Policy {
  return allOf(name, subs, Vote.sampled);
}

/** `whenAll` when every sub-policy samples (or inverted-samples); not sampled as soon as one does not (and, drop). */
export function allOf(name: string, subs: readonly Policy[], whenAll: Vote): Policy {
  return {
    name,
    buckets: mergeBuckets(subs),
    evaluate: (trace, budgets) => {
      for (const sub of subs) {
        const vote = sub.evaluate(trace, budgets);
        // Also while measuring budgets: a vote only grows with grants, so it
        // will not sample for real either, and the real walk stops here too.
        if (vote === Vote.notSampled || vote === Vote.invertNotSampled) return Vote.notSampled;
      }
      return whenAll;
    },
  };
}
