import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryDecisionStore, MemoryDecisionTable } from '../../../lib/store/memory-store.js';
import { waitFor } from '../../harness/wait-for.js';
import { budget, decision, randomTraceId, runDecisionStoreContract } from './contract.js';

// Stores of one namespace share a table, as samplers share one Redis.
const tables = new Map<string, MemoryDecisionTable>();
runDecisionStoreContract('memory', (_t, namespace) => {
  let table = tables.get(namespace);
  if (table === undefined) tables.set(namespace, (table = new MemoryDecisionTable()));
  return new MemoryDecisionStore({ table });
});

describe('MemoryDecisionStore', () => {
  it('never returns an expired decision, even before the sweep', async (t) => {
    let nowMs = 1_000;
    const store = new MemoryDecisionStore({ nowMs: () => nowMs, sweepIntervalMs: 3_600_000 });
    t.after(() => store.close());
    await store.start();
    const traceId = randomTraceId();
    await store.decide([{ traceId, decision: decision('keep') }], 100);
    nowMs += 99;
    assert.deepEqual(await store.get([traceId]), [decision('keep')]);
    nowMs += 1;
    assert.deepEqual(await store.get([traceId]), [undefined]);
    assert.equal(store.stats().expired, 1);
  });

  it('sweeps expired decisions out of memory periodically', async (t) => {
    let nowMs = 1_000;
    const store = new MemoryDecisionStore({ nowMs: () => nowMs, sweepIntervalMs: 10 });
    t.after(() => store.close());
    await store.start();
    await store.decide(
      Array.from({ length: 5 }, () => ({ traceId: randomTraceId(), decision: decision('drop') })),
      100,
    );
    await store.decide([{ traceId: randomTraceId(), decision: decision('keep') }], 10_000);
    assert.equal(store.stats().entries, 6);
    nowMs += 100;
    await waitFor(() => store.stats().entries === 1, { what: 'the sweep' });
    assert.equal(store.stats().expired, 5);
  });

  it('holds at most maxEntries, evicting the oldest decision first and counting it', async (t) => {
    const store = new MemoryDecisionStore({ maxEntries: 3 });
    t.after(() => store.close());
    await store.start();
    const traceIds = Array.from({ length: 5 }, randomTraceId);
    await store.decide(traceIds.map((traceId, i) => ({ traceId, decision: decision('keep', `p${i}`) })), 60_000);
    assert.deepEqual(store.stats(), { entries: 3, evicted: 2, expired: 0 });
    assert.deepEqual(await store.get(traceIds), [undefined, undefined, decision('keep', 'p2'), decision('keep', 'p3'), decision('keep', 'p4')]);
  });

  it('hands out copies: mutating a returned decision changes nothing stored', async (t) => {
    const store = new MemoryDecisionStore();
    t.after(() => store.close());
    await store.start();
    const traceId = randomTraceId();
    const proposal = decision('keep');
    const [returned] = await store.decide([{ traceId, decision: proposal }], 60_000);
    assert.ok(returned);
    returned.verdict = 'drop';
    proposal.policy = 'changed';
    assert.deepEqual(await store.get([traceId]), [decision('keep')]);
  });

  it('budgets refill by rate x elapsed time, fractions carried over, up to burst', async (t) => {
    let nowMs = 1_000;
    const store = new MemoryDecisionStore({ nowMs: () => nowMs });
    t.after(() => store.close());
    await store.start();
    const take = (n: number) => store.takeBudgets([budget('b', n, { ratePerSecond: 4, burst: 8 })]);
    assert.deepEqual(await take(8), [8]);
    nowMs += 375; // 1.5 tokens
    assert.deepEqual(await take(8), [1]);
    nowMs += 125; // 0.5 + 0.5 tokens
    assert.deepEqual(await take(8), [1]);
    nowMs += 60_000;
    assert.deepEqual(await take(100), [8], 'never more than burst');
  });

  it('rejects a maxEntries below 1', () => {
    assert.throws(() => new MemoryDecisionStore({ maxEntries: 0 }), RangeError);
  });
});
