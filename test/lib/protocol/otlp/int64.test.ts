// 64-bit integers cross protobufjs as { low, high } pairs: the conversions to
// and from bigint must be exact over the whole range, signed and unsigned.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bigIntToLong, longToBigInt } from '../../../../lib/protocol/otlp/int64.js';

describe('int64 conversions', () => {
  it('convert the edges of both ranges exactly', () => {
    for (const v of [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 63n]) {
      assert.equal(longToBigInt(bigIntToLong(v), true), v);
    }
    for (const v of [-1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n, -(2n ** 32n)]) {
      assert.equal(longToBigInt(bigIntToLong(v), false), v);
    }
  });

  it('round-trip any unsigned and any signed 64-bit value (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => longToBigInt(bigIntToLong(v), true) === v),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => longToBigInt(bigIntToLong(v), false) === v),
      { numRuns: 500 },
    );
  });
});
