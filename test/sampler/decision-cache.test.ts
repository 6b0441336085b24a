// The decision cache lets late spans follow their trace's decision without a
// store round trip; it must stay bounded, giving up the oldest entry first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceId } from '../../lib/model/ids.js';
import type { Decision, Verdict } from '../../lib/store/store.js';
import { DecisionCache } from '../../sampler/decision-cache.js';

const id = (n: number) => n.toString(16).padStart(32, '0') as TraceId;
const d = (verdict: Verdict): Decision => ({ verdict, policy: `p-${verdict}`, decidedAtMs: 1 });

test('a decision set is returned by get; an unknown trace has none', () => {
  const cache = new DecisionCache(10);
  cache.set(id(1), d('keep'));
  cache.set(id(2), d('drop'));
  assert.deepEqual(cache.get(id(1)), d('keep'));
  assert.deepEqual(cache.get(id(2)), d('drop'));
  assert.equal(cache.get(id(3)), undefined);
  assert.equal(cache.size, 2);
});

test('beyond maxEntries the oldest decision goes first, and the size stays at the bound', () => {
  const cache = new DecisionCache(3);
  for (let n = 1; n <= 5; n++) cache.set(id(n), d('keep'));
  assert.equal(cache.size, 3);
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => cache.get(id(n))?.verdict), [undefined, undefined, 'keep', 'keep', 'keep']);
});

test('setting a trace again replaces its verdict and makes it the newest', () => {
  const cache = new DecisionCache(2);
  cache.set(id(1), d('keep'));
  cache.set(id(2), d('keep'));
  cache.set(id(1), d('drop'));
  cache.set(id(3), d('keep'));
  assert.equal(cache.size, 2);
  assert.deepEqual(cache.get(id(1)), d('drop'), 'refreshed, so trace 2 was the oldest');
  assert.equal(cache.get(id(2)), undefined);
  assert.deepEqual(cache.get(id(3)), d('keep'));
});
