// boolean_attribute: a resource or span attribute `key` holding the boolean
// `value`; invert_match inverts. Only boolean values match (the Collector
// reads any other value as false).
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import type { AnyValue } from '../../lib/model/common.js';
import { attributeFilter, stateless, type BuildOptions, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'boolean_attribute' }>['boolean_attribute'];

export function booleanAttribute(name: string, c: Config, options: BuildOptions): Policy {
  const rule = { key: c.key, match: (v: AnyValue) => v.kind === 'bool' && v.value === c.value, invert: c.invert_match ?? false };
  return stateless(name, (trace) => attributeFilter(trace, rule, options));
}
