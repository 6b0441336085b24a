// Building blocks of OpenCensus JSON (json.ts, json-traces.ts, json-metrics.ts):
// field readers and writers, Timestamps, maps and Resource, for the proto3
// JSON mapping as the OpenCensus HTTP/JSON gateway (grpc-gateway) took it.
// Each reader looks a field up under its lowerCamelCase name and then its
// original snake_case name (both are valid proto3 JSON), treats null as
// absent, checks the JSON type, and throws a DecodeError naming the field
// (../decode-error.ts adds the path of the enclosing messages). Unknown fields
// are never looked at, so they are ignored, as lenient protobuf JSON parsers
// (and the gateway) do.
import { InvalidInputError } from '../../errors.js';
import { fitsInt64 } from '../otlp/int64.js';
import { atField, fail, mapAt, within } from '../decode-error.js';
import type { OcResource, OcStringEntry } from './types.js';

export type JsonObject = Record<string, unknown>;

export function parseJson(body: Uint8Array | string): JsonObject {
  const s = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let v: unknown;
  try {
    // A byte order mark is not JSON, but some clients write one.
    v = JSON.parse(s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);
  } catch (err) {
    throw new InvalidInputError(`invalid OpenCensus JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('', `request must be a JSON object, got ${typeOf(v)}`);
  return v as JsonObject;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** A short rendering of a bad value for an error message. */
function preview(v: unknown): string {
  if (typeof v !== 'string' && typeof v !== 'number') return typeOf(v);
  const s = JSON.stringify(typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return s;
}

/** The field's value under `name` or else `alt` (its snake_case name); undefined when absent or null. */
export function get(o: JsonObject, name: string, alt?: string): unknown {
  const v = o[name];
  if (v !== undefined && v !== null) return v;
  if (alt === undefined) return undefined;
  const w = o[alt];
  return w === null ? undefined : w;
}

/** A message field: its object, or undefined when absent. */
export function obj(o: JsonObject, name: string, alt?: string): JsonObject | undefined {
  const v = get(o, name, alt);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw fail(name, `must be an object, got ${typeOf(v)}`);
  return v as JsonObject;
}

/** A list element that must be a message. */
export function asObject(v: unknown): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('', `must be an object, got ${typeOf(v)}`);
  return v as JsonObject;
}

/** A message field read by `fn`, its errors located under `name`; undefined when absent. */
export function sub<R>(o: JsonObject, fn: (m: JsonObject) => R, name: string, alt?: string): R | undefined {
  const m = obj(o, name, alt);
  return m === undefined ? undefined : atField(name, fn, m);
}

/** A repeated message field, each element read by `fn`. */
export function list<R>(o: JsonObject, fn: (m: JsonObject) => R, name: string, alt?: string): R[] {
  return mapAt(arr(o, name, alt), name, (v) => fn(asObject(v)));
}

/**
 * A wrapper field (google.protobuf.BoolValue etc.), which proto3 JSON writes as
 * its plain value: `read` reads it; undefined when absent.
 */
export function wrapper<T>(o: JsonObject, read: (o: JsonObject, name: string, alt?: string) => T, name: string, alt?: string): T | undefined {
  return get(o, name, alt) === undefined ? undefined : read(o, name, alt);
}

/** Which member of a oneof is set (-1 if none); more than one is an error, as in protobuf JSON parsers. */
export function oneof(o: JsonObject, group: string, members: readonly (readonly [string, string?])[]): number {
  let found = -1;
  for (let i = 0; i < members.length; i++) {
    const [name, alt] = members[i]!;
    if (get(o, name, alt) === undefined) continue;
    if (found >= 0) throw fail(name, `oneof ${group} is already set by ${members[found]![0]}`);
    found = i;
  }
  return found;
}

export function arr(o: JsonObject, name: string, alt?: string): readonly unknown[] {
  const v = get(o, name, alt);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw fail(name, `must be an array, got ${typeOf(v)}`);
  return v;
}

export function str(o: JsonObject, name: string, alt?: string): string {
  const v = get(o, name, alt);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw fail(name, `must be a string, got ${typeOf(v)}`);
  return v;
}

export function bool(o: JsonObject, name: string, alt?: string): boolean {
  const v = get(o, name, alt);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw fail(name, `must be true or false, got ${preview(v)}`);
  return v;
}

const INTEGER = /^-?\d{1,20}$/;

/** A 32-bit integer: a JSON number or a decimal string. */
export function int32(o: JsonObject, name: string, alt?: string, unsigned = false): number {
  const v = get(o, name, alt);
  if (v === undefined) return 0;
  const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : v;
  const min = unsigned ? 0 : -0x8000_0000;
  const max = unsigned ? 0xffff_ffff : 0x7fff_ffff;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw fail(name, `must be ${unsigned ? 'a uint32' : 'an int32'}, got ${preview(v)}`);
  }
  return n + 0; // -0 (from "-0" or the JSON number -0) is the integer 0
}

export const uint32 = (o: JsonObject, name: string, alt?: string): number => int32(o, name, alt, true);

/** A 64-bit integer: a decimal string (canonical) or an integral JSON number. */
export function int64(o: JsonObject, name: string, alt?: string, unsigned = false): bigint {
  const v = get(o, name, alt);
  if (v === undefined) return 0n;
  let b: bigint | undefined;
  if (typeof v === 'string' && INTEGER.test(v)) b = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  if (b === undefined || !fitsInt64(b, unsigned)) {
    throw fail(name, `must be ${unsigned ? 'a uint64' : 'an int64'} (a decimal string or an integer), got ${preview(v)}`);
  }
  return b;
}

export const uint64 = (o: JsonObject, name: string, alt?: string): bigint => int64(o, name, alt, true);

/** A double: a JSON number, "NaN", "Infinity", "-Infinity", or a decimal string. */
export function double(o: JsonObject, name: string, alt?: string): number {
  const v = get(o, name, alt);
  return v === undefined ? 0 : toDouble(v, name);
}

/** A repeated double field. */
export function doubles(o: JsonObject, name: string, alt?: string): number[] {
  return mapAt(arr(o, name, alt), name, (v) => toDouble(v, ''));
}

function toDouble(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  throw fail(name, `must be a number, got ${preview(v)}`);
}

/** An enum: its name, or its number (unknown numbers are kept, as in protobuf). */
export function enumOf(o: JsonObject, names: Readonly<Record<string, number>>, name: string, alt?: string): number {
  const v = get(o, name, alt);
  if (typeof v === 'string') {
    if (!Object.hasOwn(names, v)) throw fail(name, `has no value named ${preview(v)}`);
    return names[v]!;
  }
  return int32(o, name, alt);
}

// Standard or URL-safe alphabet, padded or not; Buffer decodes both.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function bytes(o: JsonObject, name: string, alt?: string): Uint8Array {
  const v = get(o, name, alt);
  if (v === undefined) return new Uint8Array(0);
  if (typeof v !== 'string') throw fail(name, `must be a base64 string, got ${typeOf(v)}`);
  const padded = v.endsWith('=');
  const body = v.length - (v.endsWith('==') ? 2 : padded ? 1 : 0);
  if (!BASE64.test(v) || body % 4 === 1 || (padded && v.length % 4 !== 0)) throw fail(name, `is not base64: ${preview(v)}`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

// ---- Timestamps (RFC 3339, as proto3 JSON writes google.protobuf.Timestamp) ----

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const NS_PER_S = 1_000_000_000n;

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/** Days from 1970-01-01 to the civil date (H. Hinnant's days_from_civil), for years >= 0. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** An RFC 3339 timestamp as exact nanoseconds since the epoch; undefined when absent. */
export function time(o: JsonObject, name: string, alt?: string): bigint | undefined {
  const v = get(o, name, alt);
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? RFC3339.exec(v) : null;
  if (m === null) throw fail(name, `not an RFC 3339 timestamp: ${preview(v)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  if (
    year < 1 ||
    monthDays === undefined ||
    day < 1 ||
    day > monthDays ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Number(m[9] ?? 0) > 23 ||
    Number(m[10] ?? 0) > 59
  ) {
    throw fail(name, `not a valid date and time: ${preview(v)}`);
  }
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  return BigInt(seconds) * NS_PER_S + BigInt(nanos);
}

const MIN_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

/** Nanoseconds as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as proto3 JSON writes them. */
export function timeToJson(t: bigint | undefined): string | undefined {
  if (t === undefined) return undefined;
  let seconds = t / NS_PER_S;
  let nanos = Number(t % NS_PER_S);
  if (nanos < 0) {
    nanos += 1e9;
    seconds -= 1n;
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new InvalidInputError(`time ${t} ns is outside the years 1 to 9999 that RFC 3339 can write`);
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const digits = String(nanos).padStart(9, '0');
  const frac = nanos % 1e6 === 0 ? digits.slice(0, 3) : nanos % 1e3 === 0 ? digits.slice(0, 6) : digits;
  return `${base}.${frac}Z`;
}

// ---- maps (JSON objects, kept in key order as entry lists) ----

/** A map field's entries in the object's key order; `value` reads each value (null is absent). */
export function mapEntries<V>(o: JsonObject, value: (v: unknown) => V, name: string, alt?: string): { key: string; value: V }[] {
  const m = obj(o, name, alt);
  if (m === undefined) return [];
  // Own keys only: a "__proto__" key of a parsed object is an ordinary own property.
  const keys = Object.keys(m);
  const out = new Array<{ key: string; value: V }>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    try {
      out[i] = { key, value: value(m[key]) };
    } catch (err) {
      throw within(err, `${name}[${JSON.stringify(key)}]`);
    }
  }
  return out;
}

function stringValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw fail('', `must be a string, got ${typeOf(v)}`);
  return v;
}

export const stringMap = (o: JsonObject, name: string, alt?: string): OcStringEntry[] => mapEntries(o, stringValue, name, alt);

/**
 * A map as a JSON object. The object has no prototype, so that a "__proto__"
 * key is an ordinary property and nothing else can be reached through a key.
 * JSON.stringify writes integer-like keys first: JSON cannot keep their order.
 */
export function mapToJson<V>(entries: readonly { key: string; value: V }[], value: (v: V) => unknown): JsonObject | undefined {
  if (entries.length === 0) return undefined;
  const out = Object.create(null) as JsonObject;
  for (const e of entries) out[e.key] = value(e.value);
  return out;
}

export const stringMapToJson = (entries: readonly OcStringEntry[]): JsonObject | undefined => mapToJson(entries, (v) => v);

// ---- writers: undefined for a proto3 default (JSON.stringify leaves it out) ----

export const strJ = (v: string): string | undefined => (v === '' ? undefined : v);
export const numJ = (v: number): number | undefined => (v === 0 ? undefined : v);
export const boolJ = (v: boolean): true | undefined => (v ? true : undefined);
export const int64J = (v: bigint): string | undefined => (v === 0n ? undefined : v.toString());
export const listJ = <T, R>(list: readonly T[], fn: (item: T) => R): R[] | undefined => (list.length === 0 ? undefined : list.map(fn));
export const bytesJ = (v: Uint8Array): string | undefined =>
  v.length === 0 ? undefined : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

/** A double as proto3 JSON: NaN and infinities as strings, and -0 as "-0" (a JSON number would lose the sign). */
export function doubleToJson(n: number): number | string {
  if (Number.isFinite(n)) return Object.is(n, -0) ? '-0' : n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}
export const doubleJ = (v: number): number | string | undefined => (Object.is(v, 0) ? undefined : doubleToJson(v));

/** An enum by its name; a number it has no name for stays a number. */
export function enumJ(v: number, names: Readonly<Record<string, number>>): string | number | undefined {
  if (v === 0) return undefined;
  for (const k in names) if (names[k] === v) return k;
  return v;
}

// ---- Resource, used by requests, spans and metrics ----

export function resourceFromJson(o: JsonObject): OcResource {
  return { type: str(o, 'type'), labels: stringMap(o, 'labels') };
}

export function resourceToJson(r: OcResource | undefined): JsonObject | undefined {
  return r && { type: strJ(r.type), labels: stringMapToJson(r.labels) };
}
