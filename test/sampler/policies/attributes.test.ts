// numeric_attribute, string_attribute and boolean_attribute: which traces
// each keeps, as table tests. A trace matches on any resource or span
// attribute; invert_match votes the opposite, with plain votes by default and
// the Collector's legacy inverted votes when asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeafPolicyConfig } from '../../../lib/config/policies.js';
import { buildPolicy, Vote, type BuildOptions } from '../../../sampler/policies/index.js';
import { NO_BUDGETS } from '../../../sampler/budget-round.js';
import { dbl, view, type SpanSpec, type TraceSpec } from '../../helpers/trace-builder.js';

const onSpan = (attrs: SpanSpec['attrs']): TraceSpec => ({ spans: [{ attrs }] });
const onResource = (resource: TraceSpec['resource']): TraceSpec => ({ resource, spans: [{}] });

interface Row {
  name: string;
  policy: LeafPolicyConfig;
  trace: TraceSpec;
  want: Vote;
  options?: BuildOptions;
}

const num = (c: Record<string, unknown>): LeafPolicyConfig => ({ name: 'n', type: 'numeric_attribute', numeric_attribute: { key: 'code', ...c } }) as LeafPolicyConfig;
const str = (c: Record<string, unknown>): LeafPolicyConfig => ({ name: 's', type: 'string_attribute', string_attribute: { key: 'route', ...c } }) as LeafPolicyConfig;
const bool = (c: Record<string, unknown>): LeafPolicyConfig => ({ name: 'b', type: 'boolean_attribute', boolean_attribute: { key: 'debug', ...c } }) as LeafPolicyConfig;
const LEGACY: BuildOptions = { invertedDecisions: true };

const ROWS: Row[] = [
  { name: 'numeric: an int span attribute inside the range', policy: num({ min_value: 400, max_value: 599 }), trace: onSpan({ code: 503 }), want: Vote.sampled },
  { name: 'numeric: bounds are inclusive', policy: num({ min_value: 400, max_value: 599 }), trace: onSpan({ code: 599 }), want: Vote.sampled },
  { name: 'numeric: outside the range', policy: num({ min_value: 400, max_value: 599 }), trace: onSpan({ code: 200 }), want: Vote.notSampled },
  { name: 'numeric: on the resource', policy: num({ min_value: 400 }), trace: onResource({ code: 404 }), want: Vote.sampled },
  { name: 'numeric: no max is unbounded', policy: num({ min_value: 400 }), trace: onSpan({ code: 10n ** 15n }), want: Vote.sampled },
  { name: 'numeric: no min is unbounded', policy: num({ max_value: 0 }), trace: onSpan({ code: -7 }), want: Vote.sampled },
  { name: 'numeric: a bound of 0 is a bound', policy: num({ min_value: 0, max_value: 10 }), trace: onSpan({ code: -1 }), want: Vote.notSampled },
  { name: 'numeric: a double value is compared', policy: num({ min_value: 1, max_value: 2 }), trace: onSpan({ code: dbl(1.5) }), want: Vote.sampled },
  { name: 'numeric: a string value never matches', policy: num({ min_value: -1, max_value: 1 }), trace: onSpan({ code: '0' }), want: Vote.notSampled },
  { name: 'numeric: the key absent', policy: num({ min_value: 0 }), trace: onSpan({ other: 1 }), want: Vote.notSampled },
  { name: 'numeric: any span of several', policy: num({ min_value: 500 }), trace: { spans: [{ attrs: { code: 200 } }, { child: true, attrs: { code: 500 } }] }, want: Vote.sampled },
  { name: 'numeric inverted: a match votes not sampled', policy: num({ min_value: 500, invert_match: true }), trace: onSpan({ code: 500 }), want: Vote.notSampled },
  { name: 'numeric inverted: no match votes sampled', policy: num({ min_value: 500, invert_match: true }), trace: onSpan({ code: 200 }), want: Vote.sampled },
  { name: 'numeric inverted, legacy: a match', policy: num({ min_value: 500, invert_match: true }), trace: onSpan({ code: 500 }), want: Vote.invertNotSampled, options: LEGACY },
  { name: 'numeric inverted, legacy: no match', policy: num({ min_value: 500, invert_match: true }), trace: onSpan({ code: 200 }), want: Vote.invertSampled, options: LEGACY },

  { name: 'string: an exact value', policy: str({ values: ['/a', '/b'] }), trace: onSpan({ route: '/b' }), want: Vote.sampled },
  { name: 'string: exact means whole', policy: str({ values: ['/a'] }), trace: onSpan({ route: '/a/x' }), want: Vote.notSampled },
  { name: 'string: on the resource', policy: str({ values: ['/a'] }), trace: onResource({ route: '/a' }), want: Vote.sampled },
  { name: 'string: a non-string value never matches', policy: str({ values: ['1'] }), trace: onSpan({ route: 1 }), want: Vote.notSampled },
  { name: 'string: an empty value in the list matches nothing', policy: str({ values: [''] }), trace: onSpan({ route: '' }), want: Vote.notSampled },
  { name: 'string regex: unanchored, as Go\'s', policy: str({ values: ['name/\\d+'], enabled_regex_matching: true }), trace: onSpan({ route: '/v1/name/42/x' }), want: Vote.sampled },
  { name: 'string regex: anchored when asked', policy: str({ values: ['^/health$'], enabled_regex_matching: true }), trace: onSpan({ route: '/healthz' }), want: Vote.notSampled },
  { name: 'string regex: any of several', policy: str({ values: ['^/a', 'z$'], enabled_regex_matching: true }), trace: onSpan({ route: '/quiz' }), want: Vote.sampled },
  { name: 'string inverted: a match', policy: str({ values: ['/a'], invert_match: true }), trace: onSpan({ route: '/a' }), want: Vote.notSampled },
  { name: 'string inverted: the key absent counts as no match', policy: str({ values: ['/a'], invert_match: true }), trace: onSpan({}), want: Vote.sampled },
  { name: 'string inverted: a match on one resource of two', policy: str({ values: ['/a'], invert_match: true }), trace: { spans: [{}], more: [{ resource: { route: '/a' }, spans: [{}] }] }, want: Vote.notSampled },

  { name: 'boolean: true', policy: bool({ value: true }), trace: onSpan({ debug: true }), want: Vote.sampled },
  { name: 'boolean: false wanted, true found', policy: bool({ value: false }), trace: onSpan({ debug: true }), want: Vote.notSampled },
  { name: 'boolean: false wanted and found on the resource', policy: bool({ value: false }), trace: onResource({ debug: false }), want: Vote.sampled },
  { name: 'boolean: a non-boolean value never matches', policy: bool({ value: false }), trace: onSpan({ debug: 'false' }), want: Vote.notSampled },
  { name: 'boolean inverted', policy: bool({ value: true, invert_match: true }), trace: onSpan({ debug: true }), want: Vote.notSampled },
  { name: 'boolean inverted, legacy', policy: bool({ value: true, invert_match: true }), trace: onSpan({}), want: Vote.invertSampled, options: LEGACY },
];

for (const row of ROWS) {
  void test(`${row.policy.type}: ${row.name}`, () => {
    const policy = buildPolicy(row.policy, row.options);
    assert.equal(policy.evaluate(view(row.trace), NO_BUDGETS), row.want);
  });
}

void test('string_attribute regex results are cached per value, bounded by cache_max_size, and stay correct after eviction', () => {
  const policy = buildPolicy(str({ values: ['^/keep'], enabled_regex_matching: true, cache_max_size: 2 }));
  const routes = ['/keep/1', '/drop/1', '/keep/2', '/keep/1', '/drop/2', '/drop/1', '/keep/1'];
  const votes = routes.map((route) => policy.evaluate(view(onSpan({ route })), NO_BUDGETS));
  assert.deepEqual(votes, routes.map((r) => (r.startsWith('/keep') ? Vote.sampled : Vote.notSampled)));
});
