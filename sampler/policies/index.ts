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
import { DEFAULT_BUILD_OPTIONS, type BuildOptions, type Policy } from './policy.js';
import { probabilistic } from './probabilistic.js';
import { rateLimiting } from './rate-limiting.js';
import { spanCount } from './span-count.js';
import { statusCode } from './status-code.js';
import { stringAttribute } from './string-attribute.js';
import { traceFlags } from './trace-flags.js';
import { traceState } from './trace-state.js';

export { DEFAULT_BUILD_OPTIONS, Vote, type BudgetGate, type BucketSpec, type BuildOptions, type Policy, type TraceView } from './policy.js';

type Factory<T extends PolicyType> = (c: Extract<PolicyConfig, { type: T }>, path: string, options: BuildOptions) => Policy;

const children = (subs: readonly PolicyConfig[], path: string, options: BuildOptions) => subs.map((s) => buildPolicy(s, options, `${path}/${s.name}`));

export const POLICY_FACTORIES: { readonly [T in PolicyType]: Factory<T> } = {
  always_sample: (c) => alwaysSample(c.name),
  latency: (c) => latency(c.name, c.latency),
  numeric_attribute: (c, _path, options) => numericAttribute(c.name, c.numeric_attribute, options),
  string_attribute: (c, _path, options) => stringAttribute(c.name, c.string_attribute, options),
  boolean_attribute: (c, _path, options) => booleanAttribute(c.name, c.boolean_attribute, options),
  status_code: (c) => statusCode(c.name, c.status_code),
  probabilistic: (c) => probabilistic(c.name, c.probabilistic),
  rate_limiting: (c, path) => rateLimiting(c.name, path, c.rate_limiting),
  bytes_limiting: (c, path) => bytesLimiting(c.name, path, c.bytes_limiting),
  span_count: (c) => spanCount(c.name, c.span_count),
  trace_state: (c) => traceState(c.name, c.trace_state),
  trace_flags: (c) => traceFlags(c.name),
  and: (c, path, options) => and(c.name, children(c.and.and_sub_policy, path, options)),
  drop: (c, path, options) => drop(c.name, children(c.drop.drop_sub_policy, path, options)),
  composite: (c, path, options) => composite(c.name, path, c.composite, children(c.composite.composite_sub_policy, path, options)),
};

/** The evaluator of one checked policy configuration; `path` defaults to its name (a top-level policy). */
export function buildPolicy(c: PolicyConfig, options: BuildOptions = DEFAULT_BUILD_OPTIONS, path: string = c.name): Policy {
  const factory = POLICY_FACTORIES[c.type] as Factory<PolicyType>;
  return factory(c as never, path, options);
}
