// numeric_attribute: a resource or span attribute `key` within [min_value,
// max_value] (either bound may be left out), inverted with invert_match.
// Integer and double values are compared; others never match (the Collector
// reads any non-integer value as 0, so that a string could match a range
// holding 0).
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { attributeFilter, stateless, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'numeric_attribute' }>['numeric_attribute'];

export function numericAttribute(name: string, c: Config): Policy {
  const min = c.min_value === undefined ? -Infinity : c.min_value;
  const max = c.max_value === undefined ? Infinity : c.max_value;
  const minBig = c.min_value === undefined ? undefined : BigInt(c.min_value);
  const maxBig = c.max_value === undefined ? undefined : BigInt(c.max_value);
  return stateless(name, (trace) =>
    attributeFilter(
      trace,
      c.key,
      (v) => {
        if (v.kind === 'int') return (minBig === undefined || v.value >= minBig) && (maxBig === undefined || v.value <= maxBig);
        if (v.kind === 'double') return v.value >= min && v.value <= max;
        return false;
      },
      c.invert_match ?? false,
    ),
  );
}
