// The decision-store contract: every implementation (memory, Redis) runs these
// same tests, so that all-in-one mode and a Redis-backed cluster decide alike.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { OcsvcError } from '../../../lib/errors.js';
import { traceIdFromHex, type TraceId } from '../../../lib/model/ids.js';
import type { BudgetRequest, Decision, DecisionStore } from '../../../lib/store/store.js';
import { uniqueName } from '../../harness/env.js';
import { waitFor } from '../../harness/wait-for.js';

/**
 * Makes an unstarted store. Stores made with the same namespace share their
 * decisions (as two samplers share one Redis); different namespaces never do.
 * Returns undefined when the test was skipped (no Redis outside CI).
 */
export type MakeStore = (t: TestContext, namespace: string) => Promise<DecisionStore | undefined> | DecisionStore | undefined;

const TTL_MS = 60_000; // 1 minute: longer than any test here

export function randomTraceId(): TraceId {
  return traceIdFromHex(randomBytes(16).toString('hex'));
}

export function decision(verdict: Decision['verdict'], policy = 'always_sample', decidedAtMs = 1_732_500_000_000): Decision {
  return { verdict, policy, decidedAtMs };
}

/** A budget request on a slow bucket (one token per 100 s), so that refills during a test stay below one token. */
export function budget(bucket: string, take: number, o: Partial<BudgetRequest> = {}): BudgetRequest {
  return { bucket, ratePerSecond: 0.01, burst: 100, take, refund: 0, ...o };
}

export function runDecisionStoreContract(name: string, makeStore: MakeStore): void {
  /** A started store, closed after the test. */
  async function started(t: TestContext, namespace = uniqueName('ns')): Promise<DecisionStore | undefined> {
    const store = await makeStore(t, namespace);
    if (store === undefined) return undefined;
    t.after(() => store.close());
    await store.start();
    return store;
  }

  describe(`${name}: decision store contract`, () => {
    it('records the proposal for a trace without a decision and returns it', async (t) => {
      const store = await started(t);
      if (!store) return;
      const traceId = randomTraceId();
      assert.deepEqual(await store.decide([{ traceId, decision: decision('keep') }], TTL_MS), [decision('keep')]);
      assert.deepEqual(await store.get([traceId]), [decision('keep')]);
    });

    it('keeps the first decision for a trace: later proposals get it back', async (t) => {
      const store = await started(t);
      if (!store) return;
      const traceId = randomTraceId();
      await store.decide([{ traceId, decision: decision('keep', 'first', 1) }], TTL_MS);
      const later = await store.decide([{ traceId, decision: decision('drop', 'second', 2) }], TTL_MS);
      assert.deepEqual(later, [decision('keep', 'first', 1)]);
      assert.deepEqual(await store.get([traceId]), [decision('keep', 'first', 1)]);
    });

    it('get() of a trace without a decision is undefined', async (t) => {
      const store = await started(t);
      if (!store) return;
      assert.deepEqual(await store.get([randomTraceId(), randomTraceId()]), [undefined, undefined]);
    });

    it('empty calls return empty lists', async (t) => {
      const store = await started(t);
      if (!store) return;
      assert.deepEqual(await store.decide([], TTL_MS), []);
      assert.deepEqual(await store.get([]), []);
    });

    it('answers many traces in one call in the order asked, mixing new and existing decisions', async (t) => {
      const store = await started(t);
      if (!store) return;
      const traceIds = Array.from({ length: 300 }, randomTraceId);
      const earlier = traceIds.filter((_, i) => i % 3 === 0);
      await store.decide(earlier.map((traceId) => ({ traceId, decision: decision('drop', 'earlier', 7) })), TTL_MS);

      const results = await store.decide(traceIds.map((traceId, i) => ({ traceId, decision: decision('keep', `p${i}`, i) })), TTL_MS);
      const expected = traceIds.map((_, i) => (i % 3 === 0 ? decision('drop', 'earlier', 7) : decision('keep', `p${i}`, i)));
      assert.deepEqual(results, expected);

      const unknown = randomTraceId();
      const asked = [...traceIds.slice(0, 5), unknown, ...traceIds.slice(5, 10)];
      assert.deepEqual(await store.get(asked), [...expected.slice(0, 5), undefined, ...expected.slice(5, 10)]);
    });

    it('two proposals for the same trace in one call: the first wins for both', async (t) => {
      const store = await started(t);
      if (!store) return;
      const traceId = randomTraceId();
      const results = await store.decide(
        [
          { traceId, decision: decision('drop', 'a') },
          { traceId, decision: decision('keep', 'b') },
        ],
        TTL_MS,
      );
      assert.deepEqual(results, [decision('drop', 'a'), decision('drop', 'a')]);
    });

    it('concurrent decide() calls from two stores on the same trace agree on one decision', async (t) => {
      const namespace = uniqueName('shared');
      const a = await started(t, namespace);
      const b = await started(t, namespace);
      if (!a || !b) return;
      const traceIds = Array.from({ length: 200 }, randomTraceId);
      // Several overlapping calls in opposite orders, so that the two stores
      // race on every trace rather than one finishing first.
      const chunks = (ids: TraceId[]) => [ids.slice(0, 100), ids.slice(100)];
      const callsA = chunks(traceIds).map((ids) => a.decide(ids.map((traceId) => ({ traceId, decision: decision('keep', 'a') })), TTL_MS));
      const reversed = traceIds.slice().reverse();
      const callsB = chunks(reversed).map((ids) => b.decide(ids.map((traceId) => ({ traceId, decision: decision('drop', 'b') })), TTL_MS));
      const [resultsA, resultsB] = await Promise.all([Promise.all(callsA), Promise.all(callsB)]);
      const byTraceA = new Map(traceIds.map((traceId, i) => [traceId, resultsA.flat()[i]]));
      const byTraceB = new Map(reversed.map((traceId, i) => [traceId, resultsB.flat()[i]]));
      const inForce = await a.get(traceIds);
      traceIds.forEach((traceId, i) => {
        assert.deepEqual(byTraceA.get(traceId), byTraceB.get(traceId), `trace ${traceId}`);
        assert.deepEqual(inForce[i], byTraceA.get(traceId), `trace ${traceId} in force`);
      });
      assert.deepEqual(await b.get(traceIds), inForce);
    });

    it('stores in different namespaces do not share decisions', async (t) => {
      const a = await started(t);
      const b = await started(t);
      if (!a || !b) return;
      const traceId = randomTraceId();
      await a.decide([{ traceId, decision: decision('keep') }], TTL_MS);
      assert.deepEqual(await b.get([traceId]), [undefined]);
    });

    it('a decision expires after its TTL, and a new one can then be recorded', async (t) => {
      const store = await started(t);
      if (!store) return;
      const traceId = randomTraceId();
      await store.decide([{ traceId, decision: decision('keep', 'old') }], 200);
      await waitFor(async () => (await store.get([traceId]))[0] === undefined, { timeoutMs: 15_000, what: 'the decision to expire' });
      assert.deepEqual(await store.decide([{ traceId, decision: decision('drop', 'new') }], TTL_MS), [decision('drop', 'new')]);
      assert.deepEqual(await store.get([traceId]), [decision('drop', 'new')]);
    });

    it('keeps every field of a decision: any policy name, large timestamps', async (t) => {
      const store = await started(t);
      if (!store) return;
      const odd = [decision('keep', 'rate|limit:ünïcode {x}', 4_102_444_800_000), decision('drop', '', 0), decision('drop', '||', 1_732_500_000_123)];
      const traceIds = odd.map(() => randomTraceId());
      await store.decide(traceIds.map((traceId, i) => ({ traceId, decision: odd[i] as Decision })), TTL_MS);
      assert.deepEqual(await store.get(traceIds), odd);
    });

    it('rejects a TTL that is not a whole number of milliseconds >= 1', async (t) => {
      const store = await started(t);
      if (!store) return;
      for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(store.decide([{ traceId: randomTraceId(), decision: decision('keep') }], ttlMs), RangeError, `ttlMs ${ttlMs}`);
      }
    });

    it('budgets: a new bucket starts full, and a take gets at most what it holds', async (t) => {
      const store = await started(t);
      if (!store) return;
      assert.deepEqual(await store.takeBudgets([budget('b', 30)]), [30]);
      assert.deepEqual(await store.takeBudgets([budget('b', 100)]), [70]);
      assert.deepEqual(await store.takeBudgets([budget('b', 1)]), [0]);
      assert.deepEqual(await store.takeBudgets([budget('fresh', 150)]), [100], 'never more than burst');
    });

    it('budgets: the requests of one call are served in order, each bucket on its own', async (t) => {
      const store = await started(t);
      if (!store) return;
      assert.deepEqual(await store.takeBudgets([budget('x', 60), budget('y', 10), budget('x', 60), budget('y', 0), budget('x', 0)]), [60, 10, 40, 0, 0]);
    });

    it('budgets: stores in one namespace share one bucket (a global rate); other namespaces have their own', async (t) => {
      const namespace = uniqueName('shared');
      const a = await started(t, namespace);
      const b = await started(t, namespace);
      const other = await started(t);
      if (!a || !b || !other) return;
      const [fromA, fromB] = await Promise.all([a.takeBudgets([budget('g', 60)]), b.takeBudgets([budget('g', 60)])]);
      assert.equal(fromA[0]! + fromB[0]!, 100, `${fromA[0]} + ${fromB[0]}: the two share 100 tokens`);
      assert.deepEqual(await other.takeBudgets([budget('g', 60)]), [60]);
    });

    it('budgets: refunded tokens can be taken again, but the bucket never holds more than burst', async (t) => {
      const store = await started(t);
      if (!store) return;
      await store.takeBudgets([budget('r', 100)]);
      assert.deepEqual(await store.takeBudgets([budget('r', 50, { refund: 40 })]), [40]);
      assert.deepEqual(await store.takeBudgets([budget('r', 200, { refund: 500 })]), [100], 'refund capped at burst');
    });

    it('budgets: an emptied bucket refills at ratePerSecond', async (t) => {
      const store = await started(t);
      if (!store) return;
      const fast = (take: number) => budget('f', take, { ratePerSecond: 50, burst: 10 });
      assert.deepEqual(await store.takeBudgets([fast(10)]), [10]);
      const startedAt = Date.now();
      const [soon] = await store.takeBudgets([fast(10)]);
      assert.ok(soon! <= Math.ceil(((Date.now() - startedAt + 50) * 50) / 1_000), `at most the refill since emptied, got ${soon}`);
      let got = soon!;
      await waitFor(async () => (got += (await store.takeBudgets([fast(1)]))[0]!) >= 5, { timeoutMs: 10_000, intervalMs: 20, what: '5 tokens refilled' });
      assert.ok(Date.now() - startedAt >= 40, '5 tokens at 50/s take at least 100 ms (40 allowed for clock granularity)');
    });

    it('budgets: rejects bad requests as a caller\'s bug', async (t) => {
      const store = await started(t);
      if (!store) return;
      for (const bad of [budget('', 1), budget('z', -1), budget('z', 1.5), budget('z', 1, { ratePerSecond: 0 }), budget('z', 1, { burst: 0 }), budget('z', 1, { refund: -1 })]) {
        await assert.rejects(store.takeBudgets([bad]), RangeError, JSON.stringify(bad));
      }
      assert.deepEqual(await store.takeBudgets([]), []);
    });

    it('close() is safe twice and returns the same promise', async (t) => {
      const store = await makeStore(t, uniqueName('ns'));
      if (!store) return;
      await store.start();
      const first = store.close();
      const second = store.close();
      assert.equal(first, second);
      await first;
      await store.close();
    });

    it('close() is safe without start()', async (t) => {
      const store = await makeStore(t, uniqueName('ns'));
      if (!store) return;
      await store.close();
      await store.close();
    });

    it('calls before start() reject with STORE_NOT_STARTED', async (t) => {
      const store = await makeStore(t, uniqueName('ns'));
      if (!store) return;
      t.after(() => store.close());
      const notStarted = (err: unknown) => err instanceof OcsvcError && err.code === 'STORE_NOT_STARTED';
      await assert.rejects(store.decide([{ traceId: randomTraceId(), decision: decision('keep') }], TTL_MS), notStarted);
      await assert.rejects(store.get([randomTraceId()]), notStarted);
      await assert.rejects(store.takeBudgets([budget('b', 1)]), notStarted);
    });

    it('calls after close() reject with STORE_CLOSED', async (t) => {
      const store = await makeStore(t, uniqueName('ns'));
      if (!store) return;
      await store.start();
      await store.close();
      const isClosed = (err: unknown) => err instanceof OcsvcError && err.code === 'STORE_CLOSED';
      await assert.rejects(store.decide([{ traceId: randomTraceId(), decision: decision('keep') }], TTL_MS), isClosed);
      await assert.rejects(store.get([randomTraceId()]), isClosed);
      await assert.rejects(store.takeBudgets([budget('b', 1)]), isClosed);
      await assert.rejects(store.start(), isClosed);
    });
  });
}
