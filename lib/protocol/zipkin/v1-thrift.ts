// Zipkin v1 Thrift (zipkinCore.thrift: the body of POST /api/v1/spans with
// application/x-thrift, a TBinaryProtocol list<Span>) -> V1Span. The structs
// are read field by field, as the IDL numbers them, with the `thrift`
// runtime's TBinaryProtocol over a transport reading from the body. Fields of
// an unexpected type and unknown fields are skipped, as Thrift readers do.
import thrift from 'thrift';
import type { Int64, TProtocol, TTransport } from 'thrift';
import { at, invalid, within } from './errors.js';
import { ipv4FromInt, ipv6FromBytes } from './ip.js';
import { isEmptyEndpoint, MAX_MICROS, type V1Annotation, type V1BinaryAnnotation, type V1Span, type ZipkinEndpoint } from './types.js';

/** Thrift's wire type IDs (Thrift.Type), as the protocol reports them. */
const T = { STOP: 0, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15 } as const;

/** A field's id and wire type in one number, for a switch over the fields a struct reads. */
const F = (id: number, type: number): number => (id << 4) | type;

/** The fields read, by F(id, type) as zipkinCore.thrift numbers and types them. */
const SPAN = {
  TRACE_ID: F(1, T.I64),
  NAME: F(3, T.STRING),
  ID: F(4, T.I64),
  PARENT_ID: F(5, T.I64),
  ANNOTATIONS: F(6, T.LIST),
  BINARY_ANNOTATIONS: F(8, T.LIST),
  DEBUG: F(9, T.BOOL),
  TIMESTAMP: F(10, T.I64),
  DURATION: F(11, T.I64),
  TRACE_ID_HIGH: F(12, T.I64),
} as const;
const ENDPOINT = { IPV4: F(1, T.I32), PORT: F(2, T.I16), SERVICE_NAME: F(3, T.STRING), IPV6: F(4, T.STRING) } as const;
const ANNOTATION = { TIMESTAMP: F(1, T.I64), VALUE: F(2, T.STRING), HOST: F(3, T.STRUCT) } as const;
const BINARY = { KEY: F(1, T.STRING), VALUE: F(2, T.STRING), TYPE: F(3, T.I32), HOST: F(4, T.STRUCT) } as const;

/** BinaryAnnotation.annotation_type (zipkinCore.thrift's AnnotationType). */
const AnnotationType = { BOOL: 0, BYTES: 1, I16: 2, I32: 3, I64: 4, DOUBLE: 5, STRING: 6 } as const;

/** Deepest nesting of unknown fields skipped; a body nests as deep as it likes, the stack does not. */
const MAX_SKIP_DEPTH = 64;

export function readV1Thrift(body: Uint8Array): V1Span[] {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const transport = new thrift.TFramedTransport(buf);
  const p = new thrift.TBinaryProtocol(transport);
  let size: number;
  try {
    const list = p.readListBegin();
    if (list.etype !== T.STRUCT) throw invalid('', `expected a list of Span structs (element type 12), got element type ${list.etype}`);
    size = list.size;
    // Every struct takes at least one byte (its stop field): a larger count cannot be honest.
    if (size < 0) throw invalid('', `list size must not be negative, got ${size}`);
    if (size > 0) transport.ensureAvailable(size);
  } catch (err) {
    throw withLabel(within(err, ''));
  }
  const spans: V1Span[] = [];
  for (let i = 0; i < size; i++) {
    try {
      spans.push(readSpan(p));
    } catch (err) {
      throw withLabel(within(err, `[${i}]`));
    }
  }
  if (hasMore(transport)) throw invalid('', 'invalid Zipkin Thrift: unexpected bytes after the list of spans');
  return spans;
}

function withLabel(err: ReturnType<typeof within>): Error {
  return err.detail.startsWith('malformed input') ? invalid(err.path, `invalid Zipkin Thrift: truncated or malformed`) : err;
}

function hasMore(transport: TTransport): boolean {
  try {
    transport.ensureAvailable(1);
    return true;
  } catch {
    return false;
  }
}

/** Skips a value of `type` with a depth bound (the runtime's own skip recurses without one). */
function skip(p: TProtocol, type: number, depth: number): void {
  if (depth > MAX_SKIP_DEPTH) throw invalid('', `unknown fields nested deeper than ${MAX_SKIP_DEPTH} levels`);
  switch (type) {
    case T.BOOL:
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
    case T.DOUBLE:
      p.getTransport().read(8);
      return;
    case T.STRING:
      readBytes(p);
      return;
    case T.STRUCT:
      for (let f = p.readFieldBegin(); f.ftype !== T.STOP; f = p.readFieldBegin()) skip(p, f.ftype, depth + 1);
      return;
    case T.MAP: {
      const m = p.readMapBegin();
      for (let i = 0; i < m.size; i++) {
        skip(p, m.ktype, depth + 1);
        skip(p, m.vtype, depth + 1);
      }
      return;
    }
    case T.SET:
    case T.LIST: {
      const l = p.readListBegin();
      for (let i = 0; i < l.size; i++) skip(p, l.etype, depth + 1);
      return;
    }
    default:
      throw invalid('', `unknown Thrift type ${type}`);
  }
}

/**
 * Calls `read` with each field's F(id, type); a field it does not take
 * (returns false: an unknown id, or a known one of another type) is skipped.
 * One callback per struct, rather than one per field, keeps allocation low.
 */
function readFields(p: TProtocol, read: (field: number) => boolean): void {
  for (let f = p.readFieldBegin(); f.ftype !== T.STOP; f = p.readFieldBegin()) {
    if (!read(F(f.fid, f.ftype))) skip(p, f.ftype, 1);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * A binary field, as a view into the body (callers convert it at once). Not
 * the runtime's readBinary, which makes an empty value with the deprecated
 * `new Buffer(0)`, whose deprecation check costs a stack trace every time.
 */
function readBytes(p: TProtocol): Buffer {
  const length = p.readI32();
  if (length < 0) throw invalid('', `binary length must not be negative, got ${length}`);
  return length === 0 ? EMPTY : p.getTransport().read(length);
}

const i64 = (n: Int64): bigint => n.buffer.readBigInt64BE(n.offset);
const i64Hex = (n: Int64): string => n.buffer.toString('hex', n.offset, n.offset + 8);
const ZERO_ID = '0000000000000000';

function micros(n: bigint, path: string): bigint {
  if (n < 0n || n > MAX_MICROS) throw invalid(path, `must be a non-negative count of microseconds up to ${MAX_MICROS}, got ${n}`);
  return n;
}

/** A list<struct> field: its elements read by `read`, an error located by index. */
function readList<R>(p: TProtocol, path: string, read: (p: TProtocol) => R): R[] {
  const l = p.readListBegin();
  if (l.etype !== T.STRUCT) throw invalid(path, `must be a list of structs, got element type ${l.etype}`);
  if (l.size < 0) throw invalid(path, `list size must not be negative, got ${l.size}`);
  p.getTransport().ensureAvailable(l.size);
  const out = new Array<R>(l.size);
  for (let i = 0; i < l.size; i++) {
    try {
      out[i] = read(p);
    } catch (err) {
      throw within(err, `${path}[${i}]`);
    }
  }
  return out;
}

function readSpan(p: TProtocol): V1Span {
  let low = '';
  let high = '';
  let id = '';
  let parentId = '';
  let name = '';
  let timestamp = 0n;
  let duration = 0n;
  let debug = false;
  let annotations: V1Annotation[] = [];
  let binaryAnnotations: V1BinaryAnnotation[] = [];
  readFields(p, (field) => {
    switch (field) {
      case SPAN.TRACE_ID:
        low = i64Hex(p.readI64());
        return true;
      case SPAN.NAME:
        name = p.readString();
        return true;
      case SPAN.ID:
        id = i64Hex(p.readI64());
        return true;
      case SPAN.PARENT_ID:
        parentId = i64Hex(p.readI64());
        return true;
      case SPAN.ANNOTATIONS:
        annotations = readList(p, 'annotations', readAnnotation);
        return true;
      case SPAN.BINARY_ANNOTATIONS:
        binaryAnnotations = readList(p, 'binaryAnnotations', readBinaryAnnotation);
        return true;
      case SPAN.DEBUG:
        debug = p.readBool();
        return true;
      case SPAN.TIMESTAMP:
        timestamp = micros(i64(p.readI64()), 'timestamp');
        return true;
      case SPAN.DURATION:
        duration = micros(i64(p.readI64()), 'duration');
        return true;
      case SPAN.TRACE_ID_HIGH:
        high = i64Hex(p.readI64());
        return true;
      default:
        return false;
    }
  });
  if (low === '') throw invalid('traceId', 'is required');
  const traceId = high === '' || high === ZERO_ID ? low : high + low;
  if (traceId === ZERO_ID || traceId === ZERO_ID + ZERO_ID) throw invalid('traceId', 'must not be all zeros');
  if (id === '') throw invalid('id', 'is required');
  if (id === ZERO_ID) throw invalid('id', 'must not be all zeros');
  if (timestamp + duration > MAX_MICROS) throw invalid('duration', 'timestamp + duration is beyond the year 2554');
  return {
    traceId,
    id,
    parentId: parentId === ZERO_ID ? '' : parentId,
    name,
    timestamp,
    duration,
    debug,
    annotations,
    binaryAnnotations,
  };
}

function readEndpoint(p: TProtocol): ZipkinEndpoint | undefined {
  const e: ZipkinEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  readFields(p, (field) => {
    switch (field) {
      case ENDPOINT.IPV4: {
        const n = p.readI32();
        e.ipv4 = n === 0 ? '' : ipv4FromInt(n);
        return true;
      }
      case ENDPOINT.PORT:
        // An i16 that Zipkin reads as unsigned: ports above 32767 arrive negative.
        e.port = p.readI16() & 0xffff;
        return true;
      case ENDPOINT.SERVICE_NAME:
        e.serviceName = p.readString();
        return true;
      case ENDPOINT.IPV6: {
        const b = readBytes(p);
        if (b.length !== 0 && b.length !== 16) throw invalid('ipv6', `must be empty or 16 bytes, got ${b.length} bytes`);
        e.ipv6 = b.length === 16 ? ipv6FromBytes(b) : '';
        return true;
      }
      default:
        return false;
    }
  });
  return isEmptyEndpoint(e) ? undefined : e;
}

function readAnnotation(p: TProtocol): V1Annotation {
  const a: V1Annotation = { timestamp: 0n, value: '', endpoint: undefined };
  readFields(p, (field) => {
    switch (field) {
      case ANNOTATION.TIMESTAMP:
        a.timestamp = micros(i64(p.readI64()), 'timestamp');
        return true;
      case ANNOTATION.VALUE:
        a.value = p.readString();
        return true;
      case ANNOTATION.HOST:
        a.endpoint = at('host', () => readEndpoint(p));
        return true;
      default:
        return false;
    }
  });
  return a;
}

const ADDRESS_KEYS = new Set(['ca', 'sa', 'ma']);

/**
 * STRING values are tags. BOOL true under "ca", "sa" or "ma" with a host is an
 * address annotation. Other types become text tags (Zipkin drops them; a tag
 * keeps what the client said): numbers in decimal, BYTES in base64. A missing
 * annotation_type reads as STRING, the type nearly every client writes.
 */
function readBinaryAnnotation(p: TProtocol): V1BinaryAnnotation {
  let key = '';
  let value: Buffer = EMPTY;
  let type: number = AnnotationType.STRING;
  let endpoint: ZipkinEndpoint | undefined;
  readFields(p, (field) => {
    switch (field) {
      case BINARY.KEY:
        key = p.readString();
        return true;
      case BINARY.VALUE:
        value = readBytes(p);
        return true;
      case BINARY.TYPE:
        type = p.readI32();
        return true;
      case BINARY.HOST:
        endpoint = at('host', () => readEndpoint(p));
        return true;
      default:
        return false;
    }
  });
  const sized = (n: number): Buffer => {
    if (value.length !== n) throw invalid('value', `must be ${n} bytes for annotation type ${type}, got ${value.length} bytes`);
    return value;
  };
  switch (type) {
    case AnnotationType.STRING:
      return { key, value: value.toString('utf8'), endpoint };
    case AnnotationType.BOOL: {
      const on = sized(1)[0] !== 0;
      if (on && endpoint !== undefined && ADDRESS_KEYS.has(key)) return { key, value: undefined, endpoint };
      return { key, value: String(on), endpoint };
    }
    case AnnotationType.BYTES:
      return { key, value: value.toString('base64'), endpoint };
    case AnnotationType.I16:
      return { key, value: String(sized(2).readInt16BE(0)), endpoint };
    case AnnotationType.I32:
      return { key, value: String(sized(4).readInt32BE(0)), endpoint };
    case AnnotationType.I64:
      return { key, value: String(sized(8).readBigInt64BE(0)), endpoint };
    case AnnotationType.DOUBLE:
      return { key, value: String(sized(8).readDoubleBE(0)), endpoint };
    default:
      throw invalid('annotationType', `must be 0 to 6 (BOOL to STRING), got ${type}`);
  }
}

