// rate_limiting: keeps traces while a token bucket of spans allows, refilled
// at spans_per_second and holding twice that (the Collector's burst); a trace
// takes as many tokens as it has spans, and one larger than the bucket never
// passes. The bucket is shared by every sampler through the decision store
// (one global rate), see sampler/budget-round.ts.
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { Vote, type BucketSpec, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'rate_limiting' }>['rate_limiting'];

export function rateLimiting(name: string, path: string, c: Config): Policy {
  const bucket = [path];
  const spec: BucketSpec = { ratePerSecond: c.spans_per_second, burst: 2 * c.spans_per_second };
  return {
    name,
    buckets: new Map([[path, spec]]),
    evaluate: (trace, budgets) => (budgets.take(bucket, trace.spanCount) ? Vote.sampled : Vote.notSampled),
  };
}
