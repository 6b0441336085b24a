// The policies that spend a shared budget: rate_limiting (spans),
// bytes_limiting (bytes) and composite (a share per sub-policy and a total).
// Here against a gate holding given tokens, as a decision round holds what it
// took from the store; test/sampler/budget-round.test.ts covers the rounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyConfig } from '../../../lib/config/policies.js';
import { AllowanceGate, MeasuringGate } from '../../../sampler/budget-round.js';
import { allocations } from '../../../sampler/policies/composite.js';
import { buildPolicy, Vote } from '../../../sampler/policies/index.js';
import { view, type TraceSpec } from '../../helpers/trace-builder.js';

const spans = (n: number): TraceSpec => ({ spans: Array.from({ length: n }, (_, i) => ({ child: i > 0 })) });

void test('rate_limiting: a bucket of spans_per_second refill and twice that burst; a trace takes one token per span, while they last', () => {
  const policy = buildPolicy({ name: 'rate', type: 'rate_limiting', rate_limiting: { spans_per_second: 10 } });
  assert.deepEqual([...policy.buckets], [['rate', { ratePerSecond: 10, burst: 20 }]]);
  const gate = new AllowanceGate(new Map([['rate', 20]]));
  const votes = [8, 8, 5, 4, 1].map((n) => policy.evaluate(view(spans(n)), gate));
  assert.deepEqual(votes, [Vote.sampled, Vote.sampled, Vote.notSampled, Vote.sampled, Vote.notSampled], 'a trace that does not fit is refused; a smaller one after it may fit');
});

void test('rate_limiting inside a composite or an and has a bucket named by its path', () => {
  const policy = buildPolicy({ name: 'outer', type: 'and', and: { and_sub_policy: [{ name: 'inner', type: 'rate_limiting', rate_limiting: { spans_per_second: 1 } }] } });
  assert.deepEqual([...policy.buckets.keys()], ['outer/inner']);
});

void test('bytes_limiting: a trace takes its bytes; burst_capacity defaults to twice bytes_per_second', () => {
  const policy = buildPolicy({ name: 'bytes', type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 1_000 } });
  assert.deepEqual([...policy.buckets], [['bytes', { ratePerSecond: 1_000, burst: 2_000 }]]);
  const custom = buildPolicy({ name: 'b2', type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 1_000, burst_capacity: 5_000 } });
  assert.deepEqual([...custom.buckets], [['b2', { ratePerSecond: 1_000, burst: 5_000 }]]);
  const trace = view(spans(3));
  const gate = new AllowanceGate(new Map([['bytes', trace.bytes * 2 + 1]]));
  assert.deepEqual([1, 2, 3].map(() => policy.evaluate(trace, gate)), [Vote.sampled, Vote.sampled, Vote.notSampled]);
});

const COMPOSITE: Extract<PolicyConfig, { type: 'composite' }> = {
  name: 'c',
  type: 'composite',
  composite: {
    max_total_spans_per_second: 100,
    policy_order: ['errors', 'slow', 'rest'],
    composite_sub_policy: [
      { name: 'rest', type: 'always_sample' },
      { name: 'slow', type: 'latency', latency: { threshold_ms: 500 } },
      { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
    ],
    rate_allocation: [
      { policy: 'errors', percent: 50 },
      { policy: 'slow', percent: 30 },
    ],
  },
};

void test('composite: allocations are percent of the total; sub-policies left out share what is left; percent 0 is an equal share', () => {
  assert.deepEqual(Object.fromEntries(allocations(COMPOSITE.composite)), { rest: 20, slow: 30, errors: 50 });
  assert.deepEqual(Object.fromEntries(allocations({ ...COMPOSITE.composite, rate_allocation: undefined })), { rest: 33, slow: 33, errors: 33 });
  assert.deepEqual(Object.fromEntries(allocations({ ...COMPOSITE.composite, rate_allocation: [{ policy: 'errors', percent: 0 }] })), { rest: 33, slow: 33, errors: 33 });
  assert.deepEqual(Object.fromEntries(allocations({ ...COMPOSITE.composite, rate_allocation: [{ policy: 'errors', percent: 100 }] })), { rest: 0, slow: 0, errors: 100 });
  const policy = buildPolicy(COMPOSITE);
  assert.deepEqual(Object.fromEntries(policy.buckets), {
    c: { ratePerSecond: 100, burst: 100 },
    'c/errors': { ratePerSecond: 50, burst: 50 },
    'c/slow': { ratePerSecond: 30, burst: 30 },
    'c/rest': { ratePerSecond: 20, burst: 20 },
  });
});

void test('composite: sub-policies in policy_order; the first that samples takes from its share and the total; when it cannot, the trace is not sampled (no later sub-policy tried)', () => {
  const policy = buildPolicy(COMPOSITE);
  const gate = new AllowanceGate(new Map([['c', 100], ['c/errors', 50], ['c/slow', 30], ['c/rest', 20]]));
  let decidedBy: string | undefined;
  const evaluate = (t: TraceSpec) => {
    decidedBy = undefined;
    const vote = policy.evaluate(view(t), gate, (sub) => (decidedBy = sub));
    return [vote, decidedBy];
  };
  const slowError: TraceSpec = { spans: [{ durationMs: 600, status: 'ERROR' }, ...Array.from({ length: 19 }, () => ({ child: true }))] };
  assert.deepEqual(evaluate(slowError), [Vote.sampled, 'errors'], 'errors comes first in policy_order');
  assert.deepEqual(evaluate(slowError), [Vote.sampled, 'errors']);
  assert.deepEqual(evaluate(slowError), [Vote.notSampled, undefined], 'the errors share (50) is spent; slow is not tried');
  assert.deepEqual(evaluate(spans(15)), [Vote.sampled, 'rest']);
  assert.deepEqual(evaluate(spans(15)), [Vote.notSampled, undefined], 'rest holds 5 more');
  assert.deepEqual(evaluate({ spans: [{ durationMs: 600 }] }), [Vote.sampled, 'slow']);
});

void test('composite: the total holds across sub-policies', () => {
  const policy = buildPolicy(COMPOSITE);
  const gate = new AllowanceGate(new Map([['c', 30], ['c/errors', 50], ['c/slow', 30], ['c/rest', 20]]));
  assert.equal(policy.evaluate(view({ spans: [{ status: 'ERROR' }, ...Array.from({ length: 19 }, () => ({ child: true }))] }), gate), Vote.sampled);
  assert.equal(policy.evaluate(view(spans(15)), gate), Vote.notSampled, '20 of 30 spent: 15 more would pass the total');
  assert.equal(policy.evaluate(view(spans(10)), gate), Vote.sampled);
});

void test('measuring: every sub-policy that samples counts its demand, and nothing is refused', () => {
  const policy = buildPolicy(COMPOSITE);
  const gate = new MeasuringGate();
  const vote = policy.evaluate(view({ spans: [{ durationMs: 600, status: 'ERROR' }] }), gate);
  assert.equal(vote, Vote.sampled);
  assert.deepEqual(Object.fromEntries(gate.demand), { c: 3, 'c/errors': 1, 'c/slow': 1, 'c/rest': 1 });
});
