// span_count: the trace holds at least min_spans and, unless max_spans is 0
// or absent, at most max_spans spans (inclusive).
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { stateless, Vote, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'span_count' }>['span_count'];

export function spanCount(name: string, c: Config): Policy {
  const max = c.max_spans ?? 0;
  return stateless(name, (trace) => (trace.spanCount >= c.min_spans && (max === 0 || trace.spanCount <= max) ? Vote.sampled : Vote.notSampled));
}
