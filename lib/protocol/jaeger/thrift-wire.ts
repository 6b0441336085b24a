// What reading and writing any Thrift struct needs, over the `thrift`
// runtime's TBinaryProtocol and TCompactProtocol on an in-memory transport:
// the wire type IDs, a depth-bounded skip of unknown fields, lists whose
// declared size is checked against the bytes left, 64-bit integers as hex or
// bigint, and the runtime's own errors (a buffer underrun, a bad varint)
// turned into InvalidInputErrors that say what went wrong.
//
// Reading runs the runtime's protocols over InBuffer, our in-memory transport,
// with two fast paths the runtime lacks, measured in bench/jaeger.ts: 64-bit
// integers read straight into hex or bigint (the runtime makes two or three
// node-int64 objects, with Buffers, per compact i64), and the compact
// protocol's varints read without them (CompactReader).
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

const truncated = (): InvalidInputError => new InvalidInputError('truncated: the input ends inside this value');

/**
 * The read side of a transport over one buffer: what the runtime's protocols
 * call (bytes and big-endian integers as TFramedTransport gives them, bytes
 * signed), with the buffer and position open to the fast paths below.
 */
export class InBuffer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  ensureAvailable(len: number): void {
    if (!(len >= 0) || this.pos + len > this.buf.length) throw truncated();
  }
  readByte(): number {
    this.ensureAvailable(1);
    const b = this.buf[this.pos++]!;
    return b > 127 ? b - 256 : b;
  }
  readI16(): number {
    this.ensureAvailable(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  readI32(): number {
    this.ensureAvailable(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  readDouble(): number {
    this.ensureAvailable(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  readString(len: number): string {
    this.ensureAvailable(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  read(len: number): Buffer {
    this.ensureAvailable(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
}

/** Unsigned LEB128 varint, up to 10 bytes, into the two 32-bit halves of I64 (see readI64Parts). */
function readVarint64(t: InBuffer): void {
  const { buf } = t;
  let lo = 0;
  let hi = 0;
  for (let shift = 0; ; shift += 7) {
    if (t.pos >= buf.length) throw truncated();
    if (shift >= 70) throw new InvalidInputError('malformed Thrift (a varint longer than 10 bytes)');
    const b = buf[t.pos++]!;
    const bits = b & 0x7f;
    if (shift < 28) lo |= bits << shift;
    else if (shift === 28) {
      lo |= bits << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (shift - 32);
    if ((b & 0x80) === 0) break;
  }
  I64.lo = lo >>> 0;
  I64.hi = hi >>> 0;
}

/**
 * TCompactProtocol with its varints read without node-int64: an i32 (and a
 * size) is the low 32 bits of the varint, as Thrift's C++ and Java readers
 * take it.
 */
class CompactReader extends thrift.TCompactProtocol {
  private readonly input: InBuffer;
  constructor(input: InBuffer) {
    super(input as unknown as TTransport);
    this.input = input;
  }
  readVarint32(): number {
    readVarint64(this.input);
    return I64.lo;
  }
}

export interface ThriftReader {
  p: TProtocol;
  /** Whether bytes are left after what was read. */
  hasMore(): boolean;
}

export function thriftReader(bytes: Uint8Array, protocol: ThriftProtocol): ThriftReader {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const input = new InBuffer(buf);
  const p = protocol === 'compact' ? new CompactReader(input) : new thrift.TBinaryProtocol(input as unknown as TTransport);
  return { p, hasMore: () => input.pos < buf.length };
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
 * throws TProtocolException for a bad size, type or varint (an early end of
 * the input is InBuffer's own error).
 */
export function thriftError(err: unknown): InvalidInputError {
  if (err instanceof InvalidInputError) return err;
  const e = err as { name?: string; message?: string } | undefined;
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

export interface Required {
  mask: number;
  fields: [bit: number, name: string][];
}

/** The required fields of a struct, by ID, for checkRequired. */
export function required(fields: Record<number, string>): Required {
  const list = Object.entries(fields).map(([id, name]): [number, string] => [1 << Number(id), name]);
  return { mask: list.reduce((m, [bit]) => m | bit, 0), fields: list };
}

/** Throws for the first required field (by bit of its ID in `seen`) that was not read. */
export function checkRequired(seen: number, r: Required): void {
  if ((seen & r.mask) === r.mask) return;
  for (const [bit, name] of r.fields) if ((seen & bit) === 0) throw fail(name, 'is required');
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

/** The two halves of the last i64 read, as unsigned 32-bit numbers (one reader at a time: JavaScript is single-threaded). */
const I64 = { hi: 0, lo: 0 };

/** Reads an i64 of either protocol into I64. */
function readI64Parts(p: TProtocol): void {
  const t = p.getTransport() as unknown as InBuffer;
  if (p instanceof CompactReader) {
    readVarint64(t);
    // Zigzag: the low bit is the sign.
    const negative = I64.lo & 1;
    let lo = (I64.lo >>> 1) | (I64.hi << 31);
    let hi = I64.hi >>> 1;
    if (negative) {
      lo = ~lo;
      hi = ~hi;
    }
    I64.lo = lo >>> 0;
    I64.hi = hi >>> 0;
    return;
  }
  t.ensureAvailable(8);
  I64.hi = t.buf.readUInt32BE(t.pos);
  I64.lo = t.buf.readUInt32BE(t.pos + 4);
  t.pos += 8;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** An i64 field's value as 16 hex digits (two's complement). */
export function readI64Hex(p: TProtocol): string {
  readI64Parts(p);
  return hex8(I64.hi) + hex8(I64.lo);
}

/** An i64 field's value as a signed bigint. */
export function readI64BigInt(p: TProtocol): bigint {
  readI64Parts(p);
  const hi = I64.hi | 0;
  // Times in microseconds and most counts fit in 53 bits: no bigint arithmetic then.
  if (hi >= -0x20_0000 && hi < 0x20_0000) return BigInt(hi * 4_294_967_296 + I64.lo);
  return (BigInt(hi) << 32n) | BigInt(I64.lo);
}

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
