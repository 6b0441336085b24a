// OpenCensus spans in JSON (Span and everything under it) <-> the plain
// messages of types.ts. Field names are read in lowerCamelCase or snake_case
// and written in lowerCamelCase; see json-common.ts for the value mapping.
import {
  OcLinkType,
  OcMessageEventType,
  OcSpanKind,
  type OcAttributes,
  type OcAttributeValue,
  type OcLink,
  type OcSpan,
  type OcStackFrame,
  type OcStackTrace,
  type OcTimeEvent,
  type OcTimeEvents,
  type OcTracestate,
  type OcTruncatableString,
} from './types.js';
import {
  asObject,
  bool,
  bytes,
  bytesJ,
  double,
  doubleToJson,
  enumJ,
  enumOf,
  int32,
  int64,
  int64J,
  list,
  listJ,
  mapEntries,
  mapToJson,
  numJ,
  obj,
  oneof,
  resourceFromJson,
  resourceToJson,
  str,
  strJ,
  sub,
  time,
  timeToJson,
  uint32,
  uint64,
  wrapper,
  type JsonObject,
} from './json-common.js';
import { atField } from '../decode-error.js';

// ---- decoding ----

const truncFromJson = (o: JsonObject): OcTruncatableString => ({
  value: str(o, 'value'),
  truncatedByteCount: int32(o, 'truncatedByteCount', 'truncated_byte_count'),
});

function tracestateFromJson(o: JsonObject): OcTracestate {
  return { entries: list(o, (e) => ({ key: str(e, 'key'), value: str(e, 'value') }), 'entries') };
}

const ATTRIBUTE_VALUE = [
  ['stringValue', 'string_value'],
  ['intValue', 'int_value'],
  ['boolValue', 'bool_value'],
  ['doubleValue', 'double_value'],
] as const;

function attributeValueFromJson(v: unknown): OcAttributeValue {
  if (v === undefined || v === null) return { kind: 'unset' };
  const o = asObject(v);
  switch (oneof(o, 'value', ATTRIBUTE_VALUE)) {
    case 0:
      return { kind: 'string', value: atField('stringValue', truncFromJson, obj(o, 'stringValue', 'string_value')!) };
    case 1:
      return { kind: 'int', value: int64(o, 'intValue', 'int_value') };
    case 2:
      return { kind: 'bool', value: bool(o, 'boolValue', 'bool_value') };
    case 3:
      return { kind: 'double', value: double(o, 'doubleValue', 'double_value') };
    default:
      return { kind: 'unset' };
  }
}

function attributesFromJson(o: JsonObject): OcAttributes {
  return {
    attributeMap: mapEntries(o, attributeValueFromJson, 'attributeMap', 'attribute_map'),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'dropped_attributes_count'),
  };
}

function stackFrameFromJson(o: JsonObject): OcStackFrame {
  return {
    functionName: sub(o, truncFromJson, 'functionName', 'function_name'),
    originalFunctionName: sub(o, truncFromJson, 'originalFunctionName', 'original_function_name'),
    fileName: sub(o, truncFromJson, 'fileName', 'file_name'),
    lineNumber: int64(o, 'lineNumber', 'line_number'),
    columnNumber: int64(o, 'columnNumber', 'column_number'),
    loadModule: sub(
      o,
      (m) => ({ module: sub(m, truncFromJson, 'module'), buildId: sub(m, truncFromJson, 'buildId', 'build_id') }),
      'loadModule',
      'load_module',
    ),
    sourceVersion: sub(o, truncFromJson, 'sourceVersion', 'source_version'),
  };
}

function stackTraceFromJson(o: JsonObject): OcStackTrace {
  return {
    stackFrames: sub(
      o,
      (f) => ({
        frame: list(f, stackFrameFromJson, 'frame'),
        droppedFramesCount: int32(f, 'droppedFramesCount', 'dropped_frames_count'),
      }),
      'stackFrames',
      'stack_frames',
    ),
    stackTraceHashId: uint64(o, 'stackTraceHashId', 'stack_trace_hash_id'),
  };
}

const TIME_EVENT_VALUE = [['annotation'], ['messageEvent', 'message_event']] as const;

function timeEventFromJson(o: JsonObject): OcTimeEvent {
  const which = oneof(o, 'value', TIME_EVENT_VALUE);
  return {
    time: time(o, 'time'),
    annotation:
      which === 0
        ? sub(o, (a) => ({ description: sub(a, truncFromJson, 'description'), attributes: sub(a, attributesFromJson, 'attributes') }), 'annotation')
        : undefined,
    messageEvent:
      which === 1
        ? sub(
            o,
            (m) => ({
              type: enumOf(m, OcMessageEventType, 'type'),
              id: uint64(m, 'id'),
              uncompressedSize: uint64(m, 'uncompressedSize', 'uncompressed_size'),
              compressedSize: uint64(m, 'compressedSize', 'compressed_size'),
            }),
            'messageEvent',
            'message_event',
          )
        : undefined,
  };
}

function timeEventsFromJson(o: JsonObject): OcTimeEvents {
  return {
    timeEvent: list(o, timeEventFromJson, 'timeEvent', 'time_event'),
    droppedAnnotationsCount: int32(o, 'droppedAnnotationsCount', 'dropped_annotations_count'),
    droppedMessageEventsCount: int32(o, 'droppedMessageEventsCount', 'dropped_message_events_count'),
  };
}

function linkFromJson(o: JsonObject): OcLink {
  return {
    traceId: bytes(o, 'traceId', 'trace_id'),
    spanId: bytes(o, 'spanId', 'span_id'),
    type: enumOf(o, OcLinkType, 'type'),
    attributes: sub(o, attributesFromJson, 'attributes'),
    tracestate: sub(o, tracestateFromJson, 'tracestate'),
  };
}

export function spanFromJson(o: JsonObject): OcSpan {
  return {
    traceId: bytes(o, 'traceId', 'trace_id'),
    spanId: bytes(o, 'spanId', 'span_id'),
    tracestate: sub(o, tracestateFromJson, 'tracestate'),
    parentSpanId: bytes(o, 'parentSpanId', 'parent_span_id'),
    name: sub(o, truncFromJson, 'name'),
    kind: enumOf(o, OcSpanKind, 'kind'),
    startTime: time(o, 'startTime', 'start_time'),
    endTime: time(o, 'endTime', 'end_time'),
    attributes: sub(o, attributesFromJson, 'attributes'),
    stackTrace: sub(o, stackTraceFromJson, 'stackTrace', 'stack_trace'),
    timeEvents: sub(o, timeEventsFromJson, 'timeEvents', 'time_events'),
    links: sub(
      o,
      (l) => ({ link: list(l, linkFromJson, 'link'), droppedLinksCount: int32(l, 'droppedLinksCount', 'dropped_links_count') }),
      'links',
    ),
    status: sub(o, (s) => ({ code: int32(s, 'code'), message: str(s, 'message') }), 'status'),
    resource: sub(o, resourceFromJson, 'resource'),
    sameProcessAsParentSpan: wrapper(o, bool, 'sameProcessAsParentSpan', 'same_process_as_parent_span'),
    childSpanCount: wrapper(o, uint32, 'childSpanCount', 'child_span_count'),
  };
}

// ---- encoding (canonical proto3 JSON: lowerCamelCase, defaults left out) ----

function truncToJson(t: OcTruncatableString | undefined): JsonObject | undefined {
  return t && { value: strJ(t.value), truncatedByteCount: numJ(t.truncatedByteCount) };
}

const tracestateToJson = (t: OcTracestate | undefined): JsonObject | undefined =>
  t && { entries: listJ(t.entries, (e) => ({ key: strJ(e.key), value: strJ(e.value) })) };

/** A oneof member is written even at its default, so that it stays set. */
function attributeValueToJson(v: OcAttributeValue): JsonObject {
  switch (v.kind) {
    case 'string':
      return { stringValue: truncToJson(v.value) };
    case 'int':
      return { intValue: v.value.toString() };
    case 'bool':
      return { boolValue: v.value };
    case 'double':
      return { doubleValue: doubleToJson(v.value) };
    case 'unset':
      return {};
  }
}

function attributesToJson(a: OcAttributes | undefined): JsonObject | undefined {
  return (
    a && {
      attributeMap: mapToJson(a.attributeMap, attributeValueToJson),
      droppedAttributesCount: numJ(a.droppedAttributesCount),
    }
  );
}

function stackFrameToJson(f: OcStackFrame): JsonObject {
  return {
    functionName: truncToJson(f.functionName),
    originalFunctionName: truncToJson(f.originalFunctionName),
    fileName: truncToJson(f.fileName),
    lineNumber: int64J(f.lineNumber),
    columnNumber: int64J(f.columnNumber),
    loadModule: f.loadModule && { module: truncToJson(f.loadModule.module), buildId: truncToJson(f.loadModule.buildId) },
    sourceVersion: truncToJson(f.sourceVersion),
  };
}

function timeEventToJson(e: OcTimeEvent): JsonObject {
  const { annotation: a, messageEvent: m } = e;
  return {
    time: timeToJson(e.time),
    annotation: a && { description: truncToJson(a.description), attributes: attributesToJson(a.attributes) },
    messageEvent: m && {
      type: enumJ(m.type, OcMessageEventType),
      id: int64J(m.id),
      uncompressedSize: int64J(m.uncompressedSize),
      compressedSize: int64J(m.compressedSize),
    },
  };
}

function linkToJson(l: OcLink): JsonObject {
  return {
    traceId: bytesJ(l.traceId),
    spanId: bytesJ(l.spanId),
    type: enumJ(l.type, OcLinkType),
    attributes: attributesToJson(l.attributes),
    tracestate: tracestateToJson(l.tracestate),
  };
}

export function spanToJson(s: OcSpan): JsonObject {
  const { stackTrace: st, timeEvents: te, links, status } = s;
  return {
    traceId: bytesJ(s.traceId),
    spanId: bytesJ(s.spanId),
    tracestate: tracestateToJson(s.tracestate),
    parentSpanId: bytesJ(s.parentSpanId),
    name: truncToJson(s.name),
    kind: enumJ(s.kind, OcSpanKind),
    startTime: timeToJson(s.startTime),
    endTime: timeToJson(s.endTime),
    attributes: attributesToJson(s.attributes),
    stackTrace: st && {
      stackFrames: st.stackFrames && {
        frame: listJ(st.stackFrames.frame, stackFrameToJson),
        droppedFramesCount: numJ(st.stackFrames.droppedFramesCount),
      },
      stackTraceHashId: int64J(st.stackTraceHashId),
    },
    timeEvents: te && {
      timeEvent: listJ(te.timeEvent, timeEventToJson),
      droppedAnnotationsCount: numJ(te.droppedAnnotationsCount),
      droppedMessageEventsCount: numJ(te.droppedMessageEventsCount),
    },
    links: links && { link: listJ(links.link, linkToJson), droppedLinksCount: numJ(links.droppedLinksCount) },
    status: status && { code: numJ(status.code), message: strJ(status.message) },
    resource: resourceToJson(s.resource),
    // Wrappers are written as their plain value whenever present, defaults included.
    sameProcessAsParentSpan: s.sameProcessAsParentSpan,
    childSpanCount: s.childSpanCount,
  };
}
