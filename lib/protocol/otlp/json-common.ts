// OTLP/JSON building blocks: the protobuf JSON mapping as the OTLP
// specification amends it. Field names are lowerCamelCase; trace and span IDs
// are hex (not base64); enums are integers (names accepted when decoding);
// 64-bit integers are decimal strings (numbers accepted when decoding); bytes in
// AnyValue are base64. Doubles that JSON numbers cannot carry (NaN, ±Infinity)
// use the protobuf JSON strings "NaN", "Infinity", "-Infinity". Readers must
// survive any JSON value: every accessor checks the type it reads.
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from '../../model/index.js';
import { errorMessage, InvalidInputError } from '../../errors.js';
import { fitsInt64 } from './int64.js';
import { invalid, locate } from './located-error.js';

export type JsonObject = Record<string, unknown>;

/**
 * Deepest nesting of AnyValue arrays and kvlists accepted. Protobuf decoding is
 * limited to 100 message levels (protobufjs, like protoc); 32 value levels keep
 * anything decoded from JSON encodable to protobuf again.
 */
export const MAX_VALUE_DEPTH = 32;

export function parseJson(text: string | Uint8Array): unknown {
  const s = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  try {
    // A byte order mark is not JSON, but some clients write one.
    return JSON.parse(s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);
  } catch (err) {
    throw new InvalidInputError(`invalid OTLP/JSON: ${errorMessage(err)}`, { cause: err });
  }
}

/** The request's top-level object, or an error naming what was sent instead. */
export function rootObject(v: unknown): JsonObject {
  const o = object(v, 'request');
  if (o === undefined) throw invalid('invalid OTLP/JSON: request must be an object, got null');
  return o;
}

/** A short rendering of a bad value for an error message. */
function preview(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v) : JSON.stringify(v);
  if (s === undefined) return typeOf(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** undefined for an absent or null field (protobuf JSON's default). */
export function object(v: unknown, what: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${what} must be an object, got ${typeOf(v)}`);
  return v as JsonObject;
}

export function array(v: unknown, what: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${what} must be an array, got ${typeOf(v)}`);
  return v;
}

export function string(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(`${what} must be a string, got ${typeOf(v)}`);
  return v;
}

export function boolean(v: unknown, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalid(`${what} must be true or false, got ${typeOf(v)}`);
  return v;
}

const INTEGER = /^-?\d+$/;

/** A 32-bit integer field: a JSON number or a decimal string. */
export function int32(v: unknown, what: string, unsigned: boolean): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : v;
  const min = unsigned ? 0 : -0x8000_0000;
  const max = unsigned ? 0xffff_ffff : 0x7fff_ffff;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalid(`${what} must be ${unsigned ? 'a uint32' : 'an int32'}, got ${preview(v)}`);
  }
  return n;
}

/** A 64-bit integer field: a decimal string (as OTLP/JSON writes it) or an integral JSON number. */
export function int64(v: unknown, what: string, unsigned: boolean): bigint {
  if (v === undefined || v === null) return 0n;
  let b: bigint | undefined;
  // 21 characters hold any 64-bit integer; longer strings would only cost time.
  if (typeof v === 'string' && v.length <= 21 && INTEGER.test(v)) b = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  if (b === undefined || !fitsInt64(b, unsigned)) {
    throw invalid(`${what} must be ${unsigned ? 'a uint64' : 'an int64'} as a decimal string, got ${preview(v)}`);
  }
  return b;
}

/** A double: a JSON number, "NaN", "Infinity", "-Infinity", or a numeric string. */
export function double(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  throw invalid(`${what} must be a number, got ${preview(v)}`);
}

/** An enum: its integer, or its name from `names`. Unknown integers read as 0 (UNSPECIFIED). */
export function enumValue(v: unknown, names: Readonly<Record<string, number>>, max: number, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    const n = Object.hasOwn(names, v) ? names[v] : undefined;
    if (n === undefined) throw invalid(`${what} has unknown name ${preview(v)}`);
    return n;
  }
  const n = int32(v, what, false);
  return n >= 0 && n <= max ? n : 0;
}

const HEX = /^[0-9a-fA-F]*$/;

/** A hex ID field of `bytes` bytes; '' when absent or empty. */
export function hexId(v: unknown, bytes: 8 | 16, what: string): string {
  const s = string(v, what);
  if (s.length === 0) return '';
  if (s.length !== bytes * 2 || !HEX.test(s)) {
    throw invalid(`${what} must be ${bytes * 2} hex digits, got ${preview(s)}`);
  }
  return s.toLowerCase();
}

const ZERO_IDS = ['', '0'.repeat(16), '0'.repeat(32)];

/** A required ID: present, of the right size, not all zeros. */
export function requiredId(v: unknown, bytes: 8 | 16, what: string): string {
  const h = hexId(v, bytes, what);
  if (h === '') throw invalid(`${what} must be ${bytes * 2} hex digits, got none`);
  if (h === ZERO_IDS[bytes === 8 ? 1 : 2]) throw invalid(`${what} must not be all zeros`);
  return h;
}

/** An optional ID; all zeros reads as absent, as in the protobuf decoder. */
export function optionalId(v: unknown, bytes: 8 | 16, what: string): string {
  const h = hexId(v, bytes, what);
  return ZERO_IDS.includes(h) ? '' : h;
}

const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

function base64(v: unknown, what: string): Uint8Array {
  const s = string(v, what);
  if (!BASE64.test(s)) throw invalid(`${what} must be base64`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function anyValueFromJson(v: unknown, depth: number): AnyValue {
  const o = object(v, 'value');
  if (o === undefined) return { kind: 'empty' };
  for (const k in o) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    switch (k) {
      case 'stringValue':
        return { kind: 'string', value: string(x, k) };
      case 'boolValue':
        return { kind: 'bool', value: boolean(x, k) };
      case 'intValue':
        return { kind: 'int', value: int64(x, k, false) };
      case 'doubleValue':
        return { kind: 'double', value: double(x, k) };
      case 'bytesValue':
        return { kind: 'bytes', value: base64(x, k) };
      case 'arrayValue': {
        if (depth >= MAX_VALUE_DEPTH) throw invalid(`values nested deeper than ${MAX_VALUE_DEPTH} levels`);
        const values = array(object(x, k)?.values, 'arrayValue.values');
        const out = new Array<AnyValue>(values.length);
        for (let i = 0; i < values.length; i++) out[i] = anyValueFromJson(values[i], depth + 1);
        return { kind: 'array', value: out };
      }
      case 'kvlistValue': {
        if (depth >= MAX_VALUE_DEPTH) throw invalid(`values nested deeper than ${MAX_VALUE_DEPTH} levels`);
        return { kind: 'kvlist', value: attributesFromJson(object(x, k)?.values, depth + 1) };
      }
    }
  }
  return { kind: 'empty' };
}

export function attributesFromJson(v: unknown, depth = 0): KeyValue[] {
  const list = array(v, 'attributes');
  const out = new Array<KeyValue>(list.length);
  for (let i = 0; i < list.length; i++) {
    const kv = object(list[i], 'attribute');
    if (kv === undefined) {
      out[i] = { key: '', value: { kind: 'empty' } };
      continue;
    }
    const key = string(kv.key, 'attribute key');
    try {
      out[i] = { key, value: anyValueFromJson(kv.value, depth) };
    } catch (err) {
      throw locate(err, `attribute ${preview(key)}`);
    }
  }
  return out;
}

export function resourceFromJson(v: unknown): Resource {
  const o = object(v, 'resource');
  if (o === undefined) return { attributes: [], droppedAttributesCount: 0 };
  return {
    attributes: attributesFromJson(o.attributes),
    droppedAttributesCount: int32(o.droppedAttributesCount, 'droppedAttributesCount', true),
  };
}

export function scopeFromJson(v: unknown): InstrumentationScope {
  const o = object(v, 'scope');
  if (o === undefined) return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  return {
    name: string(o.name, 'scope name'),
    version: string(o.version, 'scope version'),
    attributes: attributesFromJson(o.attributes),
    droppedAttributesCount: int32(o.droppedAttributesCount, 'droppedAttributesCount', true),
  };
}

// ---- encoding ----

/**
 * Doubles that JSON numbers cannot carry become strings, which protobuf JSON
 * readers accept for doubles: "NaN", "Infinity", "-Infinity", and "-0"
 * (JSON.stringify would write -0 as 0, losing the sign).
 */
export function doubleToJson(n: number): number | string {
  if (Number.isFinite(n)) return Object.is(n, -0) ? '-0' : n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

export function anyValueToJson(v: AnyValue): JsonObject {
  switch (v.kind) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int':
      return { intValue: v.value.toString() };
    case 'double':
      return { doubleValue: doubleToJson(v.value) };
    case 'bytes':
      return { bytesValue: Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64') };
    case 'array':
      return { arrayValue: { values: v.value.map(anyValueToJson) } };
    case 'kvlist':
      return { kvlistValue: { values: attributesToJson(v.value) } };
    case 'empty':
      return {};
  }
}

export function attributesToJson(list: readonly KeyValue[]): JsonObject[] {
  return list.map((kv) => ({ key: kv.key, value: anyValueToJson(kv.value) }));
}

/**
 * Sets `key` on `out` unless `value` is its field's default (0, '', false, an
 * empty list): protobuf JSON leaves defaults out, which keeps bodies small.
 */
export function put(out: JsonObject, key: string, value: unknown): void {
  if (value === 0 || value === '' || value === false) return;
  if (Array.isArray(value) && value.length === 0) return;
  if (value === undefined) return;
  out[key] = value;
}

/** A 64-bit integer as OTLP/JSON writes it: a decimal string; left out when 0. */
export function putInt64(out: JsonObject, key: string, value: bigint): void {
  if (value !== 0n) out[key] = value.toString();
}

export function resourceToJson(r: Resource): JsonObject | undefined {
  if (r.attributes.length === 0 && r.droppedAttributesCount === 0) return undefined;
  const out: JsonObject = {};
  put(out, 'attributes', attributesToJson(r.attributes));
  put(out, 'droppedAttributesCount', r.droppedAttributesCount);
  return out;
}

export function scopeToJson(s: InstrumentationScope): JsonObject | undefined {
  if (s.name === '' && s.version === '' && s.attributes.length === 0 && s.droppedAttributesCount === 0) return undefined;
  const out: JsonObject = {};
  put(out, 'name', s.name);
  put(out, 'version', s.version);
  put(out, 'attributes', attributesToJson(s.attributes));
  put(out, 'droppedAttributesCount', s.droppedAttributesCount);
  return out;
}
