// OTLP/JSON traces (the body of POST /v1/traces with application/json) <-> the
// model. See json-common.ts for the mapping. Decoding throws only
// InvalidInputError.
import type { ResourceSpans, ScopeSpans, Span, SpanId, SpanKind, StatusCode, TraceId, Traces } from '../../model/index.js';
import {
  array,
  attributesFromJson,
  attributesToJson,
  enumValue,
  int32,
  int64,
  object,
  optionalId,
  parseJson,
  put,
  putInt64,
  requiredId,
  resourceFromJson,
  resourceToJson,
  rootObject,
  scopeFromJson,
  scopeToJson,
  string,
  type JsonObject,
} from './json-common.js';
import { mapLocated } from './located-error.js';

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

export function decodeTracesJson(text: string | Uint8Array): Traces {
  const root = rootObject(parseJson(text));
  return { resourceSpans: mapLocated(array(root.resourceSpans, 'resourceSpans'), 'resource', resourceSpansFromJson) };
}

function resourceSpansFromJson(v: unknown): ResourceSpans {
  const rs = object(v, 'resourceSpans item') ?? {};
  const scopeSpans = mapLocated(array(rs.scopeSpans, 'scopeSpans'), 'scope', (item): ScopeSpans => {
    const ss = object(item, 'scopeSpans item') ?? {};
    const spans = mapLocated(array(ss.spans, 'spans'), 'span', spanFromJson);
    return { scope: scopeFromJson(ss.scope), spans, schemaUrl: string(ss.schemaUrl, 'schemaUrl') };
  });
  return { resource: resourceFromJson(rs.resource), scopeSpans, schemaUrl: string(rs.schemaUrl, 'schemaUrl') };
}

function spanFromJson(v: unknown): Span {
  const o = object(v, 'span') ?? {};
  const traceId = requiredId(o.traceId, 16, 'trace ID') as TraceId;
  const spanId = requiredId(o.spanId, 8, 'span ID') as SpanId;
  const events = array(o.events, 'events').map((ev, i) => {
    const e = object(ev, `event ${i}`) ?? {};
    return {
      timeUnixNano: int64(e.timeUnixNano, `event ${i} timeUnixNano`, true),
      name: string(e.name, `event ${i} name`),
      attributes: attributesFromJson(e.attributes),
      droppedAttributesCount: int32(e.droppedAttributesCount, `event ${i} droppedAttributesCount`, true),
    };
  });
  const links = array(o.links, 'links').map((lv, i) => {
    const l = object(lv, `link ${i}`) ?? {};
    return {
      traceId: requiredId(l.traceId, 16, `link ${i} trace ID`) as TraceId,
      spanId: requiredId(l.spanId, 8, `link ${i} span ID`) as SpanId,
      traceState: string(l.traceState, `link ${i} traceState`),
      attributes: attributesFromJson(l.attributes),
      droppedAttributesCount: int32(l.droppedAttributesCount, `link ${i} droppedAttributesCount`, true),
      flags: int32(l.flags, `link ${i} flags`, true),
    };
  });
  const st = object(o.status, 'status');
  return {
    traceId,
    spanId,
    traceState: string(o.traceState, 'traceState'),
    parentSpanId: optionalId(o.parentSpanId, 8, 'parent span ID') as SpanId,
    flags: int32(o.flags, 'flags', true),
    name: string(o.name, 'name'),
    kind: enumValue(o.kind, SPAN_KINDS, 5, 'kind') as SpanKind,
    startTimeUnixNano: int64(o.startTimeUnixNano, 'startTimeUnixNano', true),
    endTimeUnixNano: int64(o.endTimeUnixNano, 'endTimeUnixNano', true),
    attributes: attributesFromJson(o.attributes),
    droppedAttributesCount: int32(o.droppedAttributesCount, 'droppedAttributesCount', true),
    events,
    droppedEventsCount: int32(o.droppedEventsCount, 'droppedEventsCount', true),
    links,
    droppedLinksCount: int32(o.droppedLinksCount, 'droppedLinksCount', true),
    status:
      st === undefined
        ? { code: 0, message: '' }
        : {
            code: enumValue(st.code, STATUS_CODES, 2, 'status code') as StatusCode,
            message: string(st.message, 'status message'),
          },
  };
}

// ---- encoding ----

export function encodeTracesJson(t: Traces): string {
  return JSON.stringify({
    resourceSpans: t.resourceSpans.map((rs) => {
      const out: JsonObject = {};
      put(out, 'resource', resourceToJson(rs.resource));
      out.scopeSpans = rs.scopeSpans.map((ss) => {
        const o: JsonObject = {};
        put(o, 'scope', scopeToJson(ss.scope));
        o.spans = ss.spans.map(spanToJson);
        put(o, 'schemaUrl', ss.schemaUrl);
        return o;
      });
      put(out, 'schemaUrl', rs.schemaUrl);
      return out;
    }),
  });
}

function spanToJson(s: Span): JsonObject {
  const o: JsonObject = { traceId: s.traceId, spanId: s.spanId };
  put(o, 'traceState', s.traceState);
  put(o, 'parentSpanId', s.parentSpanId);
  put(o, 'flags', s.flags);
  put(o, 'name', s.name);
  put(o, 'kind', s.kind);
  putInt64(o, 'startTimeUnixNano', s.startTimeUnixNano);
  putInt64(o, 'endTimeUnixNano', s.endTimeUnixNano);
  put(o, 'attributes', attributesToJson(s.attributes));
  put(o, 'droppedAttributesCount', s.droppedAttributesCount);
  put(
    o,
    'events',
    s.events.map((e) => {
      const eo: JsonObject = {};
      putInt64(eo, 'timeUnixNano', e.timeUnixNano);
      put(eo, 'name', e.name);
      put(eo, 'attributes', attributesToJson(e.attributes));
      put(eo, 'droppedAttributesCount', e.droppedAttributesCount);
      return eo;
    }),
  );
  put(o, 'droppedEventsCount', s.droppedEventsCount);
  put(
    o,
    'links',
    s.links.map((l) => {
      const lo: JsonObject = { traceId: l.traceId, spanId: l.spanId };
      put(lo, 'traceState', l.traceState);
      put(lo, 'attributes', attributesToJson(l.attributes));
      put(lo, 'droppedAttributesCount', l.droppedAttributesCount);
      put(lo, 'flags', l.flags);
      return lo;
    }),
  );
  put(o, 'droppedLinksCount', s.droppedLinksCount);
  if (s.status.code !== 0 || s.status.message !== '') {
    const so: JsonObject = {};
    put(so, 'message', s.status.message);
    put(so, 'code', s.status.code);
    o.status = so;
  }
  return o;
}
