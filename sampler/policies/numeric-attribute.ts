// numeric_attribute: a resource or span attribute `key` within [min_value,
// max_value] (either bound may be left out), inverted with invert_match.
// Integer and double values are compared; others never match (the Collector
// reads any non-integer value as 0, so that a string could match a range
// holding 0). A bound of 0 is a bound (the Collector reads 0 as "no bound").
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import type { AnyValue } from '../../lib/model/common.js';
import { attributeFilter, stateless, type BuildOptions, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'numeric_attribute' }>['numeric_attribute'];

export function numericAttribute(name: string, c: Config, options: BuildOptions): Policy {
  const min = c.min_value === undefined ? -Infinity : c.min_value;
  const max = c.max_value === undefined ? Infinity : c.max_value;
  const minBig = c.min_value === undefined ? undefined : BigInt(c.min_value);
  const maxBig = c.max_value === undefined ? undefined : BigInt(c.max_value);
  const rule = {
    key: c.key,
    match: (v: AnyValue) => {
      if (v.kind === 'int') return (minBig === undefined || v.value >= minBig) && (maxBig === undefined || v.value <= maxBig);
      if (v.kind === 'double') return v.value >= min && v.value <= max;
      return false;
    },
    invert: c.invert_match ?? false,
  };
  return stateless(name, (trace) => attributeFilter(trace, rule, options));
}
