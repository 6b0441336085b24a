// Writes Zipkin v1 Thrift bodies (zipkinCore.thrift, a TBinaryProtocol
// list<Span>) with the `thrift` runtime, field by field as the IDL numbers
// them: what Zipkin's Java and Python reporters POST to /api/v1/spans with
// application/x-thrift. ocsvc only reads this format; the writer serves the
// tests and the benchmark. Binary annotations carry their Thrift type, so
// that every AnnotationType can be written.
import thrift from 'thrift';
import type { TProtocol } from 'thrift';

const T = { STOP: 0, BOOL: 2, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, LIST: 15 } as const;

export const AnnotationType = { BOOL: 0, BYTES: 1, I16: 2, I32: 3, I64: 4, DOUBLE: 5, STRING: 6 } as const;

export interface ThriftEndpoint {
  /** Dotted quad; absent or '' writes no address (0). */
  ipv4?: string;
  port?: number;
  serviceName?: string;
  /** 16 bytes. */
  ipv6?: Uint8Array;
}

export interface ThriftAnnotation {
  timestamp: bigint;
  value: string;
  host?: ThriftEndpoint;
}

export interface ThriftBinaryAnnotation {
  key: string;
  /** Strings are written as UTF-8 (AnnotationType STRING unless `type` says otherwise). */
  value: string | Uint8Array;
  /** Left out when undefined. */
  type?: number;
  host?: ThriftEndpoint;
}

export interface ThriftSpan {
  /** 16 or 32 hex digits: the low 64 bits, and the high 64 (trace_id_high) when 32. */
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  annotations?: ThriftAnnotation[];
  binaryAnnotations?: ThriftBinaryAnnotation[];
  debug?: boolean;
  timestamp?: bigint;
  duration?: bigint;
}

const i64Hex = (hex: string) => new thrift.Int64(Buffer.from(hex, 'hex'));
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, n));
  return new thrift.Int64(b);
};

function writeEndpoint(p: TProtocol, e: ThriftEndpoint): void {
  p.writeStructBegin('Endpoint');
  p.writeFieldBegin('ipv4', T.I32, 1);
  p.writeI32(e.ipv4 ? Buffer.from(e.ipv4.split('.').map(Number)).readInt32BE(0) : 0);
  p.writeFieldEnd();
  p.writeFieldBegin('port', T.I16, 2);
  // An i16: ports above 32767 go out negative, as Java's short does.
  p.writeI16(((e.port ?? 0) << 16) >> 16);
  p.writeFieldEnd();
  p.writeFieldBegin('service_name', T.STRING, 3);
  p.writeString(e.serviceName ?? '');
  p.writeFieldEnd();
  if (e.ipv6 !== undefined) {
    p.writeFieldBegin('ipv6', T.STRING, 4);
    p.writeBinary(Buffer.from(e.ipv6));
    p.writeFieldEnd();
  }
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeSpan(p: TProtocol, s: ThriftSpan): void {
  const field = (name: string, type: number, id: number, write: () => void) => {
    p.writeFieldBegin(name, type, id);
    write();
    p.writeFieldEnd();
  };
  p.writeStructBegin('Span');
  field('trace_id', T.I64, 1, () => p.writeI64(i64Hex(s.traceId.slice(-16))));
  field('name', T.STRING, 3, () => p.writeString(s.name ?? ''));
  field('id', T.I64, 4, () => p.writeI64(i64Hex(s.id)));
  if (s.parentId !== undefined) field('parent_id', T.I64, 5, () => p.writeI64(i64Hex(s.parentId!)));
  field('annotations', T.LIST, 6, () => {
    const list = s.annotations ?? [];
    p.writeListBegin(T.STRUCT, list.length);
    for (const a of list) {
      p.writeStructBegin('Annotation');
      field('timestamp', T.I64, 1, () => p.writeI64(i64(a.timestamp)));
      field('value', T.STRING, 2, () => p.writeString(a.value));
      if (a.host !== undefined) field('host', T.STRUCT, 3, () => writeEndpoint(p, a.host!));
      p.writeFieldStop();
      p.writeStructEnd();
    }
    p.writeListEnd();
  });
  field('binary_annotations', T.LIST, 8, () => {
    const list = s.binaryAnnotations ?? [];
    p.writeListBegin(T.STRUCT, list.length);
    for (const b of list) {
      p.writeStructBegin('BinaryAnnotation');
      field('key', T.STRING, 1, () => p.writeString(b.key));
      field('value', T.STRING, 2, () => p.writeBinary(typeof b.value === 'string' ? Buffer.from(b.value) : Buffer.from(b.value)));
      if (b.type !== undefined) field('annotation_type', T.I32, 3, () => p.writeI32(b.type!));
      if (b.host !== undefined) field('host', T.STRUCT, 4, () => writeEndpoint(p, b.host!));
      p.writeFieldStop();
      p.writeStructEnd();
    }
    p.writeListEnd();
  });
  if (s.debug !== undefined) field('debug', T.BOOL, 9, () => p.writeBool(s.debug!));
  if (s.timestamp !== undefined) field('timestamp', T.I64, 10, () => p.writeI64(i64(s.timestamp!)));
  if (s.duration !== undefined) field('duration', T.I64, 11, () => p.writeI64(i64(s.duration!)));
  if (s.traceId.length === 32) field('trace_id_high', T.I64, 12, () => p.writeI64(i64Hex(s.traceId.slice(0, 16))));
  p.writeFieldStop();
  p.writeStructEnd();
}

/** The body of POST /api/v1/spans with application/x-thrift. */
export function encodeV1Thrift(spans: readonly ThriftSpan[]): Buffer {
  let out: Buffer = Buffer.alloc(0);
  const transport = new thrift.TBufferedTransport(undefined, (msg) => {
    if (msg !== undefined) out = msg;
  });
  const p = new thrift.TBinaryProtocol(transport);
  p.writeListBegin(T.STRUCT, spans.length);
  for (const s of spans) writeSpan(p, s);
  p.writeListEnd();
  p.flush();
  return out;
}

/** A binary annotation value of a numeric AnnotationType, big-endian as Thrift writes it. */
export function typedValue(type: number, value: number | bigint | boolean): Uint8Array {
  const b = Buffer.alloc(type === AnnotationType.BOOL ? 1 : type === AnnotationType.I16 ? 2 : type === AnnotationType.I32 ? 4 : 8);
  if (type === AnnotationType.BOOL) b[0] = value ? 1 : 0;
  else if (type === AnnotationType.I16) b.writeInt16BE(Number(value));
  else if (type === AnnotationType.I32) b.writeInt32BE(Number(value));
  else if (type === AnnotationType.I64) b.writeBigInt64BE(BigInt(value));
  else b.writeDoubleBE(Number(value));
  return b;
}
