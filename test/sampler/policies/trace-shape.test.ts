// The policies that look at the trace's shape rather than attributes:
// latency, span_count, status_code, trace_state, trace_flags, always_sample.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeafPolicyConfig } from '../../../lib/config/policies.js';
import { NO_BUDGETS } from '../../../sampler/budget-round.js';
import { buildPolicy, Vote } from '../../../sampler/policies/index.js';
import { traceStateValue } from '../../../sampler/policies/trace-state.js';
import { view, type TraceSpec } from '../../helpers/trace-builder.js';

const P = (type: LeafPolicyConfig['type'], body?: Record<string, unknown>): LeafPolicyConfig => ({ name: type, type, ...(body ? { [type]: body } : {}) }) as LeafPolicyConfig;

const ROWS: { name: string; policy: LeafPolicyConfig; trace: TraceSpec; want: Vote }[] = [
  { name: 'always', policy: P('always_sample'), trace: {}, want: Vote.sampled },
  { name: 'at the threshold', policy: P('latency', { threshold_ms: 100 }), trace: { spans: [{ durationMs: 100 }] }, want: Vote.sampled },
  { name: 'below the threshold', policy: P('latency', { threshold_ms: 100 }), trace: { spans: [{ durationMs: 99.9 }] }, want: Vote.notSampled },
  { name: 'earliest start to latest end, across spans', policy: P('latency', { threshold_ms: 100 }), trace: { spans: [{ durationMs: 10 }, { child: true, startMs: 95, durationMs: 10 }] }, want: Vote.sampled },
  { name: 'upper bound: above the threshold, at the upper bound', policy: P('latency', { threshold_ms: 100, upper_threshold_ms: 200 }), trace: { spans: [{ durationMs: 200 }] }, want: Vote.sampled },
  { name: 'upper bound: the threshold itself is excluded', policy: P('latency', { threshold_ms: 100, upper_threshold_ms: 200 }), trace: { spans: [{ durationMs: 100 }] }, want: Vote.notSampled },
  {
    name: 'upper bound: the whole trace\'s duration, not a running one (a span in range first does not keep a trace that ends up too long)',
    policy: P('latency', { threshold_ms: 100, upper_threshold_ms: 200 }),
    trace: { spans: [{ durationMs: 150 }, { child: true, startMs: 100, durationMs: 200 }] },
    want: Vote.notSampled,
  },
  { name: 'span_count: within [min, max]', policy: P('span_count', { min_spans: 2, max_spans: 3 }), trace: { spans: [{}, { child: true }, { child: true }] }, want: Vote.sampled },
  { name: 'span_count: above max', policy: P('span_count', { min_spans: 2, max_spans: 3 }), trace: { spans: [{}, { child: true }, { child: true }, { child: true }] }, want: Vote.notSampled },
  { name: 'span_count: max 0 is no maximum', policy: P('span_count', { min_spans: 2, max_spans: 0 }), trace: { spans: Array.from({ length: 50 }, () => ({ child: true })) }, want: Vote.sampled },
  { name: 'span_count: below min', policy: P('span_count', { min_spans: 2 }), trace: { spans: [{}] }, want: Vote.notSampled },
  { name: 'status_code: any span in error', policy: P('status_code', { status_codes: ['ERROR'] }), trace: { spans: [{ status: 'OK' }, { child: true, status: 'ERROR' }] }, want: Vote.sampled },
  { name: 'status_code: none in error', policy: P('status_code', { status_codes: ['ERROR'] }), trace: { spans: [{ status: 'OK' }, { child: true }] }, want: Vote.notSampled },
  { name: 'status_code: UNSET', policy: P('status_code', { status_codes: ['UNSET'] }), trace: { spans: [{ status: 'OK' }, { child: true }] }, want: Vote.sampled },
  { name: 'trace_state: the key with a listed value', policy: P('trace_state', { key: 'vendor', values: ['a', 'b'] }), trace: { spans: [{ traceState: 'x=1,vendor=b' }] }, want: Vote.sampled },
  { name: 'trace_state: another value', policy: P('trace_state', { key: 'vendor', values: ['a'] }), trace: { spans: [{ traceState: 'vendor=b' }] }, want: Vote.notSampled },
  { name: 'trace_state: a malformed header matches nothing', policy: P('trace_state', { key: 'vendor', values: ['a'] }), trace: { spans: [{ traceState: 'vendor=a,Bad Key=1' }] }, want: Vote.notSampled },
  { name: 'trace_flags: sampled bit on a span', policy: P('trace_flags'), trace: { spans: [{ flags: 0x100 }, { child: true, flags: 0x101 }] }, want: Vote.sampled },
  { name: 'trace_flags: other bits only', policy: P('trace_flags'), trace: { spans: [{ flags: 0x300 }] }, want: Vote.notSampled },
];

for (const row of ROWS) {
  void test(`${row.policy.type}: ${row.name}`, () => {
    assert.equal(buildPolicy(row.policy).evaluate(view(row.trace), NO_BUDGETS), row.want);
  });
}

void test('traceStateValue reads W3C tracestate: first member of a key wins, whitespace ignored, invalid headers give undefined', () => {
  assert.equal(traceStateValue('a=1, b=2 ,a=3', 'a'), '1');
  assert.equal(traceStateValue('a=1,b=2', 'b'), '2');
  assert.equal(traceStateValue('tenant@vendor=x', 'tenant@vendor'), 'x');
  assert.equal(traceStateValue('a=1', 'c'), undefined);
  assert.equal(traceStateValue('', 'a'), undefined);
  for (const bad of ['a', '=1', 'A=1', 'a=', 'a=x=y', 'a=1,b']) assert.equal(traceStateValue(bad, 'a'), undefined, bad);
});
