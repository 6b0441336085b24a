// A decision round spends shared budgets with one store call: it measures
// what its traces may ask for, takes that much (or what the bucket holds),
// and grants requests in order from it. That must give exactly what the
// bucket itself would have granted the same requests in the same order, over
// any number of rounds (leftovers go back with the next round's call).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryDecisionStore } from '../../lib/store/memory-store.js';
import { BudgetRounds, MeasuringGate } from '../../sampler/budget-round.js';
import { PolicySet } from '../../sampler/policy-set.js';
import type { TraceView } from '../../sampler/policies/index.js';
import { buildTrace, randomTraceId } from '../helpers/trace-builder.js';
import { evaluateRound } from '../../sampler/evaluate-round.js';
import type { PendingTrace } from '../../sampler/partition-state.js';
import type { Traces } from '../../lib/model/trace.js';
import type { TraceId } from '../../lib/model/ids.js';
import { encodeTracesProto } from '../../lib/protocol/otlp/index.js';

/** A buffered trace of one record, as the sampler holds it. */
function pendingTrace(traces: Traces): PendingTrace {
  const value = Buffer.from(encodeTracesProto(traces));
  const traceId = traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId as TraceId;
  const spans = traces.resourceSpans[0]!.scopeSpans[0]!.spans.length;
  return { traceId, firstSeenMs: 0, lastSeenMs: 0, firstOffset: 0n, records: [{ topic: 't', partition: 0, offset: 0n, key: null, value, headers: {}, timestampMs: 0 }], spansPerRecord: [spans], bytes: value.length, spans, rooted: true, limit: undefined };
}

const trace = (spans: number): TraceView => ({ traceId: randomTraceId(), resourceSpans: [], spanCount: spans, bytes: spans * 100 });

async function frozenStore(t: { after: (fn: () => Promise<void>) => void }) {
  const store = new MemoryDecisionStore({ nowMs: () => 1_000 });
  t.after(() => store.close());
  await store.start();
  return store;
}

async function round(rounds: BudgetRounds, set: PolicySet, traces: TraceView[], lost: ReadonlySet<number> = new Set()) {
  const measuring = new MeasuringGate();
  for (const tr of traces) set.evaluate(tr, measuring);
  const gate = await rounds.open(measuring.demand);
  const verdicts = traces.map((tr, i) => {
    gate.forTrace(i);
    return set.evaluate(tr, gate).verdict;
  });
  rounds.close(gate, lost);
  return verdicts;
}

void test('property: over any rounds of traces, two rate_limiting budgets grant what two token buckets would, in order', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 12 }), { maxLength: 8 }), async (rounds) => {
      const store = await frozenStore(t);
      const set = PolicySet.fromConfig([
        { name: 'a', type: 'rate_limiting', rate_limiting: { spans_per_second: 20 } }, // burst 40
        { name: 'b', type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 1_000, burst_capacity: 2_500 } },
      ]);
      const budgets = new BudgetRounds(store, set);
      let a = 40;
      let b = 2_500;
      for (const spans of rounds) {
        const traces = spans.map(trace);
        const got = await round(budgets, set, traces);
        const want = traces.map((tr) => {
          const fromA = a >= tr.spanCount;
          if (fromA) a -= tr.spanCount;
          const fromB = b >= tr.bytes;
          if (fromB) b -= tr.bytes;
          return fromA || fromB ? 'keep' : 'drop';
        });
        assert.deepEqual(got, want);
      }
    }),
    { numRuns: 100 },
  );
});

void test('a round takes only what its traces may ask for, so another sampler sharing the bucket gets the rest at once', async (t) => {
  const store = await frozenStore(t);
  const set = PolicySet.fromConfig([{ name: 'a', type: 'rate_limiting', rate_limiting: { spans_per_second: 50 } }]);
  const mine = new BudgetRounds(store, set);
  const theirs = new BudgetRounds(store, set);
  assert.deepEqual(await round(mine, set, [trace(30)]), ['keep']);
  assert.deepEqual(await round(theirs, set, [trace(60), trace(10)]), ['keep', 'keep'], '100 - 30 = 70 left for them');
  assert.deepEqual(await round(mine, set, [trace(1)]), ['drop']);
});

void test('tokens granted to traces another sampler had already decided go back to the bucket with the next call', async (t) => {
  const store = await frozenStore(t);
  const set = PolicySet.fromConfig([{ name: 'a', type: 'rate_limiting', rate_limiting: { spans_per_second: 10 } }]);
  const budgets = new BudgetRounds(store, set);
  assert.deepEqual(await round(budgets, set, [trace(15), trace(5)], new Set([0])), ['keep', 'keep']);
  assert.equal(budgets.hasRefunds, true);
  await budgets.flush();
  assert.equal(budgets.hasRefunds, false);
  assert.deepEqual(await store.takeBudgets([{ bucket: 'a', ratePerSecond: 10, burst: 20, take: 100, refund: 0 }]), [15], 'the 15 of the lost trace are back');
});

void test('a large request refused while a smaller one fits: the unused tokens go back too', async (t) => {
  const store = await frozenStore(t);
  const set = PolicySet.fromConfig([{ name: 'a', type: 'rate_limiting', rate_limiting: { spans_per_second: 5 } }]);
  const budgets = new BudgetRounds(store, set);
  assert.deepEqual(await round(budgets, set, [trace(12), trace(3)]), ['drop', 'keep']);
  await budgets.flush();
  assert.deepEqual(await store.takeBudgets([{ bucket: 'a', ratePerSecond: 5, burst: 10, take: 100, refund: 0 }]), [7]);
});

void test('a failed store call keeps the refunds for the next try', async (t) => {
  const store = await frozenStore(t);
  const set = PolicySet.fromConfig([{ name: 'a', type: 'rate_limiting', rate_limiting: { spans_per_second: 5 } }]);
  const budgets = new BudgetRounds(store, set);
  await round(budgets, set, [trace(12)]);
  await store.close();
  await assert.rejects(budgets.flush());
  assert.equal(budgets.hasRefunds, true);
});

void test('a round asks the store only for the traces that can spend a budget, and grants them in order', async (t) => {
  const store = await frozenStore(t);
  const calls: number[][] = [];
  const counting = Object.assign(Object.create(store) as MemoryDecisionStore, {
    takeBudgets: (requests: Parameters<MemoryDecisionStore['takeBudgets']>[0]) => {
      calls.push(requests.map((r) => r.take));
      return store.takeBudgets(requests);
    },
  });
  // Errors are kept without a budget; web traces share a bucket of 4 spans, in an and after a filter.
  const set = PolicySet.fromConfig([
    { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
    {
      name: 'capped-web',
      type: 'and',
      and: { and_sub_policy: [{ name: 'web', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['web'] } }, { name: 'cap', type: 'rate_limiting', rate_limiting: { spans_per_second: 2 } }] },
    },
  ]);
  const budgets = new BudgetRounds(counting, set);
  const pending = [
    { service: 'web', status: 'OK' },
    { service: 'db', status: 'ERROR' },
    { service: 'web', status: 'OK' },
    { service: 'web', status: 'OK' },
    { service: 'db', status: 'OK' },
  ].map(({ service, status }) => pendingTrace(buildTrace({ resource: { 'service.name': service }, spans: [{ status: status as 'OK' | 'ERROR' }, { child: true }] })));
  const { results } = await evaluateRound(pending, set, budgets);
  assert.deepEqual(results.map((r) => [r.outcome.verdict, r.outcome.policy]), [['keep', 'capped-web'], ['keep', 'errors'], ['keep', 'capped-web'], ['drop', '(none)'], ['drop', '(none)']]);
  assert.deepEqual(calls, [[6]], 'one store call, for the 3 web traces of 2 spans (the errors and the db trace ask for nothing)');
  assert.deepEqual(results.map((r) => r.spans), [2, 2, 2, 2, 2]);
});
