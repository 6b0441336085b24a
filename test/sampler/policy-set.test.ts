// How the votes of several policies make one decision, as the Collector's
// tail sampler combines them: a drop wins over everything, then an inverted
// not-sampled vote, then any sampled vote, then an inverted sampled vote if
// no policy voted not sampled; otherwise the trace is dropped. Also and, drop,
// the deciding policy's name, and what a throwing policy does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyConfig } from '../../lib/config/policies.js';
import { MeasuringGate, NO_BUDGETS } from '../../sampler/budget-round.js';
import { NO_BUCKETS, Vote, type Policy } from '../../sampler/policies/policy.js';
import { NO_POLICY, PolicySet } from '../../sampler/policy-set.js';
import { view } from '../helpers/trace-builder.js';

const voter = (name: string, vote: Vote, calls?: string[]): Policy => ({
  name,
  buckets: NO_BUCKETS,
  evaluate: () => {
    calls?.push(name);
    return vote;
  },
});

const V = Vote;
const ROWS: { votes: Vote[]; verdict: 'keep' | 'drop'; policy: string }[] = [
  { votes: [], verdict: 'drop', policy: NO_POLICY },
  { votes: [V.notSampled, V.notSampled], verdict: 'drop', policy: NO_POLICY },
  { votes: [V.notSampled, V.sampled, V.sampled], verdict: 'keep', policy: 'p1' },
  { votes: [V.sampled, V.dropped], verdict: 'drop', policy: 'p1' },
  { votes: [V.dropped, V.sampled], verdict: 'drop', policy: 'p0' },
  { votes: [V.sampled, V.invertNotSampled], verdict: 'drop', policy: 'p1' },
  { votes: [V.invertNotSampled, V.dropped], verdict: 'drop', policy: 'p1' },
  { votes: [V.invertSampled], verdict: 'keep', policy: 'p0' },
  { votes: [V.invertSampled, V.notSampled], verdict: 'drop', policy: NO_POLICY },
  { votes: [V.notSampled, V.invertSampled, V.sampled], verdict: 'keep', policy: 'p2' },
  { votes: [V.invertSampled, V.invertSampled, V.sampled], verdict: 'keep', policy: 'p2' },
];

for (const row of ROWS) {
  void test(`votes [${row.votes.join(', ')}] decide ${row.verdict} by ${row.policy}`, () => {
    const set = new PolicySet(row.votes.map((v, i) => voter(`p${i}`, v)));
    const outcome = set.evaluate(view(), NO_BUDGETS);
    assert.equal(outcome.verdict, row.verdict);
    assert.equal(outcome.policy, row.policy);
  });
}

void test('a drop vote ends the evaluation: later policies are not asked (and their votes are not counted)', () => {
  const calls: string[] = [];
  const set = new PolicySet([voter('a', V.sampled, calls), voter('d', V.dropped, calls), voter('z', V.sampled, calls)]);
  assert.deepEqual(set.evaluate(view(), NO_BUDGETS).votes, [V.sampled, V.dropped, undefined]);
  assert.deepEqual(calls, ['a', 'd']);
});

void test('while measuring budgets every policy is asked, even after a drop', () => {
  const calls: string[] = [];
  const set = new PolicySet([voter('d', V.dropped, calls), voter('z', V.sampled, calls)]);
  set.evaluate(view(), new MeasuringGate());
  assert.deepEqual(calls, ['d', 'z']);
});

void test('a policy that throws is counted as an error and skipped; the others decide', () => {
  const errors: string[] = [];
  const broken: Policy = { name: 'broken', buckets: NO_BUCKETS, evaluate: () => { throw new Error('boom'); } };
  const set = new PolicySet([broken, voter('ok', V.sampled)], (policy, err) => errors.push(`${policy}: ${(err as Error).message}`));
  const outcome = set.evaluate(view(), NO_BUDGETS);
  assert.deepEqual([outcome.verdict, outcome.policy, outcome.votes], ['keep', 'ok', ['error', V.sampled]]);
  assert.deepEqual(errors, ['broken: boom']);
});

const config = (policies: PolicyConfig[]) => PolicySet.fromConfig(policies);

void test('and: keeps only when every sub-policy samples', () => {
  const set = config([
    {
      name: 'slow-errors',
      type: 'and',
      and: { and_sub_policy: [{ name: 'e', type: 'status_code', status_code: { status_codes: ['ERROR'] } }, { name: 's', type: 'latency', latency: { threshold_ms: 100 } }] },
    },
  ]);
  assert.equal(set.evaluate(view({ spans: [{ status: 'ERROR', durationMs: 150 }] }), NO_BUDGETS).verdict, 'keep');
  assert.equal(set.evaluate(view({ spans: [{ status: 'ERROR', durationMs: 50 }] }), NO_BUDGETS).verdict, 'drop');
  assert.equal(set.evaluate(view({ spans: [{ status: 'OK', durationMs: 150 }] }), NO_BUDGETS).verdict, 'drop');
});

void test('drop: every sub-policy matching drops the trace whatever else votes to keep, and names the drop policy', () => {
  const set = config([
    { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
    {
      name: 'no-health-checks',
      type: 'drop',
      drop: { drop_sub_policy: [{ name: 'route', type: 'string_attribute', string_attribute: { key: 'url.path', values: ['/health'] } }, { name: 'service', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['lb'] } }] },
    },
  ]);
  const outcome = set.evaluate(view({ resource: { 'service.name': 'lb' }, spans: [{ status: 'ERROR', attrs: { 'url.path': '/health' } }] }), NO_BUDGETS);
  assert.deepEqual([outcome.verdict, outcome.policy], ['drop', 'no-health-checks']);
  const other = set.evaluate(view({ resource: { 'service.name': 'web' }, spans: [{ status: 'ERROR', attrs: { 'url.path': '/health' } }] }), NO_BUDGETS);
  assert.deepEqual([other.verdict, other.policy], ['keep', 'errors'], 'one sub-policy not matching: no drop');
});

void test('a composite decision is named by the composite and the sub-policy that kept it', () => {
  const set = config([
    {
      name: 'budget',
      type: 'composite',
      composite: {
        max_total_spans_per_second: 10,
        composite_sub_policy: [
          { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
          { name: 'all', type: 'always_sample' },
        ],
      },
    },
  ]);
  const gate = new (class {
    readonly measuring = false;
    take = () => true;
  })();
  assert.equal(set.evaluate(view({ spans: [{ status: 'OK' }] }), gate).policy, 'budget/all');
  assert.equal(set.evaluate(view({ spans: [{ status: 'ERROR' }] }), gate).policy, 'budget/errors');
  assert.deepEqual([...set.buckets.keys()].sort(), ['budget', 'budget/all', 'budget/errors']);
});
