// Pieces the OpenCensus protobuf codecs of traces (proto.ts) and metrics
// (proto-metrics.ts) share: Timestamps, 64-bit integers, string maps, Resource,
// and the encoding helpers that leave proto3 defaults out.
import type { OcResource, OcStringEntry } from './types.js';
import { bigIntToLong, longToBigInt, type LongBits } from '../otlp/int64.js';
import { fail } from '../decode-error.js';

// The shapes protobufjs decodes into (and encodes from). Absent message fields
// read as null, absent scalars as their default; a oneof has a virtual property
// naming its member that is set (undefined if none).
export interface PbTimestamp {
  seconds?: LongBits;
  nanos?: number;
}
/** A map entry: proto-root.ts turns map fields into repeated entries. */
export interface PbEntry<V> {
  key?: string;
  value?: V | null;
}
export interface PbResource {
  type?: string;
  labels?: PbEntry<string>[];
}

// ---- decoding ----

const NS_PER_S = 1_000_000_000n;

/** A Timestamp as exact nanoseconds since the epoch; `field` names it in errors. */
export function timeFromPb(t: PbTimestamp | null | undefined, field: string): bigint | undefined {
  if (t == null) return undefined;
  const nanos = t.nanos ?? 0;
  if (!(nanos >= 0 && nanos < 1e9)) throw fail(field, `nanos out of range [0, 1e9): ${nanos}`);
  const s = t.seconds;
  return (s === undefined ? 0n : longToBigInt(s, false)) * NS_PER_S + BigInt(nanos);
}

export const int64FromPb = (l: LongBits | undefined): bigint => (l === undefined ? 0n : longToBigInt(l, false));
export const uint64FromPb = (l: LongBits | undefined): bigint => (l === undefined ? 0n : longToBigInt(l, true));

export function entriesFromPb(list: PbEntry<string>[] | undefined): OcStringEntry[] {
  if (list === undefined || list.length === 0) return [];
  const out = new Array<OcStringEntry>(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    out[i] = { key: e.key ?? '', value: e.value ?? '' };
  }
  return out;
}

export function resourceFromPb(r: PbResource | null | undefined): OcResource | undefined {
  return r == null ? undefined : { type: r.type ?? '', labels: entriesFromPb(r.labels) };
}

// ---- encoding ----
// Each helper gives undefined for a proto3 default, which protobufjs's encoder
// skips, so the bytes are what other protobuf libraries write.

export const str = (v: string): string | undefined => (v === '' ? undefined : v);
export const num = (v: number): number | undefined => (v === 0 ? undefined : v);
/** Doubles keep -0 (and NaN): only +0 is the default. */
export const dbl = (v: number): number | undefined => (Object.is(v, 0) ? undefined : v);
/** Wraps modulo 2^64, so uint64 values above 2^63 encode as they should. */
export const int64ToPb = (v: bigint): LongBits | undefined => (v === 0n ? undefined : bigIntToLong(v));

/** Nanoseconds to a Timestamp (nanos always in [0, 1e9)); 0n is a present, empty Timestamp. */
export function timeToPb(t: bigint | undefined): PbTimestamp | undefined {
  if (t === undefined) return undefined;
  let seconds = t / NS_PER_S;
  let nanos = t % NS_PER_S;
  if (nanos < 0n) {
    nanos += NS_PER_S;
    seconds -= 1n;
  }
  return { seconds: int64ToPb(seconds), nanos: num(Number(nanos)) };
}

export const entriesToPb = (list: readonly OcStringEntry[]): PbEntry<string>[] =>
  list.map((e) => ({ key: str(e.key), value: str(e.value) }));

export function resourceToPb(r: OcResource | undefined): PbResource | undefined {
  return r && { type: str(r.type), labels: entriesToPb(r.labels) };
}
