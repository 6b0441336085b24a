// The probabilistic policy keeps the traces the OpenTelemetry Collector keeps:
// vectors of its hash and thresholds, taken from Go's hash/fnv and math/big by
// test/interop/collector/go-tailsampling (which also checks many random ones
// against the Collector's own processor when Go is installed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { idToBytes, type TraceId } from '../../../lib/model/ids.js';
import { NO_BUDGETS } from '../../../sampler/budget-round.js';
import { buildPolicy, Vote } from '../../../sampler/policies/index.js';
import { DEFAULT_HASH_SALT, fnv1a64, thresholdFor } from '../../../sampler/policies/probabilistic.js';

const HASHES: [salt: string, traceId: string, hash: bigint][] = [
  ['default-hash-seed', '5b8efff798038103d269b633813fc60c', 10804547627798090743n],
  ['', '00000000000000000000000000000000', 9808874869469701221n],
  ['tier-2', 'ffffffffffffffffffffffffffffffff', 5439549173121502698n],
  ['sälz ✓', '0102030405060708090a0b0c0d0e0f10', 3670405371509515484n],
];

const THRESHOLDS: [percentage: number, threshold: bigint][] = [
  [0, 0n],
  [0.0001, 18446744073709n],
  [0.1, 18446744073709551n],
  [1, 184467440737095519n],
  [10, 1844674407370955263n],
  [33, 6087425544324152319n],
  [33.3, 6142765776545279999n],
  [50, 9223372036854775807n],
  [99.9999, 18446725626965477375n],
  [100, 18446744073709551615n],
];

for (const [salt, traceId, hash] of HASHES) {
  void test(`FNV-1a 64 of ${JSON.stringify(salt)} + ${traceId} is Go's`, () => {
    assert.equal(fnv1a64(Buffer.from(salt, 'utf8'), idToBytes(traceId as TraceId)), hash);
  });
}

for (const [percentage, threshold] of THRESHOLDS) {
  void test(`the threshold of ${percentage}% is the Collector's`, () => {
    assert.equal(thresholdFor(percentage), threshold);
  });
}

void test('a trace is kept when the salted hash of its ID is at most the threshold, with the Collector\'s default salt', () => {
  const traceId = '5b8efff798038103d269b633813fc60c' as TraceId;
  const hash = 10804547627798090743n; // default salt, from the table above
  const keptAt = (percentage: number) => buildPolicy({ name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: percentage } }).evaluate({ traceId, resourceSpans: [], spanCount: 1, bytes: 1 }, NO_BUDGETS);
  assert.equal(DEFAULT_HASH_SALT, 'default-hash-seed');
  assert.ok(thresholdFor(58.5) < hash && hash <= thresholdFor(58.6));
  assert.equal(keptAt(58.5), Vote.notSampled);
  assert.equal(keptAt(58.6), Vote.sampled);
  assert.equal(keptAt(100), Vote.sampled);
  assert.equal(keptAt(0), Vote.notSampled);
});

void test('property: the threshold grows with the percentage and stays within [0, 2^64 - 1]', () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      assert.ok(thresholdFor(lo) <= thresholdFor(hi));
      assert.ok(thresholdFor(hi) <= 2n ** 64n - 1n && thresholdFor(lo) >= 0n);
    }),
  );
});
