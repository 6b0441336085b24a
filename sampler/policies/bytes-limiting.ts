// bytes_limiting: keeps traces while a token bucket of bytes allows, refilled
// at bytes_per_second and holding burst_capacity (twice bytes_per_second by
// default, as the Collector). A trace's bytes are those of its records as they
// travel through Kafka (OTLP protobuf), where the Collector estimates a size
// from its in-memory form. Shared by every sampler like rate_limiting.
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { Vote, type BucketSpec, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'bytes_limiting' }>['bytes_limiting'];

export function bytesLimiting(name: string, path: string, c: Config): Policy {
  const bucket = [path];
  const spec: BucketSpec = { ratePerSecond: c.bytes_per_second, burst: c.burst_capacity ?? 2 * c.bytes_per_second };
  return {
    name,
    buckets: new Map([[path, spec]]),
    evaluate: (trace, budgets) => (budgets.take(bucket, trace.bytes) ? Vote.sampled : Vote.notSampled),
  };
}
