// Exact conversions between protobufjs's 64-bit integers (Long, or any
// { low, high } pair) and bigint. Timestamps in nanoseconds and counters exceed
// 2^53, so a detour through number would lose digits.

/** What protobufjs decodes int64/fixed64 into, and accepts when encoding. */
export interface LongBits {
  low: number;
  high: number;
  unsigned?: boolean;
}

const TWO_32 = 4_294_967_296;

/** A decoded Long as bigint: signed or unsigned as the field's type says. */
export function longToBigInt(l: LongBits, unsigned: boolean): bigint {
  const lo = l.low >>> 0;
  const hi = l.high >>> 0;
  // Most values (counts, small ints) fit in 53 bits: skip the bigint shifts.
  if (hi < 0x20_0000) return BigInt(hi * TWO_32 + lo);
  const u = (BigInt(hi) << 32n) | BigInt(lo);
  return unsigned ? u : BigInt.asIntN(64, u);
}

/** A bigint as the { low, high } pair protobufjs encodes; wraps modulo 2^64. */
export function bigIntToLong(v: bigint): LongBits {
  if (v >= 0n && v < 0x20_0000_0000_0000n) {
    const n = Number(v);
    return { low: n % TWO_32 | 0, high: Math.floor(n / TWO_32) | 0 };
  }
  return { low: Number(v & 0xffff_ffffn) | 0, high: Number((v >> 32n) & 0xffff_ffffn) | 0 };
}

/** Whether v fits the 64-bit range of a field: [0, 2^64) unsigned, [-2^63, 2^63) signed. */
export function fitsInt64(v: bigint, unsigned: boolean): boolean {
  return unsigned ? v >= 0n && v <= 0xffff_ffff_ffff_ffffn : v >= -0x8000_0000_0000_0000n && v <= 0x7fff_ffff_ffff_ffffn;
}
