// Jaeger api_v2 protobuf (PostSpansRequest { Batch batch }) <-> JaegerBatch.
// IDs must be 16 (trace) and 8 (span) bytes; times are exact to the
// nanosecond. A span's own process is kept (it overrides the batch's);
// process_id and warnings, which only Jaeger's query side fills in, are
// ignored. Encoding leaves proto3 defaults out, as other protobuf libraries
// do. The decoder throws only InvalidInputError, with the path of the problem.
import type { LongBits } from '../otlp/int64.js';
import { decodeMessage } from '../otlp/proto-decode.js';
import { atField, fail, guard, mapAt } from '../decode-error.js';
import { dbl, int64FromPb, int64ToPb, num, str, timeFromPb, timeToPb, type PbTimestamp } from '../opencensus/proto-common.js';
import { PostSpansRequestType } from './proto-root.js';
import type { JaegerBatch, JaegerLog, JaegerProcess, JaegerRefType, JaegerSpan, JaegerSpanRef, JaegerTag, JaegerValue } from './types.js';

// The shapes protobufjs decodes into and encodes from (absent messages are null).
interface PbKeyValue {
  key?: string;
  vType?: number;
  vStr?: string;
  vBool?: boolean;
  vInt64?: LongBits;
  vFloat64?: number;
  vBinary?: Uint8Array;
}
interface PbLog {
  timestamp?: PbTimestamp | null;
  fields?: PbKeyValue[];
}
interface PbSpanRef {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  refType?: number;
}
interface PbProcess {
  serviceName?: string;
  tags?: PbKeyValue[];
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  operationName?: string;
  references?: PbSpanRef[];
  flags?: number;
  startTime?: PbTimestamp | null;
  duration?: PbTimestamp | null;
  tags?: PbKeyValue[];
  logs?: PbLog[];
  process?: PbProcess | null;
}
interface PbBatch {
  spans?: PbSpan[];
  process?: PbProcess | null;
}

/** ValueType in model.proto (numbered unlike Thrift's TagType). */
const ValueType = { STRING: 0, BOOL: 1, INT64: 2, FLOAT64: 3, BINARY: 4 } as const;
const NS_PER_S = 1_000_000_000n;

// ---- decoding ----

function id(b: Uint8Array | undefined, size: 8 | 16, field: string): string {
  const n = b?.length ?? 0;
  if (n !== size) throw fail(field, `must be ${size} bytes, got ${n}`);
  return Buffer.from(b!.buffer, b!.byteOffset, n).toString('hex');
}

function tagFromPb(kv: PbKeyValue): JaegerTag {
  let value: JaegerValue;
  switch (kv.vType ?? 0) {
    case ValueType.STRING:
      value = { kind: 'string', value: kv.vStr ?? '' };
      break;
    case ValueType.BOOL:
      value = { kind: 'bool', value: kv.vBool ?? false };
      break;
    case ValueType.INT64:
      value = { kind: 'int', value: int64FromPb(kv.vInt64) };
      break;
    case ValueType.FLOAT64:
      value = { kind: 'double', value: kv.vFloat64 ?? 0 };
      break;
    case ValueType.BINARY:
      // A copy: protobufjs hands out a view of the request buffer.
      value = { kind: 'bytes', value: new Uint8Array(kv.vBinary ?? []) };
      break;
    default:
      throw fail('v_type', `must be 0 to 4 (STRING, BOOL, INT64, FLOAT64, BINARY), got ${kv.vType}`);
  }
  return { key: kv.key ?? '', value };
}

const tagsFromPb = (list: PbKeyValue[] | undefined, field: string): JaegerTag[] => (list?.length ? mapAt(list, field, tagFromPb) : []);

/** A Duration: seconds and nanos of the same sign, |nanos| < 1e9. */
function durationFromPb(d: PbTimestamp | null | undefined): bigint {
  if (d == null) return 0n;
  const nanos = d.nanos ?? 0;
  if (!(nanos > -1e9 && nanos < 1e9)) throw fail('', `nanos out of range (-1e9, 1e9): ${nanos}`);
  return int64FromPb(d.seconds) * NS_PER_S + BigInt(nanos);
}

function refFromPb(r: PbSpanRef): JaegerSpanRef {
  const refType = r.refType ?? 0;
  if (refType !== 0 && refType !== 1) throw fail('ref_type', `must be 0 (CHILD_OF) or 1 (FOLLOWS_FROM), got ${refType}`);
  return { refType: refType as JaegerRefType, traceId: id(r.traceId, 16, 'trace_id'), spanId: id(r.spanId, 8, 'span_id') };
}

function logFromPb(l: PbLog): JaegerLog {
  return { timeUnixNano: timeFromPb(l.timestamp, 'timestamp') ?? 0n, fields: tagsFromPb(l.fields, 'fields') };
}

function processFromPb(p: PbProcess | null | undefined): JaegerProcess | undefined {
  return p == null ? undefined : { serviceName: p.serviceName ?? '', tags: tagsFromPb(p.tags, 'tags') };
}

function spanFromPb(s: PbSpan): JaegerSpan {
  return {
    traceId: id(s.traceId, 16, 'trace_id'),
    spanId: id(s.spanId, 8, 'span_id'),
    parentSpanId: undefined,
    operationName: s.operationName ?? '',
    references: s.references?.length ? mapAt(s.references, 'references', refFromPb) : [],
    flags: (s.flags ?? 0) >>> 0,
    startTimeUnixNano: timeFromPb(s.startTime, 'start_time') ?? 0n,
    durationNano: atField('duration', durationFromPb, s.duration),
    tags: tagsFromPb(s.tags, 'tags'),
    logs: s.logs?.length ? mapAt(s.logs, 'logs', logFromPb) : [],
    process: atField('process', processFromPb, s.process),
  };
}

function batchFromPb(b: PbBatch | null | undefined): JaegerBatch {
  if (b == null) return { process: undefined, spans: [] };
  return {
    process: atField('batch.process', processFromPb, b.process),
    spans: b.spans?.length ? mapAt(b.spans, 'batch.spans', spanFromPb) : [],
  };
}

/** A PostSpansRequest (CollectorService.PostSpans): the batch it carries. */
export function decodePostSpansProto(bytes: Uint8Array): JaegerBatch {
  const msg = decodeMessage(PostSpansRequestType, bytes, 'Jaeger') as { batch?: PbBatch | null };
  return guard(batchFromPb, msg.batch);
}

// ---- encoding ----

const bytes = (hex: string): Uint8Array => Buffer.from(hex, 'hex');

function tagToPb(t: JaegerTag): PbKeyValue {
  const v = t.value;
  const key = str(t.key);
  switch (v.kind) {
    case 'string':
      return { key, vStr: str(v.value) };
    case 'bool':
      return { key, vType: ValueType.BOOL, vBool: v.value || undefined };
    case 'int':
      return { key, vType: ValueType.INT64, vInt64: int64ToPb(BigInt.asIntN(64, v.value)) };
    case 'double':
      return { key, vType: ValueType.FLOAT64, vFloat64: dbl(v.value) };
    case 'bytes':
      return { key, vType: ValueType.BINARY, vBinary: v.value.length > 0 ? v.value : undefined };
  }
}

function durationToPb(ns: bigint): PbTimestamp {
  // Seconds and nanos truncate toward zero, so both carry the sign.
  return { seconds: int64ToPb(ns / NS_PER_S), nanos: num(Number(ns % NS_PER_S)) };
}

function processToPb(p: JaegerProcess | undefined): PbProcess | undefined {
  return p && { serviceName: str(p.serviceName), tags: p.tags.map(tagToPb) };
}

function spanToPb(s: JaegerSpan): PbSpan {
  return {
    traceId: bytes(s.traceId),
    spanId: bytes(s.spanId),
    operationName: str(s.operationName),
    references: s.references.map((r) => ({ traceId: bytes(r.traceId), spanId: bytes(r.spanId), refType: num(r.refType) })),
    flags: num(s.flags >>> 0),
    startTime: timeToPb(s.startTimeUnixNano),
    duration: durationToPb(s.durationNano),
    tags: s.tags.map(tagToPb),
    logs: s.logs.map((l) => ({ timestamp: timeToPb(l.timeUnixNano), fields: l.fields.map(tagToPb) })),
    process: processToPb(s.process),
  };
}

/** A PostSpansRequest carrying `batch`. */
export function encodePostSpansProto(batch: JaegerBatch): Uint8Array {
  return PostSpansRequestType.encode({ batch: { spans: batch.spans.map(spanToPb), process: processToPb(batch.process) } }).finish();
}
