// The policy types: a name -> factory map over the checked configuration
// (lib/config/policies.ts), one small file per type. A policy's path (its
// name, under its parent's: "composite-1/errors") identifies its budget
// buckets in the decision store.
import type { PolicyConfig, PolicyType } from '../../lib/config/policies.js';
import { alwaysSample } from './always-sample.js';
import { and } from './and.js';
import { booleanAttribute } from './boolean-attribute.js';
import { bytesLimiting } from './bytes-limiting.js';
import { composite } from './composite.js';
import { drop } from './drop.js';
import { latency } from './latency.js';
import { numericAttribute } from './numeric-attribute.js';
import type { Policy } from './policy.js';
import { probabilistic } from './probabilistic.js';
import { rateLimiting } from './rate-limiting.js';
import { spanCount } from './span-count.js';
import { statusCode } from './status-code.js';
import { stringAttribute } from './string-attribute.js';
import { traceFlags } from './trace-flags.js';
import { traceState } from './trace-state.js';

export { Vote, type BudgetGate, type BucketSpec, type Policy, type TraceView } from './policy.js';

type Factory<T extends PolicyType> = (c: Extract<PolicyConfig, { type: T }>, path: string) => Policy;

const children = (subs: readonly PolicyConfig[], path: string) => subs.map((s) => buildPolicy(s, `${path}/${s.name}`));

export const POLICY_FACTORIES: { readonly [T in PolicyType]: Factory<T> } = {
  always_sample: (c) => alwaysSample(c.name),
  latency: (c) => latency(c.name, c.latency),
  numeric_attribute: (c) => numericAttribute(c.name, c.numeric_attribute),
  string_attribute: (c) => stringAttribute(c.name, c.string_attribute),
  boolean_attribute: (c) => booleanAttribute(c.name, c.boolean_attribute),
  status_code: (c) => statusCode(c.name, c.status_code),
  probabilistic: (c) => probabilistic(c.name, c.probabilistic),
  rate_limiting: (c, path) => rateLimiting(c.name, path, c.rate_limiting),
  bytes_limiting: (c, path) => bytesLimiting(c.name, path, c.bytes_limiting),
  span_count: (c) => spanCount(c.name, c.span_count),
  trace_state: (c) => traceState(c.name, c.trace_state),
  trace_flags: (c) => traceFlags(c.name),
  and: (c, path) => and(c.name, children(c.and.and_sub_policy, path)),
  drop: (c, path) => drop(c.name, children(c.drop.drop_sub_policy, path)),
  composite: (c, path) => composite(c.name, path, c.composite, children(c.composite.composite_sub_policy, path)),
};

/** The evaluator of one checked policy configuration; `path` defaults to its name (a top-level policy). */
export function buildPolicy(c: PolicyConfig, path: string = c.name): Policy {
  const factory = POLICY_FACTORIES[c.type] as Factory<PolicyType>;
  return factory(c as never, path);
}
