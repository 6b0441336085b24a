// probabilistic: keeps sampling_percentage of traces, by a hash of the trace
// ID, the same hash as the OpenTelemetry Collector's tail sampler: FNV-1a
// 64-bit over hash_salt's UTF-8 bytes then the 16 trace ID bytes, kept when
// the hash is <= floor(MaxUint64 x percentage / 100) (computed as Go's
// big.Float does: the product rounded to 64 significant bits, half to even).
// So every sampler, every replay and a Collector with the same salt keep the
// same traces (test/interop/collector/ checks it against the Collector's own
// code). The salt defaults to the Collector's, "default-hash-seed".
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { stateless, Vote, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'probabilistic' }>['probabilistic'];

export const DEFAULT_HASH_SALT = 'default-hash-seed';
const MAX_UINT64 = 2n ** 64n - 1n;
const FNV_OFFSET = { hi: 0xcbf29ce4, lo: 0x84222325 };

/** A 64-bit value as two unsigned 32-bit halves: cheaper than BigInt per byte. */
interface U64 {
  hi: number;
  lo: number;
}

/** One FNV-1a round: xor the byte in, multiply by the prime 2^40 + 0x1b3 (mod 2^64). */
function fnvStep(h: U64, byte: number): void {
  const lo = (h.lo ^ byte) >>> 0;
  const loProduct = lo * 0x1b3; // < 2^41: exact
  h.lo = loProduct >>> 0;
  h.hi = (h.hi * 0x1b3 + Math.floor(loProduct / 0x1_0000_0000) + (lo & 0xff_ffff) * 0x100) >>> 0;
}

/** FNV-1a 64 of salt + bytes, as Go's hash/fnv New64a. */
export function fnv1a64(salt: Uint8Array, bytes: Uint8Array): bigint {
  const h = hashPrefix(salt);
  for (const b of bytes) fnvStep(h, b);
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}

function hashPrefix(salt: Uint8Array): U64 {
  const h = { ...FNV_OFFSET };
  for (const b of salt) fnvStep(h, b);
  return h;
}

/** floor(MaxUint64 x ratio) as the Collector's calculateThreshold computes it with big.Float (64-bit precision, nearest even). */
export function thresholdFor(percentage: number): bigint {
  const ratio = percentage / 100;
  if (!(ratio > 0)) return 0n;
  if (ratio >= 1) return MAX_UINT64;
  const { mantissa, exponent } = decompose(ratio);
  let product = MAX_UINT64 * mantissa; // the exact product is product x 2^exponent
  const drop = product.toString(2).length - 64;
  if (drop > 0) {
    const shift = BigInt(drop);
    const kept = product >> shift;
    const rest = product - (kept << shift);
    const half = 1n << (shift - 1n);
    const up = rest > half || (rest === half && (kept & 1n) === 1n);
    product = (up ? kept + 1n : kept) << shift;
  }
  const value = exponent >= 0 ? product << BigInt(exponent) : product >> BigInt(-exponent);
  return value > MAX_UINT64 ? MAX_UINT64 : value;
}

/** A finite positive double as mantissa x 2^exponent, exactly. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xf_ffff) << 32n) | BigInt(lo);
  return biased === 0 ? { mantissa: fraction, exponent: -1074 } : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** The value of one lowercase hex digit's character code. */
function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

export function probabilistic(name: string, c: Config): Policy {
  const salt = Buffer.from(c.hash_salt === undefined || c.hash_salt === '' ? DEFAULT_HASH_SALT : c.hash_salt, 'utf8');
  const threshold = thresholdFor(c.sampling_percentage);
  const prefix = hashPrefix(salt);
  const thresholdHi = Number(threshold >> 32n);
  const thresholdLo = Number(threshold & 0xffff_ffffn);
  return stateless(name, (trace) => {
    const h = { ...prefix };
    const id = trace.traceId; // 32 lowercase hex digits (lib/model/ids.ts)
    for (let i = 0; i < 32; i += 2) fnvStep(h, (hexValue(id.charCodeAt(i)) << 4) | hexValue(id.charCodeAt(i + 1)));
    const kept = h.hi < thresholdHi || (h.hi === thresholdHi && h.lo <= thresholdLo);
    return kept ? Vote.sampled : Vote.notSampled;
  });
}
