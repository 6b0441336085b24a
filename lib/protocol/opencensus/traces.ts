// OpenCensus spans <-> model Traces.
//
// In: one ResourceSpans per distinct effective resource (the request's node
// with the request's resource, or with a span's own), spans in request order,
// a ScopeSpans per run of spans with the same scope (empty, unless the last
// attributes are otel.scope.name/version, as written out). Out: one request
// per ResourceSpans.
//
// OC -> model -> OC is exact. What OTLP has no field for goes into the
// attributes of OC_SPAN_KEYS, written only when they carry information, after
// the span's (event's, link's) own attributes. The less obvious rules:
//
// - Kind: SERVER/CLIENT map; an unspecified kind with a `span.kind` attribute
//   of producer/consumer/internal becomes that kind, as in the OpenTelemetry
//   Collector. The attribute is removed when it is the last one (out, it is
//   appended again), else kept, so that its position survives.
// - Status: absent -> UNSET, code 0 -> OK, any other -> ERROR with
//   opencensus.status_code unless it is 2 (UNKNOWN, which ERROR gives back).
// - Message events become events named by their type ("SENT") with the
//   Collector's four opencensus.timeevent.messageevent.* attributes (uint64s
//   as int64 two's complement); any other event is an annotation.
// - int32 dropped counts are stored as their uint32 bit pattern and summed
//   modulo 2^32 into droppedEventsCount; the message-event share is
//   opencensus.dropped_message_events_count.
// - Times absent read 0. A present time OTLP cannot hold (0, or outside
//   [1, 2^64) ns) goes in opencensus.start_time/end_time/time as text.
// - Empty containers (tracestate, attributes, time events, links, annotation
//   and link attributes): Java and Node.js libraries always send them, the
//   others omit them. That language's habit (by the Node) is the default, and
//   opencensus.present / opencensus.absent list the fields that differ, so
//   typical spans carry neither. They also list an empty name or description
//   that was absent, a zero parent span ID ("parent_span_id"), an annotation
//   that looks like a message event, and a time event with neither ("annotation").
// - A user attribute with a marker's key makes opencensus.attribute_count (the
//   number of user attributes before the markers) the last attribute.
//
// A request whose spans all have resources of their own loses its own
// resource, which applies to no span. Model -> OC loses what OpenCensus cannot
// hold: span and link flags, schema URLs, scopes (name and version
// become otel.scope.name and .version, read back in; their attributes are lost), the message
// of an UNSET status, the resource's dropped count, the types of bytes, array
// and kvlist values (written as JSON text), and a span.kind attribute that
// contradicts a PRODUCER/CONSUMER/INTERNAL kind (overwritten). Counts of 2^31
// or more come out negative (the same bits as int32).
import { InvalidInputError } from '../../errors.js';
import { emptyScope, type AnyValue, type InstrumentationScope, type KeyValue } from '../../model/common.js';
import { NO_SPAN_ID, type SpanId, type TraceId } from '../../model/ids.js';
import { SpanKind, StatusCode, type ResourceSpans, type Span, type SpanEvent, type SpanLink, type Traces } from '../../model/trace.js';
import { anyValueToString, formatTime, ocLanguageOf, parseTime, resourceFromOc, resourceToOc } from './resource.js';
import {
  OcLanguage,
  type OcAttributes,
  type OcAttributeValue,
  type OcExportTraceRequest,
  type OcLink,
  type OcMessageEvent,
  type OcResource,
  type OcSpan,
  type OcStackFrame,
  type OcStackTrace,
  type OcStringEntry,
  type OcTimeEvent,
  type OcTracestate,
  type OcTruncatableString,
} from './types.js';

export const OC_SPAN_KEYS = {
  sameProcessAsParentSpan: 'opencensus.same_process_as_parent_span', // bool, the Collector's key
  childSpanCount: 'opencensus.child_span_count', // int
  stackTrace: 'opencensus.stack_trace', // kvlist shaped as the proto, defaults left out
  statusCode: 'opencensus.status_code', // int: the gRPC code of an ERROR other than 2
  spanKind: 'opencensus.span_kind', // int: a kind number OpenCensus does not define
  startTime: 'opencensus.start_time', // string (see formatTime)
  endTime: 'opencensus.end_time',
  time: 'opencensus.time', // on events
  droppedMessageEventsCount: 'opencensus.dropped_message_events_count', // int
  linkType: 'opencensus.link.type', // on links: "CHILD_LINKED_SPAN", "PARENT_LINKED_SPAN", or an int
  tracestate: 'opencensus.tracestate', // kvlist of the entries, when no W3C string gives them back
  nameTruncatedByteCount: 'opencensus.name.truncated_byte_count', // int: of the span name or annotation description
  truncatedByteCounts: 'opencensus.attributes.truncated_byte_counts', // int[]: one per attribute, up to the last non-zero
  present: 'opencensus.present', // string[]
  absent: 'opencensus.absent', // string[]
  attributeCount: 'opencensus.attribute_count', // int
  messageEventType: 'opencensus.timeevent.messageevent.type', // "SENT", "RECEIVED", "TYPE_UNSPECIFIED", or an int
  messageEventId: 'opencensus.timeevent.messageevent.id',
  messageEventUncompressedSize: 'opencensus.timeevent.messageevent.usize',
  messageEventCompressedSize: 'opencensus.timeevent.messageevent.csize',
  spanKindName: 'span.kind', // producer, consumer, internal (the Collector's convention)
  scopeName: 'otel.scope.name', // OpenTelemetry's rule for formats without scopes; read back from the last attributes
  scopeVersion: 'otel.scope.version',
} as const;
const K = OC_SPAN_KEYS;

const MESSAGE_TYPES = new Map([[0, 'TYPE_UNSPECIFIED'], [1, 'SENT'], [2, 'RECEIVED']]);
const LINK_TYPES = new Map([[1, 'CHILD_LINKED_SPAN'], [2, 'PARENT_LINKED_SPAN']]);
const KIND_NAMES = new Map<number, string>([[SpanKind.PRODUCER, 'producer'], [SpanKind.CONSUMER, 'consumer'], [SpanKind.INTERNAL, 'internal']]);
const numberOf = (names: Map<number, string>, name: string): number | undefined => [...names].find(([, n]) => n === name)?.[0];

const str = (value: string): AnyValue => ({ kind: 'string', value });
const int = (value: bigint | number): AnyValue => ({ kind: 'int', value: typeof value === 'bigint' ? value : BigInt(value | 0) });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });
const kvlist = (entries: KeyValue[]): AnyValue => ({ kind: 'kvlist', value: entries });

// ---- markers ----

type Check = (v: AnyValue) => boolean;
const is =
  (...kinds: AnyValue['kind'][]): Check =>
  (v) =>
    kinds.includes(v.kind);
const MARKERS: ReadonlyMap<string, Check> = new Map([
  [K.sameProcessAsParentSpan, is('bool')],
  [K.childSpanCount, is('int')],
  [K.stackTrace, is('kvlist')],
  [K.statusCode, is('int')],
  [K.spanKind, is('int')],
  [K.startTime, is('string')],
  [K.endTime, is('string')],
  [K.time, is('string')],
  [K.droppedMessageEventsCount, is('int')],
  [K.linkType, is('string', 'int')],
  [K.tracestate, is('kvlist')],
  [K.nameTruncatedByteCount, is('int')],
  [K.truncatedByteCounts, is('array')],
  [K.present, is('array')],
  [K.absent, is('array')],
  [K.attributeCount, is('int')],
]);

/** Collects the markers of one span, event or link on the way in. */
class Marks {
  private readonly kvs: KeyValue[] = [];
  private readonly listed = { present: [] as string[], absent: [] as string[] };
  add(key: string, value: AnyValue): void {
    this.kvs.push(kv(key, value));
  }
  /** Records an OC field's presence where it differs from what the reader assumes. */
  presence(field: string, present: boolean, byDefault: boolean): void {
    if (present !== byDefault) this.listed[present ? 'present' : 'absent'].push(field);
  }
  finish(user: KeyValue[]): KeyValue[] {
    const out = user.concat(this.kvs);
    for (const which of ['present', 'absent'] as const) {
      const fields = this.listed[which];
      if (fields.length > 0) out.push(kv(K[which], { kind: 'array', value: fields.map(str) }));
    }
    if (user.some((a) => MARKERS.has(a.key))) out.push(kv(K.attributeCount, int(user.length)));
    return out;
  }
}

/** Splits model attributes into the user's and the markers, on the way out. */
class Read {
  readonly user: KeyValue[] = [];
  private readonly marks = new Map<string, AnyValue>();
  constructor(attrs: readonly KeyValue[]) {
    const last = attrs.at(-1);
    if (last?.key === K.attributeCount && last.value.kind === 'int' && last.value.value >= 0n && last.value.value < attrs.length) {
      const n = Number(last.value.value);
      this.user = attrs.slice(0, n);
      for (const a of attrs.slice(n, -1)) this.marks.set(a.key, a.value);
      return;
    }
    for (const a of attrs) {
      if (MARKERS.get(a.key)?.(a.value)) this.marks.set(a.key, a.value);
      else this.user.push(a);
    }
  }
  get(key: string): AnyValue | undefined {
    return this.marks.get(key);
  }
  int32(key: string): number | undefined {
    const v = this.marks.get(key);
    return v?.kind === 'int' && v.value >= -(2n ** 31n) && v.value < 2n ** 31n ? Number(v.value) : undefined;
  }
  /** Whether an OC field that the model shows as empty was sent. */
  sent(field: string, byDefault: boolean): boolean {
    const listed = (key: string): boolean => {
      const v = this.marks.get(key);
      return v?.kind === 'array' && v.value.some((x) => x.kind === 'string' && x.value === field);
    };
    return listed(K.present) || (byDefault && !listed(K.absent));
  }
}

// ---- identifiers ----

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const bytes = (id: string): Uint8Array => new Uint8Array(Buffer.from(id, 'hex'));

function requiredId(b: Uint8Array, size: 8 | 16, where: string): string {
  if (b.length !== size) throw new InvalidInputError(`${where}: must be ${size} bytes, got ${b.length}`);
  if (b.every((x) => x === 0)) throw new InvalidInputError(`${where}: must not be all zeros`);
  return hex(b);
}

// ---- small fields ----

const U64 = 2n ** 64n;

function timeIn(t: bigint | undefined, key: string, m: Marks): bigint {
  if (t === undefined) return 0n;
  if (t > 0n && t < U64) return t;
  m.add(key, str(formatTime(t)));
  return 0n;
}

function timeOut(t: bigint, r: Read, key: string): bigint | undefined {
  const v = r.get(key);
  const exact = v?.kind === 'string' ? parseTime(v.value) : undefined;
  return exact ?? (t === 0n ? undefined : t);
}

function truncatableIn(s: OcTruncatableString | undefined, field: string, m: Marks): string {
  if (s?.truncatedByteCount) m.add(K.nameTruncatedByteCount, int(s.truncatedByteCount));
  if (s === undefined || (s.value === '' && !s.truncatedByteCount)) m.presence(field, s !== undefined, true);
  return s?.value ?? '';
}

function truncatableOut(value: string, r: Read, field: string): OcTruncatableString | undefined {
  const truncatedByteCount = r.int32(K.nameTruncatedByteCount) ?? 0;
  if (value === '' && truncatedByteCount === 0 && !r.sent(field, true)) return undefined;
  return { value, truncatedByteCount };
}

function parseTracestate(s: string): OcStringEntry[] {
  if (s === '') return [];
  return s
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member !== '') // W3C: empty list members are allowed and ignored
    .map((member) => {
      const eq = member.indexOf('=');
      return eq < 0 ? { key: member, value: '' } : { key: member.slice(0, eq), value: member.slice(eq + 1) };
    });
}

function tracestateIn(ts: OcTracestate | undefined, m: Marks, byDefault: boolean): string {
  const w3c = ts?.entries.map((e) => `${e.key}=${e.value}`).join(',') ?? '';
  const back = parseTracestate(w3c);
  if (ts !== undefined && (back.length !== ts.entries.length || back.some((e, i) => e.key !== ts.entries[i]!.key || e.value !== ts.entries[i]!.value))) {
    m.add(K.tracestate, kvlist(ts.entries.map((e) => kv(e.key, str(e.value)))));
    return '';
  }
  if (w3c === '') m.presence('tracestate', ts !== undefined, byDefault);
  return w3c;
}

function tracestateOut(s: string, r: Read, byDefault: boolean): OcTracestate | undefined {
  const exact = r.get(K.tracestate);
  if (exact?.kind === 'kvlist') return { entries: exact.value.map((e) => ({ key: e.key, value: anyValueToString(e.value) })) };
  if (s === '') return r.sent('tracestate', byDefault) ? { entries: [] } : undefined;
  return { entries: parseTracestate(s) };
}

// ---- attributes ----

function valueIn(v: OcAttributeValue): AnyValue {
  return v.kind === 'unset' ? { kind: 'empty' } : v.kind === 'string' ? str(v.value.value) : v;
}

function valueOut(v: AnyValue, truncatedByteCount: number): OcAttributeValue {
  switch (v.kind) {
    case 'int':
    case 'bool':
    case 'double':
      return v;
    case 'empty':
      return { kind: 'unset' };
    default:
      return { kind: 'string', value: { value: anyValueToString(v), truncatedByteCount } };
  }
}

function attributesIn(a: OcAttributes | undefined, m: Marks, byDefault: boolean): { user: KeyValue[]; dropped: number } {
  if (a === undefined || (a.attributeMap.length === 0 && a.droppedAttributesCount === 0)) m.presence('attributes', a !== undefined, byDefault);
  const counts = (a?.attributeMap ?? []).map((e) => (e.value.kind === 'string' ? e.value.value.truncatedByteCount | 0 : 0));
  const last = counts.findLastIndex((c) => c !== 0);
  if (last >= 0) m.add(K.truncatedByteCounts, { kind: 'array', value: counts.slice(0, last + 1).map((c) => int(c)) });
  return { user: (a?.attributeMap ?? []).map((e) => kv(e.key, valueIn(e.value))), dropped: (a?.droppedAttributesCount ?? 0) >>> 0 };
}

function attributesOut(user: KeyValue[], r: Read, dropped: number, byDefault: boolean): OcAttributes | undefined {
  if (user.length === 0 && dropped === 0) return r.sent('attributes', byDefault) ? { attributeMap: [], droppedAttributesCount: 0 } : undefined;
  const counts = r.get(K.truncatedByteCounts);
  const countAt = (i: number): number => {
    const c = counts?.kind === 'array' ? counts.value[i] : undefined;
    return c?.kind === 'int' ? Number(BigInt.asIntN(32, c.value)) : 0;
  };
  return { attributeMap: user.map((a, i) => ({ key: a.key, value: valueOut(a.value, countAt(i)) })), droppedAttributesCount: dropped | 0 };
}

// ---- stack traces: a kvlist shaped as the proto, default values left out ----

function truncatableValue(s: OcTruncatableString): AnyValue {
  if (!s.truncatedByteCount) return str(s.value);
  return kvlist([kv('value', str(s.value)), kv('truncated_byte_count', int(s.truncatedByteCount))]);
}

function stackTraceValue(st: OcStackTrace): AnyValue {
  const out: KeyValue[] = [];
  const put = (to: KeyValue[], key: string, v: OcTruncatableString | bigint | undefined): void => {
    if (typeof v === 'bigint') {
      if (v !== 0n) to.push(kv(key, int(BigInt.asIntN(64, v))));
    } else if (v !== undefined) to.push(kv(key, truncatableValue(v)));
  };
  if (st.stackFrames !== undefined) {
    const frames = st.stackFrames.frame.map((f) => {
      const e: KeyValue[] = [];
      put(e, 'function_name', f.functionName);
      put(e, 'original_function_name', f.originalFunctionName);
      put(e, 'file_name', f.fileName);
      put(e, 'line_number', f.lineNumber);
      put(e, 'column_number', f.columnNumber);
      if (f.loadModule !== undefined) {
        const lm: KeyValue[] = [];
        put(lm, 'module', f.loadModule.module);
        put(lm, 'build_id', f.loadModule.buildId);
        e.push(kv('load_module', kvlist(lm)));
      }
      put(e, 'source_version', f.sourceVersion);
      return kvlist(e);
    });
    const sf = [kv('frame', { kind: 'array', value: frames })];
    if (st.stackFrames.droppedFramesCount) sf.push(kv('dropped_frames_count', int(st.stackFrames.droppedFramesCount)));
    out.push(kv('stack_frames', kvlist(sf)));
  }
  put(out, 'stack_trace_hash_id', st.stackTraceHashId);
  return kvlist(out);
}

/** Reads stackTraceValue's output; undefined (the stack trace dropped) for anything else. */
function stackTraceOut(v: AnyValue | undefined): OcStackTrace | undefined {
  if (v?.kind !== 'kvlist') return undefined;
  let ok = true;
  const fail = <T>(fallback: T): T => {
    ok = false;
    return fallback;
  };
  const fields = (x: AnyValue | undefined): Map<string, AnyValue> =>
    x?.kind === 'kvlist' ? new Map(x.value.map((e) => [e.key, e.value])) : fail(new Map());
  const num = (x: AnyValue | undefined): bigint => (x === undefined ? 0n : x.kind === 'int' ? x.value : fail(0n));
  const int32 = (x: AnyValue | undefined): number => Number(BigInt.asIntN(32, num(x)));
  const ts = (x: AnyValue | undefined): OcTruncatableString | undefined => {
    if (x === undefined || x.kind === 'string') return x && { value: x.value, truncatedByteCount: 0 };
    const f = fields(x);
    const value = f.get('value');
    return { value: value?.kind === 'string' ? value.value : fail(''), truncatedByteCount: int32(f.get('truncated_byte_count')) };
  };
  const frame = (x: AnyValue): OcStackFrame => {
    const f = fields(x);
    const lm = f.has('load_module') ? fields(f.get('load_module')) : undefined;
    return {
      functionName: ts(f.get('function_name')),
      originalFunctionName: ts(f.get('original_function_name')),
      fileName: ts(f.get('file_name')),
      lineNumber: num(f.get('line_number')),
      columnNumber: num(f.get('column_number')),
      loadModule: lm && { module: ts(lm.get('module')), buildId: ts(lm.get('build_id')) },
      sourceVersion: ts(f.get('source_version')),
    };
  };
  const top = fields(v);
  const sf = top.has('stack_frames') ? fields(top.get('stack_frames')) : undefined;
  const list = sf?.get('frame');
  const st: OcStackTrace = {
    stackFrames: sf && {
      frame: (list?.kind === 'array' ? list.value : fail([])).map(frame),
      droppedFramesCount: int32(sf.get('dropped_frames_count')),
    },
    stackTraceHashId: BigInt.asUintN(64, num(top.get('stack_trace_hash_id'))),
  };
  return ok ? st : undefined;
}

// ---- events ----

const MESSAGE_EVENT_KEYS = [K.messageEventType, K.messageEventId, K.messageEventUncompressedSize, K.messageEventCompressedSize];

/** The message event an OTLP event stands for, if it has exactly the shape messageEventIn gives. */
function messageEventOf(name: string, attrs: readonly KeyValue[], dropped: number): OcMessageEvent | undefined {
  if (dropped !== 0 || attrs.length !== 4 || attrs.some((a, i) => a.key !== MESSAGE_EVENT_KEYS[i])) return undefined;
  const [t, ...sizes] = attrs.map((a) => a.value) as [AnyValue, AnyValue, AnyValue, AnyValue];
  const type =
    t.kind === 'string' ? numberOf(MESSAGE_TYPES, t.value) : t.kind === 'int' && BigInt.asIntN(32, t.value) === t.value ? Number(t.value) : undefined;
  if (type === undefined || name !== (MESSAGE_TYPES.get(type) ?? String(type))) return undefined;
  const [id, u, c] = sizes.map((v) => (v.kind === 'int' ? BigInt.asUintN(64, v.value) : undefined));
  if (id === undefined || u === undefined || c === undefined) return undefined;
  return { type, id, uncompressedSize: u, compressedSize: c };
}

function eventIn(e: OcTimeEvent, full: boolean): SpanEvent {
  const m = new Marks();
  const timeUnixNano = timeIn(e.time, K.time, m);
  if (e.annotation !== undefined) {
    const name = truncatableIn(e.annotation.description, 'description', m);
    const { user, dropped } = attributesIn(e.annotation.attributes, m, full);
    if (messageEventOf(name, user, dropped) !== undefined) m.presence('annotation', true, false);
    return { timeUnixNano, name, attributes: m.finish(user), droppedAttributesCount: dropped };
  }
  const me = e.messageEvent;
  if (me === undefined) {
    m.presence('annotation', false, true);
    return { timeUnixNano, name: '', attributes: m.finish([]), droppedAttributesCount: 0 };
  }
  const typeName = MESSAGE_TYPES.get(me.type);
  const values = [typeName === undefined ? int(me.type) : str(typeName), ...[me.id, me.uncompressedSize, me.compressedSize].map((n) => int(BigInt.asIntN(64, n)))];
  const user = values.map((v, i) => kv(MESSAGE_EVENT_KEYS[i]!, v));
  return { timeUnixNano, name: typeName ?? String(me.type), attributes: m.finish(user), droppedAttributesCount: 0 };
}

function eventOut(e: SpanEvent, full: boolean): OcTimeEvent {
  const r = new Read(e.attributes);
  const time = timeOut(e.timeUnixNano, r, K.time);
  // "annotation" listed absent: a time event with neither member; listed present: an annotation that looks like a message event.
  if (!r.sent('annotation', true)) return { time, annotation: undefined, messageEvent: undefined };
  const messageEvent = r.sent('annotation', false) ? undefined : messageEventOf(e.name, r.user, e.droppedAttributesCount);
  if (messageEvent !== undefined) return { time, annotation: undefined, messageEvent };
  const annotation = { description: truncatableOut(e.name, r, 'description'), attributes: attributesOut(r.user, r, e.droppedAttributesCount, full) };
  return { time, annotation, messageEvent: undefined };
}

// ---- links ----

function linkIn(l: OcLink, where: string, full: boolean): SpanLink {
  const m = new Marks();
  const traceId = requiredId(l.traceId, 16, `${where}.trace_id`) as TraceId;
  const spanId = requiredId(l.spanId, 8, `${where}.span_id`) as SpanId;
  const traceState = tracestateIn(l.tracestate, m, false);
  if (l.type !== 0) m.add(K.linkType, LINK_TYPES.has(l.type) ? str(LINK_TYPES.get(l.type)!) : int(l.type));
  const { user, dropped } = attributesIn(l.attributes, m, full);
  return { traceId, spanId, traceState, attributes: m.finish(user), droppedAttributesCount: dropped, flags: 0 };
}

function linkOut(l: SpanLink, full: boolean): OcLink {
  const r = new Read(l.attributes);
  const t = r.get(K.linkType);
  const type = t?.kind === 'string' ? (numberOf(LINK_TYPES, t.value) ?? 0) : (r.int32(K.linkType) ?? 0);
  return {
    traceId: bytes(l.traceId),
    spanId: bytes(l.spanId),
    type,
    attributes: attributesOut(r.user, r, l.droppedAttributesCount, full),
    tracestate: tracestateOut(l.traceState, r, false),
  };
}

// ---- spans ----

/** Java and Node.js libraries send empty containers; the others leave them out. */
const sendsEmpty = (language: number): boolean => language === OcLanguage.JAVA || language === OcLanguage.NODE_JS;

/**
 * The scope that a span's last attributes name (otel.scope.name, then
 * otel.scope.version: what spanOut writes for a span from a scoped format),
 * taken out of `user`. Only non-empty, untruncated strings at the very end
 * qualify, so that spanOut puts back exactly what came in.
 */
function scopeIn(user: KeyValue[], sent: OcAttributes | undefined): InstrumentationScope {
  const scope = emptyScope();
  const take = (key: string): string => {
    const i = user.length - 1;
    const a = user[i];
    const v = sent?.attributeMap[i]?.value;
    if (a?.key !== key || a.value.kind !== 'string' || a.value.value === '' || v?.kind !== 'string' || v.value.truncatedByteCount) return '';
    user.pop();
    return a.value.value;
  };
  scope.version = take(K.scopeVersion);
  scope.name = take(K.scopeName);
  return scope;
}

function spanIn(s: OcSpan, at: string, full: boolean): { span: Span; scope: InstrumentationScope } {
  const m = new Marks();
  const traceId = requiredId(s.traceId, 16, `${at}.trace_id`) as TraceId;
  const spanId = requiredId(s.spanId, 8, `${at}.span_id`) as SpanId;
  let parentSpanId = NO_SPAN_ID;
  if (s.parentSpanId.length !== 0 && s.parentSpanId.length !== 8) {
    throw new InvalidInputError(`${at}.parent_span_id: must be empty or 8 bytes, got ${s.parentSpanId.length}`);
  }
  if (s.parentSpanId.some((x) => x !== 0)) parentSpanId = hex(s.parentSpanId) as SpanId;
  else if (s.parentSpanId.length === 8) m.presence('parent_span_id', true, false);

  const traceState = tracestateIn(s.tracestate, m, full);
  const name = truncatableIn(s.name, 'name', m);
  const startTimeUnixNano = timeIn(s.startTime, K.startTime, m);
  const endTimeUnixNano = timeIn(s.endTime, K.endTime, m);
  const { user, dropped } = attributesIn(s.attributes, m, full);

  let kind: SpanKind = s.kind === 1 ? SpanKind.SERVER : s.kind === 2 ? SpanKind.CLIENT : SpanKind.UNSPECIFIED;
  if (s.kind !== 0 && kind === SpanKind.UNSPECIFIED) m.add(K.spanKind, int(s.kind));
  const named = user.findIndex((a) => a.key === K.spanKindName);
  const v = s.attributes?.attributeMap[named]?.value;
  if (s.kind === 0 && v?.kind === 'string' && !v.value.truncatedByteCount) {
    kind = (numberOf(KIND_NAMES, v.value.value) as SpanKind | undefined) ?? kind;
    if (kind !== SpanKind.UNSPECIFIED && named === user.length - 1) user.pop();
  }
  const scope = scopeIn(user, s.attributes);

  if (s.stackTrace !== undefined) m.add(K.stackTrace, stackTraceValue(s.stackTrace));
  if (s.sameProcessAsParentSpan !== undefined) m.add(K.sameProcessAsParentSpan, { kind: 'bool', value: s.sameProcessAsParentSpan });
  if (s.childSpanCount !== undefined) m.add(K.childSpanCount, int(BigInt(s.childSpanCount >>> 0)));

  let status = { code: StatusCode.UNSET as StatusCode, message: '' };
  if (s.status !== undefined) status = { code: s.status.code === 0 ? StatusCode.OK : StatusCode.ERROR, message: s.status.message };
  if (s.status !== undefined && s.status.code !== 0 && s.status.code !== 2) m.add(K.statusCode, int(s.status.code));

  const te = s.timeEvents;
  const droppedMessages = te?.droppedMessageEventsCount ?? 0;
  if (droppedMessages !== 0) m.add(K.droppedMessageEventsCount, int(droppedMessages));
  const droppedEventsCount = ((te?.droppedAnnotationsCount ?? 0) + (droppedMessages >>> 0)) >>> 0;
  if (te === undefined || (te.timeEvent.length === 0 && droppedEventsCount === 0 && droppedMessages === 0)) m.presence('time_events', te !== undefined, full);

  const links = s.links;
  if (links === undefined || (links.link.length === 0 && links.droppedLinksCount === 0)) m.presence('links', links !== undefined, full);

  const span: Span = {
    traceId,
    spanId,
    traceState,
    parentSpanId,
    flags: 0,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes: m.finish(user),
    droppedAttributesCount: dropped,
    events: (te?.timeEvent ?? []).map((e) => eventIn(e, full)),
    droppedEventsCount,
    links: (links?.link ?? []).map((l, j) => linkIn(l, `${at}.links.link[${j}]`, full)),
    droppedLinksCount: (links?.droppedLinksCount ?? 0) >>> 0,
    status,
  };
  return { span, scope };
}

function spanOut(s: Span, scope: InstrumentationScope, full: boolean): OcSpan {
  const r = new Read(s.attributes);
  const user = r.user.slice();
  if (scope.name !== '') user.push(kv(K.scopeName, str(scope.name)));
  if (scope.version !== '') user.push(kv(K.scopeVersion, str(scope.version)));
  let kind = s.kind === SpanKind.SERVER ? 1 : s.kind === SpanKind.CLIENT ? 2 : (r.int32(K.spanKind) ?? 0);
  const kindName = KIND_NAMES.get(s.kind);
  if (kindName !== undefined) {
    kind = 0;
    const named = user.findIndex((a) => a.key === K.spanKindName);
    if (named < 0) user.push(kv(K.spanKindName, str(kindName)));
    else user[named] = kv(K.spanKindName, str(kindName));
  }

  const droppedMessages = r.int32(K.droppedMessageEventsCount) ?? 0;
  const droppedAnnotations = ((s.droppedEventsCount - (droppedMessages >>> 0)) >>> 0) | 0;
  const hasEvents = s.events.length > 0 || s.droppedEventsCount !== 0 || droppedMessages !== 0;
  const hasLinks = s.links.length > 0 || s.droppedLinksCount !== 0;
  const code = s.status.code === StatusCode.OK ? 0 : (r.int32(K.statusCode) ?? 2);
  const same = r.get(K.sameProcessAsParentSpan);
  const children = r.get(K.childSpanCount);
  return {
    traceId: bytes(s.traceId),
    spanId: bytes(s.spanId),
    tracestate: tracestateOut(s.traceState, r, full),
    parentSpanId: s.parentSpanId !== NO_SPAN_ID ? bytes(s.parentSpanId) : new Uint8Array(r.sent('parent_span_id', false) ? 8 : 0),
    name: truncatableOut(s.name, r, 'name'),
    kind,
    startTime: timeOut(s.startTimeUnixNano, r, K.startTime),
    endTime: timeOut(s.endTimeUnixNano, r, K.endTime),
    attributes: attributesOut(user, r, s.droppedAttributesCount, full),
    stackTrace: stackTraceOut(r.get(K.stackTrace)),
    timeEvents:
      hasEvents || r.sent('time_events', full)
        ? { timeEvent: s.events.map((e) => eventOut(e, full)), droppedAnnotationsCount: droppedAnnotations, droppedMessageEventsCount: droppedMessages }
        : undefined,
    links: hasLinks || r.sent('links', full) ? { link: s.links.map((l) => linkOut(l, full)), droppedLinksCount: s.droppedLinksCount | 0 } : undefined,
    status: s.status.code === StatusCode.UNSET ? undefined : { code, message: s.status.message },
    resource: undefined,
    sameProcessAsParentSpan: same?.kind === 'bool' ? same.value : undefined,
    childSpanCount: children?.kind === 'int' && BigInt.asUintN(32, children.value) === children.value ? Number(children.value) : undefined,
  };
}

// ---- requests ----

const resourceKey = (r: OcResource | undefined): string =>
  r === undefined ? '' : JSON.stringify([r.type, r.labels.map((e) => [e.key, e.value])]);

export function tracesFromOc(request: OcExportTraceRequest): Traces {
  const full = sendsEmpty(ocLanguageOf(request.node));
  const groups = new Map<string, ResourceSpans>();
  const groupOf = (resource: OcResource | undefined): ResourceSpans => {
    const key = resourceKey(resource);
    let rs = groups.get(key);
    if (rs === undefined) {
      rs = { resource: resourceFromOc(request.node, resource), scopeSpans: [], schemaUrl: '' };
      groups.set(key, rs);
    }
    return rs;
  };
  // The request's own group comes first whenever it is used, or when there are no spans.
  if (request.spans.length === 0 || request.spans.some((s) => s.resource === undefined)) groupOf(request.resource);
  request.spans.forEach((s, i) => {
    const { span, scope } = spanIn(s, `spans[${i}]`, full);
    const rs = groupOf(s.resource ?? request.resource);
    // A new ScopeSpans whenever the scope changes, so that spans keep their order out again.
    const last = rs.scopeSpans.at(-1);
    if (last !== undefined && last.scope.name === scope.name && last.scope.version === scope.version) last.spans.push(span);
    else rs.scopeSpans.push({ scope, spans: [span], schemaUrl: '' });
  });
  for (const rs of groups.values()) if (rs.scopeSpans.length === 0) rs.scopeSpans.push({ scope: emptyScope(), spans: [], schemaUrl: '' });
  return { resourceSpans: [...groups.values()] };
}

export function tracesToOc(traces: Traces): OcExportTraceRequest[] {
  return traces.resourceSpans.map((rs) => {
    const { node, resource } = resourceToOc(rs.resource);
    const full = sendsEmpty(ocLanguageOf(node));
    const spans = rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => spanOut(s, ss.scope, full)));
    return { node, spans, resource };
  });
}
