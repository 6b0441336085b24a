// What reading and writing any Thrift struct needs, over the `thrift`
// runtime's TBinaryProtocol and TCompactProtocol on an in-memory transport:
// the wire type IDs, a depth-bounded skip of unknown fields, lists whose
// declared size is checked against the bytes left, 64-bit integers as hex or
// bigint, and the runtime's own errors (a buffer underrun, a bad varint)
// turned into InvalidInputErrors that say what went wrong.
//
// The runtime's quirks this file works around: compact-protocol readers must
// bracket each struct with readStructBegin/End (field IDs are deltas), a bool
// field's value travels in its field header (read it with readBool, never as
// a byte), i64 are varints in compact (never skip them as 8 bytes), and the
// runtime's own skip() recurses without a depth bound.
import thrift from 'thrift';
import type { Int64, TProtocol, TTransport } from 'thrift';
import { InvalidInputError } from '../../errors.js';
import { fail, within } from '../decode-error.js';

export type ThriftProtocol = 'binary' | 'compact';

/** Thrift's wire type IDs (Thrift.Type), as both protocols report them. */
export const T = { STOP: 0, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15 } as const;
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(T).map(([name, id]) => [id, name.toLowerCase()]));
export const typeName = (type: number): string => TYPE_NAMES[type] ?? `type ${type}`;

/** Thrift.MessageType */
export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;

/** Deepest nesting of unknown fields skipped: the input nests as deep as it likes, the stack does not. */
const MAX_SKIP_DEPTH = 32;

export interface ThriftReader {
  p: TProtocol;
  /** Whether bytes are left after what was read. */
  hasMore(): boolean;
}

export function thriftReader(bytes: Uint8Array, protocol: ThriftProtocol): ThriftReader {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // TFramedTransport given a buffer reads from it (the frame header is only for writing).
  const transport: TTransport = new thrift.TFramedTransport(buf);
  const p = protocol === 'compact' ? new thrift.TCompactProtocol(transport) : new thrift.TBinaryProtocol(transport);
  return {
    p,
    hasMore() {
      try {
        transport.ensureAvailable(1);
        return true;
      } catch {
        return false;
      }
    },
  };
}

export interface ThriftWriter {
  p: TProtocol;
  /** Everything written so far. */
  finish(): Buffer;
}

export function thriftWriter(protocol: ThriftProtocol): ThriftWriter {
  let out: Buffer = Buffer.alloc(0);
  // TBufferedTransport hands its buffers over, unframed, on flush.
  const transport = new thrift.TBufferedTransport(undefined, (msg?: Buffer) => {
    if (msg) out = out.length === 0 ? msg : Buffer.concat([out, msg]);
  });
  const p = protocol === 'compact' ? new thrift.TCompactProtocol(transport) : new thrift.TBinaryProtocol(transport);
  return {
    p,
    finish() {
      transport.flush();
      return out;
    },
  };
}

/**
 * The runtime's errors as InvalidInputErrors with a readable detail: it
 * throws InputBufferUnderrunError without a message when the input ends
 * early, and TProtocolException for a bad size, type or varint.
 */
export function thriftError(err: unknown): InvalidInputError {
  if (err instanceof InvalidInputError) return err;
  const e = err as { name?: string; message?: string } | undefined;
  if (e?.name === 'InputBufferUnderrunError') return new InvalidInputError('truncated: the input ends inside this value', { cause: err });
  const detail = e?.message ? e.message : (e?.name ?? String(err));
  return new InvalidInputError(`malformed Thrift (${detail})`, { cause: err });
}

/** Skips a value of `type`, with a depth bound. */
export function skip(p: TProtocol, type: number, depth = 1): void {
  if (depth > MAX_SKIP_DEPTH) throw new InvalidInputError(`unknown fields nested deeper than ${MAX_SKIP_DEPTH} levels`);
  switch (type) {
    case T.BOOL:
      p.readBool();
      return;
    case T.BYTE:
      p.readByte();
      return;
    case T.I16:
      p.readI16();
      return;
    case T.I32:
      p.readI32();
      return;
    case T.I64:
      p.readI64();
      return;
    case T.DOUBLE:
      p.getTransport().read(8);
      return;
    case T.STRING:
      p.readBinary();
      return;
    case T.STRUCT:
      p.readStructBegin();
      for (let f = p.readFieldBegin(); f.ftype !== T.STOP; f = p.readFieldBegin()) skip(p, f.ftype, depth + 1);
      p.readStructEnd();
      return;
    case T.MAP: {
      const m = p.readMapBegin();
      checkSize(p, m.size);
      for (let i = 0; i < m.size; i++) {
        skip(p, m.ktype, depth + 1);
        skip(p, m.vtype, depth + 1);
      }
      return;
    }
    case T.SET:
    case T.LIST: {
      const l = p.readListBegin();
      checkSize(p, l.size);
      for (let i = 0; i < l.size; i++) skip(p, l.etype, depth + 1);
      return;
    }
    default:
      throw new InvalidInputError(`unknown Thrift type ${type}`);
  }
}

/** A declared element count must be honest: every element takes at least one byte. */
function checkSize(p: TProtocol, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidInputError(`collection size must be 0 or more, got ${size}`);
  if (size > 0) p.getTransport().ensureAvailable(size);
}

/**
 * Reads a list<etype>, each element with `read`, locating any error by index
 * (`[3]`; the struct reader puts the field's name before it).
 */
export function readList<R>(p: TProtocol, etype: number, read: (p: TProtocol) => R): R[] {
  const l = p.readListBegin();
  if (l.size > 0 && l.etype !== etype) throw fail('', `must be a list<${typeName(etype)}>, got a list<${typeName(l.etype)}>`);
  checkSize(p, l.size);
  const out = new Array<R>(l.size);
  let i = 0;
  try {
    for (; i < l.size; i++) out[i] = read(p);
  } catch (err) {
    throw within(thriftError(err), `[${i}]`);
  }
  p.readListEnd();
  return out;
}

/** Throws for the first required field (by bit of its ID in `seen`) that was not read. */
export function checkRequired(seen: number, fields: Record<number, string>): void {
  for (const [id, name] of Object.entries(fields)) {
    if ((seen & (1 << Number(id))) === 0) throw fail(name, 'is required');
  }
}

// ---- doubles ----
// The runtime encodes doubles with its own arithmetic, which turns -0 into 0
// (and costs more than Buffer's IEEE 754 accessors): these write and read the
// eight bytes directly, big-endian in binary, little-endian in compact.

export function writeDouble(p: TProtocol, v: number): void {
  const b = Buffer.allocUnsafe(8);
  if (p instanceof thrift.TCompactProtocol) b.writeDoubleLE(v);
  else b.writeDoubleBE(v);
  p.getTransport().write(b);
}

export function readDouble(p: TProtocol): number {
  const b = p.getTransport().read(8);
  return p instanceof thrift.TCompactProtocol ? b.readDoubleLE(0) : b.readDoubleBE(0);
}

// ---- 64-bit integers ----

export const i64Hex = (n: Int64): string => n.buffer.toString('hex', n.offset, n.offset + 8);
export const i64BigInt = (n: Int64): bigint => n.buffer.readBigInt64BE(n.offset);

/** An i64 for the writers, from 16 hex digits. */
export function hexI64(hex: string): Int64 {
  return new thrift.Int64(Buffer.from(hex, 'hex'));
}

/** An i64 for the writers, wrapping modulo 2^64. */
export function bigIntI64(v: bigint): Int64 {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(BigInt.asIntN(64, v));
  return new thrift.Int64(b);
}
