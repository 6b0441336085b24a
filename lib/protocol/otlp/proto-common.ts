// Common OTLP messages (AnyValue, KeyValue, Resource, InstrumentationScope) and
// identifiers between protobufjs message objects and the model. Decoding walks
// the decoded objects directly (no toObject); encoding builds the plain objects
// that protobufjs's generated encoders read.
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from '../../model/index.js';
import { invalid } from './located-error.js';
import { bigIntToLong, longToBigInt, type LongBits } from './int64.js';

// The shapes protobufjs decodes into (and accepts to encode). A decoded oneof
// has a virtual property naming the member that is set; the members that are
// not set read as their type's default, so only that property tells which.
export interface PbAnyValue {
  value?: string | null;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: LongBits;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] } | null;
  kvlistValue?: { values?: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
export interface PbKeyValue {
  key?: string;
  value?: PbAnyValue | null;
}
export interface PbResource {
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
}
export interface PbScope {
  name?: string;
  version?: string;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
}

const EMPTY: AnyValue = Object.freeze({ kind: 'empty' });

export function anyValueFromPb(v: PbAnyValue | null | undefined): AnyValue {
  if (v == null) return EMPTY;
  switch (v.value) {
    case 'stringValue':
      return { kind: 'string', value: v.stringValue ?? '' };
    case 'boolValue':
      return { kind: 'bool', value: v.boolValue === true };
    case 'intValue':
      return { kind: 'int', value: v.intValue === undefined ? 0n : longToBigInt(v.intValue, false) };
    case 'doubleValue':
      return { kind: 'double', value: v.doubleValue ?? 0 };
    case 'bytesValue':
      return { kind: 'bytes', value: copyBytes(v.bytesValue) };
    case 'arrayValue': {
      const values = v.arrayValue?.values ?? [];
      const out = new Array<AnyValue>(values.length);
      for (let i = 0; i < values.length; i++) out[i] = anyValueFromPb(values[i]);
      return { kind: 'array', value: out };
    }
    case 'kvlistValue':
      return { kind: 'kvlist', value: attributesFromPb(v.kvlistValue?.values) };
    default:
      return EMPTY;
  }
}

export function attributesFromPb(list: PbKeyValue[] | undefined): KeyValue[] {
  if (list === undefined || list.length === 0) return [];
  const out = new Array<KeyValue>(list.length);
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    out[i] = { key: kv.key ?? '', value: anyValueFromPb(kv.value) };
  }
  return out;
}

export function resourceFromPb(r: PbResource | null | undefined): Resource {
  if (r == null) return { attributes: [], droppedAttributesCount: 0 };
  return { attributes: attributesFromPb(r.attributes), droppedAttributesCount: r.droppedAttributesCount ?? 0 };
}

export function scopeFromPb(s: PbScope | null | undefined): InstrumentationScope {
  if (s == null) return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  return {
    name: s.name ?? '',
    version: s.version ?? '',
    attributes: attributesFromPb(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount ?? 0,
  };
}

/** Decoded `bytes` are views into the request buffer: copy what the model keeps. */
function copyBytes(b: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(b?.length ?? 0);
  if (b !== undefined) out.set(b);
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.isBuffer(b) ? b.toString('hex') : Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** A required trace ID: 16 bytes, not all zero. */
export function traceIdHex(b: Uint8Array | undefined, what: string): string {
  const n = b?.length ?? 0;
  if (n !== 16) throw invalid(`${what} must be 16 bytes, got ${n} bytes`);
  const h = hex(b!);
  if (h === ZERO_TRACE_ID) throw invalid(`${what} must not be all zeros`);
  return h;
}

/** A required span ID: 8 bytes, not all zero. */
export function spanIdHex(b: Uint8Array | undefined, what: string): string {
  const n = b?.length ?? 0;
  if (n !== 8) throw invalid(`${what} must be 8 bytes, got ${n} bytes`);
  const h = hex(b!);
  if (h === ZERO_SPAN_ID) throw invalid(`${what} must not be all zeros`);
  return h;
}

/**
 * An optional ID: '' when empty, else exactly `size` bytes. All zeros also
 * reads as absent: some converters write a zero parent for a root span.
 */
export function optionalIdHex(b: Uint8Array | undefined, size: 8 | 16, what: string): string {
  const n = b?.length ?? 0;
  if (n === 0) return '';
  if (n !== size) throw invalid(`${what} must be empty or ${size} bytes, got ${n} bytes`);
  const h = hex(b!);
  return h === (size === 8 ? ZERO_SPAN_ID : ZERO_TRACE_ID) ? '' : h;
}

// ---- encoding ----

export function anyValueToPb(v: AnyValue): PbAnyValue {
  switch (v.kind) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int':
      return { intValue: bigIntToLong(v.value) };
    case 'double':
      return { doubleValue: v.value };
    case 'bytes':
      return { bytesValue: v.value };
    case 'array':
      return { arrayValue: { values: v.value.map(anyValueToPb) } };
    case 'kvlist':
      return { kvlistValue: { values: attributesToPb(v.value) } };
    case 'empty':
      return {};
  }
}

export function attributesToPb(list: readonly KeyValue[]): PbKeyValue[] {
  const out = new Array<PbKeyValue>(list.length);
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    out[i] = { key: kv.key, value: anyValueToPb(kv.value) };
  }
  return out;
}

/** undefined for an empty resource: the field is then left out of the message. */
export function resourceToPb(r: Resource): PbResource | undefined {
  if (r.attributes.length === 0 && r.droppedAttributesCount === 0) return undefined;
  return { attributes: attributesToPb(r.attributes), droppedAttributesCount: r.droppedAttributesCount };
}

export function scopeToPb(s: InstrumentationScope): PbScope | undefined {
  if (s.name === '' && s.version === '' && s.attributes.length === 0 && s.droppedAttributesCount === 0) return undefined;
  return {
    name: s.name,
    version: s.version,
    attributes: attributesToPb(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
  };
}

/** Hex ID to bytes; '' gives an empty buffer (the field is then omitted). */
export function idBytes(hexId: string): Buffer {
  return Buffer.from(hexId, 'hex');
}
