// OTLP traces in protobuf (ExportTraceServiceRequest, which is TracesData on
// the wire) <-> the model. Decoding throws only InvalidInputError.
import type {
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanId,
  SpanKind,
  SpanLink,
  StatusCode,
  TraceId,
  Traces,
} from '../../model/index.js';
import { bigIntToLong, longToBigInt, type LongBits } from './int64.js';
import { mapLocated } from './located-error.js';
import {
  attributesFromPb,
  attributesToPb,
  idBytes,
  optionalIdHex,
  resourceFromPb,
  resourceToPb,
  scopeFromPb,
  scopeToPb,
  spanIdHex,
  traceIdHex,
  type PbKeyValue,
  type PbResource,
  type PbScope,
} from './proto-common.js';
import { decodeMessage } from './proto-decode.js';
import { TraceRequestType } from './proto-root.js';

interface PbEvent {
  timeUnixNano?: LongBits;
  name?: string;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
}
interface PbLink {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: LongBits;
  endTimeUnixNano?: LongBits;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
  events?: PbEvent[];
  droppedEventsCount?: number;
  links?: PbLink[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number } | null;
}
interface PbScopeSpans {
  scope?: PbScope | null;
  spans?: PbSpan[];
  schemaUrl?: string;
}
interface PbResourceSpans {
  resource?: PbResource | null;
  scopeSpans?: PbScopeSpans[];
  schemaUrl?: string;
}
interface PbTraces {
  resourceSpans?: PbResourceSpans[];
}

const ZERO = 0n;
const time = (l: LongBits | undefined): bigint => (l === undefined ? ZERO : longToBigInt(l, true));

/** Unknown values (from a newer protocol) read as UNSPECIFIED / UNSET. */
const spanKind = (k: number | undefined): SpanKind => (k !== undefined && k >= 0 && k <= 5 ? (k as SpanKind) : 0);
const statusCode = (c: number | undefined): StatusCode => (c === 1 || c === 2 ? c : 0);

export function decodeTracesProto(buf: Uint8Array): Traces {
  const msg = decodeMessage(TraceRequestType, buf) as PbTraces;
  return { resourceSpans: mapLocated(msg.resourceSpans ?? [], 'resource', resourceSpansFromPb) };
}

function resourceSpansFromPb(rs: PbResourceSpans): ResourceSpans {
  const scopeSpans = mapLocated(rs.scopeSpans ?? [], 'scope', (ss): ScopeSpans => ({
    scope: scopeFromPb(ss.scope),
    spans: mapLocated(ss.spans ?? [], 'span', spanFromPb),
    schemaUrl: ss.schemaUrl ?? '',
  }));
  return { resource: resourceFromPb(rs.resource), scopeSpans, schemaUrl: rs.schemaUrl ?? '' };
}

function spanFromPb(p: PbSpan): Span {
  const traceId = traceIdHex(p.traceId, 'trace ID') as TraceId;
  const spanId = spanIdHex(p.spanId, 'span ID') as SpanId;
  const parentSpanId = optionalIdHex(p.parentSpanId, 8, 'parent span ID') as SpanId;
  const pbEvents = p.events ?? [];
  const events = new Array<SpanEvent>(pbEvents.length);
  for (let i = 0; i < pbEvents.length; i++) {
    const e = pbEvents[i]!;
    events[i] = {
      timeUnixNano: time(e.timeUnixNano),
      name: e.name ?? '',
      attributes: attributesFromPb(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    };
  }
  const pbLinks = p.links ?? [];
  const links = new Array<SpanLink>(pbLinks.length);
  for (let i = 0; i < pbLinks.length; i++) {
    const l = pbLinks[i]!;
    links[i] = {
      traceId: traceIdHex(l.traceId, `link ${i} trace ID`) as TraceId,
      spanId: spanIdHex(l.spanId, `link ${i} span ID`) as SpanId,
      traceState: l.traceState ?? '',
      attributes: attributesFromPb(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: l.flags ?? 0,
    };
  }
  const st = p.status;
  return {
    traceId,
    spanId,
    traceState: p.traceState ?? '',
    parentSpanId,
    flags: p.flags ?? 0,
    name: p.name ?? '',
    kind: spanKind(p.kind),
    startTimeUnixNano: time(p.startTimeUnixNano),
    endTimeUnixNano: time(p.endTimeUnixNano),
    attributes: attributesFromPb(p.attributes),
    droppedAttributesCount: p.droppedAttributesCount ?? 0,
    events,
    droppedEventsCount: p.droppedEventsCount ?? 0,
    links,
    droppedLinksCount: p.droppedLinksCount ?? 0,
    status: st == null ? { code: 0, message: '' } : { code: statusCode(st.code), message: st.message ?? '' },
  };
}

// ---- encoding ----

export function encodeTracesProto(t: Traces): Uint8Array {
  return TraceRequestType.encode(tracesToPb(t)).finish();
}

/** The plain object that protobufjs's encoder reads. */
function tracesToPb(t: Traces): PbTraces {
  return {
    resourceSpans: t.resourceSpans.map((rs) => ({
      resource: resourceToPb(rs.resource),
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: scopeToPb(ss.scope),
        spans: ss.spans.map(spanToPb),
        schemaUrl: ss.schemaUrl,
      })),
      schemaUrl: rs.schemaUrl,
    })),
  };
}

function spanToPb(s: Span): PbSpan {
  const out: PbSpan = {
    traceId: idBytes(s.traceId),
    spanId: idBytes(s.spanId),
    traceState: s.traceState,
    parentSpanId: idBytes(s.parentSpanId),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: bigIntToLong(s.startTimeUnixNano),
    endTimeUnixNano: bigIntToLong(s.endTimeUnixNano),
    attributes: attributesToPb(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: bigIntToLong(e.timeUnixNano),
      name: e.name,
      attributes: attributesToPb(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: idBytes(l.traceId),
      spanId: idBytes(l.spanId),
      traceState: l.traceState,
      attributes: attributesToPb(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    })),
    droppedLinksCount: s.droppedLinksCount,
  };
  // An unset status is left out, as the SDKs do.
  if (s.status.code !== 0 || s.status.message !== '') out.status = { code: s.status.code, message: s.status.message };
  return out;
}
