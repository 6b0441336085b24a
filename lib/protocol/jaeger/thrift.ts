// jaeger.thrift (Batch, Process, Span, Tag, Log, SpanRef) and agent.thrift's
// Agent.emitBatch message, in the binary and the compact protocol, written
// from the published IDL (jaeger-idl thrift/jaeger.thrift, agent.thrift):
//
//   Batch   { 1: required Process process  2: required list<Span> spans }
//   Process { 1: required string serviceName  2: optional list<Tag> tags }
//   Span    { 1: i64 traceIdLow  2: i64 traceIdHigh  3: i64 spanId
//             4: i64 parentSpanId  5: string operationName
//             6: optional list<SpanRef> references  7: i32 flags
//             8: i64 startTime (µs)  9: i64 duration (µs)
//             10: optional list<Tag> tags  11: optional list<Log> logs }
//             (all but references, tags and logs required)
//   Tag     { 1: required string key  2: required TagType vType
//             3: vStr  4: vDouble  5: vBool  6: vLong  7: vBinary }
//             TagType STRING 0, DOUBLE 1, BOOL 2, LONG 3, BINARY 4
//   Log     { 1: required i64 timestamp (µs)  2: required list<Tag> fields }
//   SpanRef { 1: required SpanRefType refType  2: required i64 traceIdLow
//             3: required i64 traceIdHigh  4: required i64 spanId }
//   Agent   { oneway void emitBatch(1: Batch batch) }
//
// Readers check required fields as Thrift's generated code does, skip
// unknown fields and fields of an unexpected type, and throw only
// InvalidInputError with the path of the problem (`spans[2].tags[0].vType: ...`).
// A tag's value field that vType names may be absent: it reads as the
// default ('' / 0 / false / empty), as generated code reads it.
import type { TProtocol } from 'thrift';
import { InvalidInputError } from '../../errors.js';
import { fail, within } from '../decode-error.js';
import {
  checkRequired,
  hexI64,
  bigIntI64,
  readI64BigInt,
  readI64Hex,
  required,
  MessageType,
  readDouble,
  readList,
  skip,
  T as WIRE_TYPES,
  thriftError,
  thriftReader,
  thriftWriter,
  writeDouble,
  type ThriftProtocol,
} from './thrift-wire.js';
import type { JaegerBatch, JaegerLog, JaegerProcess, JaegerRefType, JaegerSpan, JaegerSpanRef, JaegerTag, JaegerValue } from './types.js';

// A local copy: under a loader that turns imports into getters, every field read would call one.
const T = { ...WIRE_TYPES };
const TagType = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 } as const;
const NS_PER_US = 1000n;
const ZERO_ID = '0000000000000000';

/** Runs one struct's field loop, locating errors under the field being read. */
function readStruct(p: TProtocol, names: Record<number, string>, field: (fid: number, ftype: number) => boolean): number {
  let seen = 0;
  let fid = 0;
  p.readStructBegin();
  try {
    for (let f = p.readFieldBegin(); f.ftype !== T.STOP; f = p.readFieldBegin()) {
      fid = f.fid;
      if (field(f.fid, f.ftype)) seen |= 1 << f.fid;
      else skip(p, f.ftype);
      fid = 0;
    }
  } catch (err) {
    throw within(thriftError(err), names[fid] ?? '');
  }
  p.readStructEnd();
  return seen;
}

// ---- reading ----

const TAG_FIELDS = { 1: 'key', 2: 'vType', 3: 'vStr', 4: 'vDouble', 5: 'vBool', 6: 'vLong', 7: 'vBinary' };
const TAG_REQUIRED = required({ 1: 'key', 2: 'vType' });

function readTag(p: TProtocol): JaegerTag {
  let key = '';
  let vType = -1;
  let str = '';
  let dbl = 0;
  let bool = false;
  let long = 0n;
  let binary: Uint8Array | undefined;
  const seen = readStruct(p, TAG_FIELDS, (fid, ftype) => {
    switch (fid) {
      case 1:
        if (ftype !== T.STRING) return false;
        key = p.readString();
        return true;
      case 2:
        if (ftype !== T.I32) return false;
        vType = p.readI32();
        return true;
      case 3:
        if (ftype !== T.STRING) return false;
        str = p.readString();
        return true;
      case 4:
        if (ftype !== T.DOUBLE) return false;
        dbl = readDouble(p);
        return true;
      case 5:
        if (ftype !== T.BOOL) return false;
        bool = p.readBool();
        return true;
      case 6:
        if (ftype !== T.I64) return false;
        long = readI64BigInt(p);
        return true;
      case 7:
        if (ftype !== T.STRING) return false;
        // A copy: the runtime hands out a view of the input buffer.
        binary = new Uint8Array(p.readBinary());
        return true;
      default:
        return false;
    }
  });
  checkRequired(seen, TAG_REQUIRED);
  let value: JaegerValue;
  switch (vType) {
    case TagType.STRING:
      value = { kind: 'string', value: str };
      break;
    case TagType.DOUBLE:
      value = { kind: 'double', value: dbl };
      break;
    case TagType.BOOL:
      value = { kind: 'bool', value: bool };
      break;
    case TagType.LONG:
      value = { kind: 'int', value: long };
      break;
    case TagType.BINARY:
      value = { kind: 'bytes', value: binary ?? new Uint8Array(0) };
      break;
    default:
      throw fail('vType', `must be 0 to 4 (STRING, DOUBLE, BOOL, LONG, BINARY), got ${vType}`);
  }
  return { key, value };
}

const readTags = (p: TProtocol): JaegerTag[] => readList(p, T.STRUCT, readTag);

const LOG_FIELDS = { 1: 'timestamp', 2: 'fields' };
const LOG_REQUIRED = required(LOG_FIELDS);

function readLog(p: TProtocol): JaegerLog {
  let timeUnixNano = 0n;
  let fields: JaegerTag[] = [];
  const seen = readStruct(p, LOG_FIELDS, (fid, ftype) => {
    if (fid === 1 && ftype === T.I64) timeUnixNano = readI64BigInt(p) * NS_PER_US;
    else if (fid === 2 && ftype === T.LIST) fields = readTags(p);
    else return false;
    return true;
  });
  checkRequired(seen, LOG_REQUIRED);
  return { timeUnixNano, fields };
}

const REF_FIELDS = { 1: 'refType', 2: 'traceIdLow', 3: 'traceIdHigh', 4: 'spanId' };
const REF_REQUIRED = required(REF_FIELDS);

function readSpanRef(p: TProtocol): JaegerSpanRef {
  let refType = 0;
  let low = ZERO_ID;
  let high = ZERO_ID;
  let spanId = ZERO_ID;
  const seen = readStruct(p, REF_FIELDS, (fid, ftype) => {
    if (fid === 1 && ftype === T.I32) refType = p.readI32();
    else if (fid === 2 && ftype === T.I64) low = readI64Hex(p);
    else if (fid === 3 && ftype === T.I64) high = readI64Hex(p);
    else if (fid === 4 && ftype === T.I64) spanId = readI64Hex(p);
    else return false;
    return true;
  });
  checkRequired(seen, REF_REQUIRED);
  if (refType !== 0 && refType !== 1) throw fail('refType', `must be 0 (CHILD_OF) or 1 (FOLLOWS_FROM), got ${refType}`);
  return { refType: refType as JaegerRefType, traceId: high + low, spanId };
}

const SPAN_FIELDS = {
  1: 'traceIdLow',
  2: 'traceIdHigh',
  3: 'spanId',
  4: 'parentSpanId',
  5: 'operationName',
  6: 'references',
  7: 'flags',
  8: 'startTime',
  9: 'duration',
  10: 'tags',
  11: 'logs',
};
const SPAN_REQUIRED = required({ 1: 'traceIdLow', 2: 'traceIdHigh', 3: 'spanId', 4: 'parentSpanId', 5: 'operationName', 7: 'flags', 8: 'startTime', 9: 'duration' });

function readSpan(p: TProtocol): JaegerSpan {
  const s: JaegerSpan = {
    traceId: '',
    spanId: ZERO_ID,
    parentSpanId: ZERO_ID,
    operationName: '',
    references: [],
    flags: 0,
    startTimeUnixNano: 0n,
    durationNano: 0n,
    tags: [],
    logs: [],
    process: undefined,
  };
  let low = ZERO_ID;
  let high = ZERO_ID;
  const seen = readStruct(p, SPAN_FIELDS, (fid, ftype) => {
    switch (fid) {
      case 1:
      case 2:
      case 3:
      case 4:
      case 8:
      case 9: {
        if (ftype !== T.I64) return false;
        if (fid === 1) low = readI64Hex(p);
        else if (fid === 2) high = readI64Hex(p);
        else if (fid === 3) s.spanId = readI64Hex(p);
        else if (fid === 4) s.parentSpanId = readI64Hex(p);
        else if (fid === 8) s.startTimeUnixNano = readI64BigInt(p) * NS_PER_US;
        else s.durationNano = readI64BigInt(p) * NS_PER_US;
        return true;
      }
      case 5:
        if (ftype !== T.STRING) return false;
        s.operationName = p.readString();
        return true;
      case 6:
        if (ftype !== T.LIST) return false;
        s.references = readList(p, T.STRUCT, readSpanRef);
        return true;
      case 7:
        if (ftype !== T.I32) return false;
        s.flags = p.readI32() >>> 0;
        return true;
      case 10:
        if (ftype !== T.LIST) return false;
        s.tags = readTags(p);
        return true;
      case 11:
        if (ftype !== T.LIST) return false;
        s.logs = readList(p, T.STRUCT, readLog);
        return true;
      default:
        return false;
    }
  });
  checkRequired(seen, SPAN_REQUIRED);
  s.traceId = high + low;
  return s;
}

const PROCESS_FIELDS = { 1: 'serviceName', 2: 'tags' };
const PROCESS_REQUIRED = required({ 1: 'serviceName' });

function readProcess(p: TProtocol): JaegerProcess {
  const process: JaegerProcess = { serviceName: '', tags: [] };
  const seen = readStruct(p, PROCESS_FIELDS, (fid, ftype) => {
    if (fid === 1 && ftype === T.STRING) process.serviceName = p.readString();
    else if (fid === 2 && ftype === T.LIST) process.tags = readTags(p);
    else return false;
    return true;
  });
  checkRequired(seen, PROCESS_REQUIRED);
  return process;
}

const BATCH_FIELDS = { 1: 'process', 2: 'spans' };
const BATCH_REQUIRED = required(BATCH_FIELDS);

function readBatch(p: TProtocol): JaegerBatch {
  let process: JaegerProcess | undefined;
  let spans: JaegerSpan[] = [];
  const seen = readStruct(p, BATCH_FIELDS, (fid, ftype) => {
    if (fid === 1 && ftype === T.STRUCT) process = readProcess(p);
    else if (fid === 2 && ftype === T.LIST) spans = readList(p, T.STRUCT, readSpan);
    else return false;
    return true;
  });
  checkRequired(seen, BATCH_REQUIRED);
  return { process, spans };
}

/** A whole input holding exactly what `read` reads. */
function readAll<R>(bytes: Uint8Array, protocol: ThriftProtocol, what: string, read: (p: TProtocol) => R): R {
  const r = thriftReader(bytes, protocol);
  let out: R;
  try {
    out = read(r.p);
  } catch (err) {
    const e = thriftError(err);
    throw new InvalidInputError(`invalid Jaeger Thrift (${protocol}) ${what}: ${e.message}`, { cause: e });
  }
  if (r.hasMore()) throw new InvalidInputError(`invalid Jaeger Thrift (${protocol}) ${what}: unexpected bytes after the ${what}`);
  return out;
}

/** A Batch struct: the body of POST /api/traces (binary protocol). */
export function decodeBatchThrift(bytes: Uint8Array, protocol: ThriftProtocol = 'binary'): JaegerBatch {
  return readAll(bytes, protocol, 'Batch', readBatch);
}

/**
 * An Agent.emitBatch message, as jaeger clients send it in one UDP datagram:
 * compact on 6831, binary on 6832. emitZipkinBatch is refused by name.
 */
export function decodeEmitBatch(bytes: Uint8Array, protocol: ThriftProtocol): JaegerBatch {
  return readAll(bytes, protocol, 'emitBatch message', (p) => {
    const m = p.readMessageBegin();
    const name = String(m.fname);
    if (name === 'emitZipkinBatch') throw new InvalidInputError('Agent.emitZipkinBatch (Zipkin spans) is not served here; send Zipkin spans to the zipkin receiver');
    if (name !== 'emitBatch') throw new InvalidInputError(`unknown Agent method ${JSON.stringify(name.slice(0, 64))}; expected emitBatch`);
    if (m.mtype !== MessageType.ONEWAY && m.mtype !== MessageType.CALL) throw new InvalidInputError(`message type must be ONEWAY (4) or CALL (1), got ${m.mtype}`);
    let batch: JaegerBatch | undefined;
    readStruct(p, { 1: 'batch' }, (fid, ftype) => {
      if (fid !== 1 || ftype !== T.STRUCT) return false;
      batch = readBatch(p);
      return true;
    });
    p.readMessageEnd();
    if (batch === undefined) throw fail('batch', 'is required');
    return batch;
  });
}

// ---- writing ----

function writeTag(p: TProtocol, t: JaegerTag): void {
  p.writeStructBegin('Tag');
  p.writeFieldBegin('key', T.STRING, 1);
  p.writeString(t.key);
  p.writeFieldEnd();
  const v = t.value;
  const type = { string: TagType.STRING, double: TagType.DOUBLE, bool: TagType.BOOL, int: TagType.LONG, bytes: TagType.BINARY }[v.kind];
  p.writeFieldBegin('vType', T.I32, 2);
  p.writeI32(type);
  p.writeFieldEnd();
  switch (v.kind) {
    case 'string':
      p.writeFieldBegin('vStr', T.STRING, 3);
      p.writeString(v.value);
      break;
    case 'double':
      p.writeFieldBegin('vDouble', T.DOUBLE, 4);
      writeDouble(p, v.value);
      break;
    case 'bool':
      p.writeFieldBegin('vBool', T.BOOL, 5);
      p.writeBool(v.value);
      break;
    case 'int':
      p.writeFieldBegin('vLong', T.I64, 6);
      p.writeI64(bigIntI64(v.value));
      break;
    case 'bytes':
      p.writeFieldBegin('vBinary', T.STRING, 7);
      p.writeBinary(Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength));
      break;
  }
  p.writeFieldEnd();
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeList<V>(p: TProtocol, name: string, id: number, items: readonly V[], write: (p: TProtocol, item: V) => void): void {
  p.writeFieldBegin(name, T.LIST, id);
  p.writeListBegin(T.STRUCT, items.length);
  for (const item of items) write(p, item);
  p.writeListEnd();
  p.writeFieldEnd();
}

function writeI64Field(p: TProtocol, name: string, id: number, v: ReturnType<typeof hexI64>): void {
  p.writeFieldBegin(name, T.I64, id);
  p.writeI64(v);
  p.writeFieldEnd();
}

function writeLog(p: TProtocol, l: JaegerLog): void {
  p.writeStructBegin('Log');
  writeI64Field(p, 'timestamp', 1, bigIntI64(l.timeUnixNano / NS_PER_US));
  writeList(p, 'fields', 2, l.fields, writeTag);
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeSpanRef(p: TProtocol, r: JaegerSpanRef): void {
  p.writeStructBegin('SpanRef');
  p.writeFieldBegin('refType', T.I32, 1);
  p.writeI32(r.refType);
  p.writeFieldEnd();
  writeI64Field(p, 'traceIdLow', 2, hexI64(r.traceId.slice(16)));
  writeI64Field(p, 'traceIdHigh', 3, hexI64(r.traceId.slice(0, 16)));
  writeI64Field(p, 'spanId', 4, hexI64(r.spanId));
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeSpan(p: TProtocol, s: JaegerSpan): void {
  p.writeStructBegin('Span');
  writeI64Field(p, 'traceIdLow', 1, hexI64(s.traceId.slice(16)));
  writeI64Field(p, 'traceIdHigh', 2, hexI64(s.traceId.slice(0, 16)));
  writeI64Field(p, 'spanId', 3, hexI64(s.spanId));
  writeI64Field(p, 'parentSpanId', 4, hexI64(s.parentSpanId ?? ZERO_ID));
  p.writeFieldBegin('operationName', T.STRING, 5);
  p.writeString(s.operationName);
  p.writeFieldEnd();
  if (s.references.length > 0) writeList(p, 'references', 6, s.references, writeSpanRef);
  p.writeFieldBegin('flags', T.I32, 7);
  p.writeI32(s.flags | 0);
  p.writeFieldEnd();
  writeI64Field(p, 'startTime', 8, bigIntI64(s.startTimeUnixNano / NS_PER_US));
  writeI64Field(p, 'duration', 9, bigIntI64(s.durationNano / NS_PER_US));
  if (s.tags.length > 0) writeList(p, 'tags', 10, s.tags, writeTag);
  if (s.logs.length > 0) writeList(p, 'logs', 11, s.logs, writeLog);
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeBatch(p: TProtocol, b: JaegerBatch): void {
  p.writeStructBegin('Batch');
  const process = b.process ?? { serviceName: '', tags: [] };
  p.writeFieldBegin('process', T.STRUCT, 1);
  p.writeStructBegin('Process');
  p.writeFieldBegin('serviceName', T.STRING, 1);
  p.writeString(process.serviceName);
  p.writeFieldEnd();
  if (process.tags.length > 0) writeList(p, 'tags', 2, process.tags, writeTag);
  p.writeFieldStop();
  p.writeStructEnd();
  p.writeFieldEnd();
  writeList(p, 'spans', 2, b.spans, writeSpan);
  p.writeFieldStop();
  p.writeStructEnd();
}

/**
 * A Batch struct. Times are written in whole microseconds (truncated), the
 * only unit Thrift carries.
 */
export function encodeBatchThrift(batch: JaegerBatch, protocol: ThriftProtocol = 'binary'): Buffer {
  const w = thriftWriter(protocol);
  writeBatch(w.p, batch);
  return w.finish();
}

/** An Agent.emitBatch oneway message: one UDP datagram's payload. */
export function encodeEmitBatch(batch: JaegerBatch, protocol: ThriftProtocol, seqid = 0): Buffer {
  const w = thriftWriter(protocol);
  w.p.writeMessageBegin('emitBatch', MessageType.ONEWAY, seqid);
  w.p.writeStructBegin('Agent_emitBatch_args');
  w.p.writeFieldBegin('batch', T.STRUCT, 1);
  writeBatch(w.p, batch);
  w.p.writeFieldEnd();
  w.p.writeFieldStop();
  w.p.writeStructEnd();
  w.p.writeMessageEnd();
  return w.finish();
}
