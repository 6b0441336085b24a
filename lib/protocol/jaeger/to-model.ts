// Jaeger batch -> model Traces, following the OpenTelemetry specification's
// Jaeger mapping and the OpenTelemetry Collector's jaeger translator:
//
// - Resource: service.name from Process.serviceName (when not empty), then
//   the process tags as they are. One ResourceSpans per distinct process: the
//   batch's first, then each span's own (proto only), in order of appearance.
// - IDs: traceIdHigh/Low -> one 16-byte trace ID; zero trace or span IDs are
//   refused. Parent: Thrift's parentSpanId; in the proto (which has no such
//   field) the first CHILD_OF reference in the same trace, else the first
//   FOLLOWS_FROM one, as Jaeger reads it.
// - References -> links, each with opentracing.ref_type (child_of,
//   follows_from), except the CHILD_OF reference to the parent itself.
// - Tags -> attributes, in order, except the first of each that the model has
//   a field for: span.kind (client, server, producer, consumer, internal) ->
//   kind; error=true or otel.status_code (OK, ERROR, any case) -> status, with
//   otel.status_description as its message (error=true wins); w3c.tracestate
//   -> traceState; otel.scope.name/version (or the older otel.library.*) ->
//   the span's scope; otel.dropped_{attributes,events,links}_count -> counts.
//   A value of another type, an unknown kind or status, and a description
//   without a status stay attributes.
// - Flags: the sampled bit (1) is the W3C sampled flag; other bits (debug 2,
//   firehose 8) also add jaeger.flags with the whole value.
// - Logs -> events: the "event" field, when it is the only one and a
//   non-empty string, is the name; the other fields are attributes.
// - Times: start and end = start + duration must lie in [0, 2^64) ns.
//
// What the model cannot hold is refused with an InvalidInputError naming the
// span (`spans[3].traceId: ...`): these are the only errors thrown.
import { emptyScope, type AnyValue, type InstrumentationScope, type KeyValue, type Resource } from '../../model/common.js';
import { NO_SPAN_ID, type SpanId, type TraceId } from '../../model/ids.js';
import { SpanKind, StatusCode, type ResourceSpans, type Span, type SpanEvent, type SpanLink, type Traces } from '../../model/trace.js';
import { fail, guard, within } from '../decode-error.js';
import { JaegerAttr, REF_TYPE_NAMES, SPAN_KIND_NAMES } from './attributes.js';
import { JaegerRefType, type JaegerBatch, type JaegerLog, type JaegerProcess, type JaegerSpan, type JaegerTag } from './types.js';

// A local copy: under a loader that turns imports into getters, the tag loop reads these per tag.
const A = { ...JaegerAttr };
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const U64 = 2n ** 64n;
const U32 = 2n ** 32n;

const KIND_BY_NAME: ReadonlyMap<string, SpanKind> = new Map(
  SPAN_KIND_NAMES.flatMap((name, kind) => (name === '' ? [] : [[name, kind as SpanKind] as const])),
);
const REF_TYPE_VALUES: readonly AnyValue[] = REF_TYPE_NAMES.map((value) => ({ kind: 'string', value }) as const);

function traceIdOf(hex: string, field: string): TraceId {
  if (hex === ZERO_TRACE) throw fail(field, 'must not be all zeros');
  return hex as TraceId;
}

function spanIdOf(hex: string, field: string): SpanId {
  if (hex === ZERO_SPAN) throw fail(field, 'must not be all zeros');
  return hex as SpanId;
}

/** The parent as Jaeger reads it from references alone (the proto has no parent field). */
function parentFromRefs(s: JaegerSpan): string {
  let followsFrom = '';
  for (const r of s.references) {
    if (r.traceId !== s.traceId) continue;
    if (r.refType === JaegerRefType.CHILD_OF) return r.spanId;
    if (followsFrom === '') followsFrom = r.spanId;
  }
  return followsFrom;
}

function linksIn(s: JaegerSpan, parent: string): SpanLink[] {
  const links: SpanLink[] = [];
  let parentSkipped = parent === ZERO_SPAN || parent === '';
  for (let i = 0; i < s.references.length; i++) {
    const r = s.references[i]!;
    if (!parentSkipped && r.refType === JaegerRefType.CHILD_OF && r.spanId === parent && r.traceId === s.traceId) {
      parentSkipped = true;
      continue;
    }
    links.push({
      traceId: traceIdOf(r.traceId, `references[${i}].traceId`),
      spanId: spanIdOf(r.spanId, `references[${i}].spanId`),
      traceState: '',
      attributes: [{ key: A.refType, value: REF_TYPE_VALUES[r.refType]! }],
      droppedAttributesCount: 0,
      flags: 0,
    });
  }
  return links;
}

function eventIn(l: JaegerLog, i: number): SpanEvent {
  if (l.timeUnixNano < 0n || l.timeUnixNano >= U64) throw fail(`logs[${i}].timestamp`, `must be a time from 0 to 2^64 ns, got ${l.timeUnixNano} ns`);
  let named = -1;
  let events = 0;
  for (let j = 0; j < l.fields.length; j++) {
    const f = l.fields[j]!;
    if (f.key !== A.event) continue;
    events++;
    if (named < 0 && f.value.kind === 'string' && f.value.value !== '') named = j;
  }
  if (named < 0 || events !== 1) return { timeUnixNano: l.timeUnixNano, name: '', attributes: l.fields, droppedAttributesCount: 0 };
  const attributes = l.fields.slice();
  const [field] = attributes.splice(named, 1);
  return { timeUnixNano: l.timeUnixNano, name: (field!.value as { value: string }).value, attributes, droppedAttributesCount: 0 };
}

const count = (t: JaegerTag): number | undefined =>
  t.value.kind === 'int' && t.value.value >= 0n && t.value.value < U32 ? Number(t.value.value) : undefined;

function spanIn(s: JaegerSpan): { span: Span; scope: InstrumentationScope } {
  const traceId = traceIdOf(s.traceId, 'traceId');
  const spanId = spanIdOf(s.spanId, 'spanId');
  const parent = s.parentSpanId ?? parentFromRefs(s);
  const start = s.startTimeUnixNano;
  const end = start + s.durationNano;
  if (start < 0n || start >= U64) throw fail('startTime', `must be a time from 0 to 2^64 ns, got ${start} ns`);
  if (end < 0n || end >= U64) throw fail('duration', `start + duration must be a time from 0 to 2^64 ns, got ${end} ns`);

  const attributes: KeyValue[] = [];
  const scope = emptyScope();
  let kind: SpanKind = SpanKind.UNSPECIFIED;
  let kindSeen = false;
  let error = false;
  let code = '';
  let description: { at: number; tag: JaegerTag } | undefined;
  let traceState: string | undefined;
  let scopeSeen = false;
  let scopeVersionSeen = false;
  const dropped = { attributes: -1, events: -1, links: -1 };
  for (const t of s.tags) {
    const v = t.value;
    switch (t.key) {
      case A.spanKind:
        if (!kindSeen && v.kind === 'string' && KIND_BY_NAME.has(v.value)) {
          kind = KIND_BY_NAME.get(v.value)!;
          kindSeen = true;
          continue;
        }
        break;
      case A.error:
        if (!error && v.kind === 'bool' && v.value) {
          error = true;
          continue;
        }
        break;
      case A.statusCode:
        if (code === '' && v.kind === 'string' && /^(ok|error)$/i.test(v.value)) {
          code = v.value.toUpperCase();
          continue;
        }
        break;
      case A.statusDescription:
        if (description === undefined && v.kind === 'string') {
          description = { at: attributes.length, tag: t };
          continue;
        }
        break;
      case A.traceState:
        if (traceState === undefined && v.kind === 'string') {
          traceState = v.value;
          continue;
        }
        break;
      case A.scopeName:
      case A.libraryName:
        if (!scopeSeen && v.kind === 'string') {
          scope.name = v.value;
          scopeSeen = true;
          continue;
        }
        break;
      case A.scopeVersion:
      case A.libraryVersion:
        if (!scopeVersionSeen && v.kind === 'string') {
          scope.version = v.value;
          scopeVersionSeen = true;
          continue;
        }
        break;
      case A.droppedAttributesCount:
      case A.droppedEventsCount:
      case A.droppedLinksCount: {
        const which = t.key === A.droppedAttributesCount ? 'attributes' : t.key === A.droppedEventsCount ? 'events' : 'links';
        const n = count(t);
        if (dropped[which] < 0 && n !== undefined) {
          dropped[which] = n;
          continue;
        }
        break;
      }
    }
    attributes.push(t);
  }

  const status = { code: error || code === 'ERROR' ? StatusCode.ERROR : code === 'OK' ? StatusCode.OK : StatusCode.UNSET, message: '' } as Span['status'];
  if (description !== undefined) {
    if (status.code !== StatusCode.UNSET) status.message = (description.tag.value as { value: string }).value;
    else attributes.splice(description.at, 0, description.tag);
  }
  if ((s.flags & ~1) !== 0) attributes.push({ key: A.flags, value: { kind: 'int', value: BigInt(s.flags >>> 0) } });

  const events = new Array<SpanEvent>(s.logs.length);
  for (let i = 0; i < s.logs.length; i++) events[i] = eventIn(s.logs[i]!, i);

  const span: Span = {
    traceId,
    spanId,
    traceState: traceState ?? '',
    parentSpanId: parent === '' || parent === ZERO_SPAN ? NO_SPAN_ID : (parent as SpanId),
    flags: s.flags & 1,
    name: s.operationName,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    droppedAttributesCount: Math.max(0, dropped.attributes),
    events,
    droppedEventsCount: Math.max(0, dropped.events),
    links: linksIn(s, parent),
    droppedLinksCount: Math.max(0, dropped.links),
    status,
  };
  return { span, scope };
}

export function resourceFromProcess(p: JaegerProcess | undefined): Resource {
  if (p === undefined) return { attributes: [], droppedAttributesCount: 0 };
  const attributes: KeyValue[] = p.serviceName === '' ? [] : [{ key: A.serviceName, value: { kind: 'string', value: p.serviceName } }];
  for (const t of p.tags) attributes.push(t);
  return { attributes, droppedAttributesCount: 0 };
}

/** A process's identity for grouping spans that carry their own (proto only). */
function processKey(p: JaegerProcess | undefined): string {
  if (p === undefined) return '';
  const value = (t: JaegerTag) => (t.value.kind === 'bytes' ? Buffer.from(t.value.value).toString('base64') : String(t.value.value));
  return JSON.stringify([p.serviceName, ...p.tags.map((t) => [t.key, t.value.kind, value(t)])]);
}

function batchIn(batch: JaegerBatch): Traces {
  const groups = new Map<string, ResourceSpans>();
  // By object first: spans share the batch's process object, whose key is computed once.
  const byObject = new Map<JaegerProcess | undefined, ResourceSpans>();
  const groupOf = (p: JaegerProcess | undefined): ResourceSpans => {
    let rs = byObject.get(p);
    if (rs !== undefined) return rs;
    const key = processKey(p);
    rs = groups.get(key);
    if (rs === undefined) {
      rs = { resource: resourceFromProcess(p), scopeSpans: [], schemaUrl: '' };
      groups.set(key, rs);
    }
    byObject.set(p, rs);
    return rs;
  };
  // The batch's own group comes first whenever it is used, or when there are no spans.
  if (batch.spans.length === 0 || batch.spans.some((s) => s.process === undefined)) groupOf(batch.process);
  for (let i = 0; i < batch.spans.length; i++) {
    const s = batch.spans[i]!;
    let out: { span: Span; scope: InstrumentationScope };
    try {
      out = spanIn(s);
    } catch (err) {
      throw within(err, `spans[${i}]`);
    }
    const rs = groupOf(s.process ?? batch.process);
    // A new ScopeSpans whenever the scope changes, so that spans keep their order on the way out.
    const last = rs.scopeSpans.at(-1);
    if (last !== undefined && last.scope.name === out.scope.name && last.scope.version === out.scope.version) last.spans.push(out.span);
    else rs.scopeSpans.push({ scope: out.scope, spans: [out.span], schemaUrl: '' });
  }
  return { resourceSpans: [...groups.values()] };
}

/** A Jaeger batch as model Traces; throws InvalidInputError for what the model cannot hold. */
export function tracesFromJaeger(batch: JaegerBatch): Traces {
  return guard(batchIn, batch);
}
