// Model Traces -> Jaeger batches, one per ResourceSpans, following the
// OpenTelemetry specification's Jaeger exporter mapping and the
// OpenTelemetry Collector's translator; the inverse of to-model.ts:
//
// - Process: serviceName from the first service.name attribute (as text),
//   the other resource attributes as tags.
// - Tags: otel.scope.name/version first (when not empty), the span's
//   attributes, then span.kind (for any kind but UNSPECIFIED), otel.status_code
//   (OK or ERROR) with error=true for ERROR, otel.status_description (for a
//   status that is set), w3c.tracestate, and the non-zero dropped counts.
// - References: the parent first as CHILD_OF, then one per link, typed by its
//   opentracing.ref_type (child_of, else FOLLOWS_FROM); a first link to the
//   parent itself only sets the parent reference's type. Thrift also gets
//   parentSpanId.
// - Flags: the W3C sampled bit, with the other Jaeger bits jaeger.flags kept.
// - Events -> logs: a non-empty name becomes the first field, "event",
//   unless an attribute already has that key.
//
// What Jaeger cannot carry is lost: schema URLs, scope attributes, span and
// link flags beyond sampled, link trace state and attributes (other than
// opentracing.ref_type), events' dropped counts, the resource's dropped
// count, and the message of an UNSET status. Arrays and key-value lists
// become JSON text, an empty value the empty string.
import type { AnyValue, KeyValue, Resource } from '../../model/common.js';
import { NO_SPAN_ID } from '../../model/ids.js';
import { SpanKind, StatusCode, type Span, type SpanEvent, type Traces } from '../../model/trace.js';
import type { InstrumentationScope } from '../../model/common.js';
import { anyValueToString } from '../opencensus/resource.js';
import { JaegerAttr as A, SPAN_KIND_NAMES } from './attributes.js';
import { JaegerRefType, type JaegerBatch, type JaegerLog, type JaegerProcess, type JaegerSpan, type JaegerSpanRef, type JaegerTag, type JaegerValue } from './types.js';

const ZERO_SPAN = '0'.repeat(16);

function valueOut(v: AnyValue): JaegerValue {
  switch (v.kind) {
    case 'string':
    case 'bool':
    case 'double':
    case 'bytes':
      return v;
    case 'int':
      return BigInt.asIntN(64, v.value) === v.value ? v : { kind: 'int', value: BigInt.asIntN(64, v.value) };
    default:
      return { kind: 'string', value: anyValueToString(v) };
  }
}

const tagOut = (kv: KeyValue): JaegerTag => ({ key: kv.key, value: valueOut(kv.value) });
const strTag = (key: string, value: string): JaegerTag => ({ key, value: { kind: 'string', value } });
const intTag = (key: string, value: number): JaegerTag => ({ key, value: { kind: 'int', value: BigInt(value) } });

export function processFromResource(r: Resource): JaegerProcess {
  let serviceName: string | undefined;
  const tags: JaegerTag[] = [];
  for (const kv of r.attributes) {
    if (serviceName === undefined && kv.key === A.serviceName) serviceName = anyValueToString(kv.value);
    else tags.push(tagOut(kv));
  }
  return { serviceName: serviceName ?? '', tags };
}

function logOut(e: SpanEvent): JaegerLog {
  const named = e.name !== '' && !e.attributes.some((a) => a.key === A.event);
  const fields = new Array<JaegerTag>();
  if (named) fields.push(strTag(A.event, e.name));
  for (const a of e.attributes) fields.push(tagOut(a));
  return { timeUnixNano: e.timeUnixNano, fields };
}

function referencesOut(s: Span): JaegerSpanRef[] {
  const refs: JaegerSpanRef[] = [];
  const hasParent = s.parentSpanId !== NO_SPAN_ID;
  // First, because Jaeger and its clients look for the parent there.
  if (hasParent) refs.push({ refType: JaegerRefType.CHILD_OF, traceId: s.traceId, spanId: s.parentSpanId });
  for (const l of s.links) {
    const t = l.attributes.find((a) => a.key === A.refType)?.value;
    const refType = t?.kind === 'string' && t.value === 'child_of' ? JaegerRefType.CHILD_OF : JaegerRefType.FOLLOWS_FROM;
    // A first link to the parent itself (what to-model.ts makes of a FOLLOWS_FROM parent) gives its type.
    if (hasParent && refs.length === 1 && l.traceId === s.traceId && l.spanId === s.parentSpanId) {
      refs[0]!.refType = refType;
      continue;
    }
    refs.push({ refType, traceId: l.traceId, spanId: l.spanId });
  }
  return refs;
}

function spanOut(s: Span, scope: InstrumentationScope): JaegerSpan {
  const tags: JaegerTag[] = [];
  if (scope.name !== '') tags.push(strTag(A.scopeName, scope.name));
  if (scope.version !== '') tags.push(strTag(A.scopeVersion, scope.version));
  let otherFlags = 0;
  for (const a of s.attributes) {
    if (a.key === A.flags && a.value.kind === 'int' && a.value.value >= 0n && a.value.value < 2n ** 32n) otherFlags = Number(a.value.value) & ~1;
    else tags.push(tagOut(a));
  }
  if (s.kind !== SpanKind.UNSPECIFIED) tags.push(strTag(A.spanKind, SPAN_KIND_NAMES[s.kind]));
  if (s.status.code === StatusCode.OK) tags.push(strTag(A.statusCode, 'OK'));
  if (s.status.code === StatusCode.ERROR) tags.push(strTag(A.statusCode, 'ERROR'), { key: A.error, value: { kind: 'bool', value: true } });
  if (s.status.code !== StatusCode.UNSET && s.status.message !== '') tags.push(strTag(A.statusDescription, s.status.message));
  if (s.traceState !== '') tags.push(strTag(A.traceState, s.traceState));
  if (s.droppedAttributesCount !== 0) tags.push(intTag(A.droppedAttributesCount, s.droppedAttributesCount));
  if (s.droppedEventsCount !== 0) tags.push(intTag(A.droppedEventsCount, s.droppedEventsCount));
  if (s.droppedLinksCount !== 0) tags.push(intTag(A.droppedLinksCount, s.droppedLinksCount));
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId === NO_SPAN_ID ? ZERO_SPAN : s.parentSpanId,
    operationName: s.name,
    references: referencesOut(s),
    flags: ((s.flags & 1) | otherFlags) >>> 0,
    startTimeUnixNano: s.startTimeUnixNano,
    durationNano: s.endTimeUnixNano - s.startTimeUnixNano,
    tags,
    logs: s.events.map(logOut),
    process: undefined,
  };
}

/** One Jaeger batch per ResourceSpans (also those without spans; a sender may skip them). */
export function tracesToJaeger(traces: Traces): JaegerBatch[] {
  return traces.resourceSpans.map((rs) => ({
    process: processFromResource(rs.resource),
    spans: rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => spanOut(s, ss.scope))),
  }));
}
