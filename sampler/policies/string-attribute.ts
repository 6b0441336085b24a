// string_attribute: a resource or span attribute `key` whose string value is
// one of `values` (exact), or matches one of them as a regular expression
// (enabled_regex_matching; unanchored, as the Collector's Go regexps: anchor
// with ^ and $ for a whole-value match). Regex results are remembered in an
// LRU of cache_max_size values (128 by default). invert_match inverts.
// JavaScript regular expressions backtrack where Go's RE2 does not: avoid
// nested quantifiers on untrusted values.
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import type { AnyValue } from '../../lib/model/common.js';
import { attributeFilter, stateless, type BuildOptions, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'string_attribute' }>['string_attribute'];

const DEFAULT_CACHE_SIZE = 128;

export function stringAttribute(name: string, c: Config, options: BuildOptions): Policy {
  const matcher = c.enabled_regex_matching === true ? regexMatcher(c.values, c.cache_max_size ?? DEFAULT_CACHE_SIZE) : exactMatcher(c.values);
  const rule = { key: c.key, match: (v: AnyValue) => v.kind === 'string' && matcher(v.value), invert: c.invert_match ?? false };
  return stateless(name, (trace) => attributeFilter(trace, rule, options));
}

function exactMatcher(values: readonly string[]): (s: string) => boolean {
  const set = new Set(values.filter((v) => v !== ''));
  return (s) => set.has(s);
}

function regexMatcher(patterns: readonly string[], cacheSize: number): (s: string) => boolean {
  const regexes = patterns.map((p) => new RegExp(p));
  const cache = new Map<string, boolean>();
  return (s) => {
    const hit = cache.get(s);
    if (hit !== undefined) {
      cache.delete(s);
      cache.set(s, hit);
      return hit;
    }
    const matched = regexes.some((r) => r.test(s));
    cache.set(s, matched);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return matched;
  };
}
