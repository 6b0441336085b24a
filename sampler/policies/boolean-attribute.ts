// boolean_attribute: a resource or span attribute `key` holding the boolean
// `value`; invert_match inverts. Only boolean values match (the Collector
// reads any other value as false).
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { attributeFilter, stateless, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'boolean_attribute' }>['boolean_attribute'];

export function booleanAttribute(name: string, c: Config): Policy {
  return stateless(name, (trace) => attributeFilter(trace, c.key, (v) => v.kind === 'bool' && v.value === c.value, c.invert_match ?? false));
}
