// OpenCensus spans in protobuf (Span and everything under it) between
// protobufjs message objects and the plain messages of types.ts. As in
// proto.ts, decoding validates only Timestamps, locating errors by path
// (`spans[3].time_events.time_event[0].time: ...`).
import type {
  OcAttributes,
  OcAttributeValue,
  OcLink,
  OcSpan,
  OcStackFrame,
  OcStackTrace,
  OcTimeEvent,
  OcTimeEvents,
  OcTracestate,
  OcTruncatableString,
} from './types.js';
import { bigIntToLong, type LongBits } from '../otlp/int64.js';
import { atField, mapAt } from '../decode-error.js';
import {
  entriesFromPb,
  entriesToPb,
  int64FromPb,
  int64ToPb,
  num,
  resourceFromPb,
  resourceToPb,
  str,
  timeFromPb,
  timeToPb,
  uint64FromPb,
  type PbEntry,
  type PbResource,
  type PbTimestamp,
} from './proto-common.js';

interface PbTruncatable {
  value?: string;
  truncatedByteCount?: number;
}
interface PbAttributeValue {
  value?: string;
  stringValue?: PbTruncatable | null;
  intValue?: LongBits;
  boolValue?: boolean;
  doubleValue?: number;
}
interface PbAttributes {
  attributeMap?: PbEntry<PbAttributeValue>[];
  droppedAttributesCount?: number;
}
interface PbTracestate {
  entries?: PbEntry<string>[];
}
interface PbStackFrame {
  functionName?: PbTruncatable | null;
  originalFunctionName?: PbTruncatable | null;
  fileName?: PbTruncatable | null;
  lineNumber?: LongBits;
  columnNumber?: LongBits;
  loadModule?: { module?: PbTruncatable | null; buildId?: PbTruncatable | null } | null;
  sourceVersion?: PbTruncatable | null;
}
interface PbStackTrace {
  stackFrames?: { frame?: PbStackFrame[]; droppedFramesCount?: number } | null;
  stackTraceHashId?: LongBits;
}
interface PbTimeEvent {
  time?: PbTimestamp | null;
  value?: string;
  annotation?: { description?: PbTruncatable | null; attributes?: PbAttributes | null } | null;
  messageEvent?: { type?: number; id?: LongBits; uncompressedSize?: LongBits; compressedSize?: LongBits } | null;
}
interface PbTimeEvents {
  timeEvent?: PbTimeEvent[];
  droppedAnnotationsCount?: number;
  droppedMessageEventsCount?: number;
}
interface PbLink {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  type?: number;
  attributes?: PbAttributes | null;
  tracestate?: PbTracestate | null;
}
export interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  tracestate?: PbTracestate | null;
  parentSpanId?: Uint8Array;
  name?: PbTruncatable | null;
  kind?: number;
  startTime?: PbTimestamp | null;
  endTime?: PbTimestamp | null;
  attributes?: PbAttributes | null;
  stackTrace?: PbStackTrace | null;
  timeEvents?: PbTimeEvents | null;
  links?: { link?: PbLink[]; droppedLinksCount?: number } | null;
  status?: { code?: number; message?: string } | null;
  resource?: PbResource | null;
  sameProcessAsParentSpan?: { value?: boolean } | null;
  childSpanCount?: { value?: number } | null;
}
// ---- decoding ----

/** Decoded bytes are views into the request buffer: copy them out. */
function bytesFromPb(b: Uint8Array | undefined): Uint8Array {
  return b === undefined || b.length === 0 ? new Uint8Array(0) : new Uint8Array(b);
}

function truncFromPb(t: PbTruncatable | null | undefined): OcTruncatableString | undefined {
  return t == null ? undefined : { value: t.value ?? '', truncatedByteCount: t.truncatedByteCount ?? 0 };
}

function tracestateFromPb(t: PbTracestate | null | undefined): OcTracestate | undefined {
  return t == null ? undefined : { entries: entriesFromPb(t.entries) };
}

function attributeValueFromPb(v: PbAttributeValue | null | undefined): OcAttributeValue {
  switch (v?.value) {
    case 'stringValue':
      return { kind: 'string', value: truncFromPb(v.stringValue) ?? { value: '', truncatedByteCount: 0 } };
    case 'intValue':
      return { kind: 'int', value: int64FromPb(v.intValue) };
    case 'boolValue':
      return { kind: 'bool', value: v.boolValue === true };
    case 'doubleValue':
      return { kind: 'double', value: v.doubleValue ?? 0 };
    default:
      return { kind: 'unset' };
  }
}

function attributesFromPb(a: PbAttributes | null | undefined): OcAttributes | undefined {
  if (a == null) return undefined;
  const map = a.attributeMap ?? [];
  const attributeMap = new Array<OcAttributes['attributeMap'][number]>(map.length);
  for (let i = 0; i < map.length; i++) {
    const e = map[i]!;
    attributeMap[i] = { key: e.key ?? '', value: attributeValueFromPb(e.value) };
  }
  return { attributeMap, droppedAttributesCount: a.droppedAttributesCount ?? 0 };
}

function stackFrameFromPb(f: PbStackFrame): OcStackFrame {
  const m = f.loadModule;
  return {
    functionName: truncFromPb(f.functionName),
    originalFunctionName: truncFromPb(f.originalFunctionName),
    fileName: truncFromPb(f.fileName),
    lineNumber: int64FromPb(f.lineNumber),
    columnNumber: int64FromPb(f.columnNumber),
    loadModule: m == null ? undefined : { module: truncFromPb(m.module), buildId: truncFromPb(m.buildId) },
    sourceVersion: truncFromPb(f.sourceVersion),
  };
}

function stackTraceFromPb(s: PbStackTrace | null | undefined): OcStackTrace | undefined {
  if (s == null) return undefined;
  const sf = s.stackFrames;
  return {
    stackFrames:
      sf == null ? undefined : { frame: (sf.frame ?? []).map(stackFrameFromPb), droppedFramesCount: sf.droppedFramesCount ?? 0 },
    stackTraceHashId: uint64FromPb(s.stackTraceHashId),
  };
}

function timeEventFromPb(e: PbTimeEvent): OcTimeEvent {
  const a = e.value === 'annotation' ? e.annotation : undefined;
  const m = e.value === 'messageEvent' ? e.messageEvent : undefined;
  return {
    time: timeFromPb(e.time, 'time'),
    annotation: a == null ? undefined : { description: truncFromPb(a.description), attributes: attributesFromPb(a.attributes) },
    messageEvent:
      m == null
        ? undefined
        : {
            type: m.type ?? 0,
            id: uint64FromPb(m.id),
            uncompressedSize: uint64FromPb(m.uncompressedSize),
            compressedSize: uint64FromPb(m.compressedSize),
          },
  };
}

function timeEventsFromPb(t: PbTimeEvents): OcTimeEvents {
  return {
    timeEvent: mapAt(t.timeEvent ?? [], 'time_event', timeEventFromPb),
    droppedAnnotationsCount: t.droppedAnnotationsCount ?? 0,
    droppedMessageEventsCount: t.droppedMessageEventsCount ?? 0,
  };
}

function linkFromPb(l: PbLink): OcLink {
  return {
    traceId: bytesFromPb(l.traceId),
    spanId: bytesFromPb(l.spanId),
    type: l.type ?? 0,
    attributes: attributesFromPb(l.attributes),
    tracestate: tracestateFromPb(l.tracestate),
  };
}

export function spanFromPb(p: PbSpan): OcSpan {
  const links = p.links;
  const status = p.status;
  return {
    traceId: bytesFromPb(p.traceId),
    spanId: bytesFromPb(p.spanId),
    tracestate: tracestateFromPb(p.tracestate),
    parentSpanId: bytesFromPb(p.parentSpanId),
    name: truncFromPb(p.name),
    kind: p.kind ?? 0,
    startTime: timeFromPb(p.startTime, 'start_time'),
    endTime: timeFromPb(p.endTime, 'end_time'),
    attributes: attributesFromPb(p.attributes),
    stackTrace: stackTraceFromPb(p.stackTrace),
    timeEvents: p.timeEvents == null ? undefined : atField('time_events', timeEventsFromPb, p.timeEvents),
    links: links == null ? undefined : { link: (links.link ?? []).map(linkFromPb), droppedLinksCount: links.droppedLinksCount ?? 0 },
    status: status == null ? undefined : { code: status.code ?? 0, message: status.message ?? '' },
    resource: resourceFromPb(p.resource),
    sameProcessAsParentSpan: p.sameProcessAsParentSpan == null ? undefined : p.sameProcessAsParentSpan.value === true,
    childSpanCount: p.childSpanCount == null ? undefined : (p.childSpanCount.value ?? 0),
  };
}

// ---- encoding ----

const bytesToPb = (v: Uint8Array): Uint8Array | undefined => (v.length === 0 ? undefined : v);

function truncToPb(t: OcTruncatableString | undefined): PbTruncatable | undefined {
  return t && { value: str(t.value), truncatedByteCount: num(t.truncatedByteCount) };
}

function attributeValueToPb(v: OcAttributeValue): PbAttributeValue {
  // A oneof member is written even at its default, so that it stays set.
  switch (v.kind) {
    case 'string':
      return { stringValue: truncToPb(v.value) };
    case 'int':
      return { intValue: bigIntToLong(v.value) };
    case 'bool':
      return { boolValue: v.value };
    case 'double':
      return { doubleValue: v.value };
    case 'unset':
      return {};
  }
}

function attributesToPb(a: OcAttributes | undefined): PbAttributes | undefined {
  return (
    a && {
      attributeMap: a.attributeMap.map((e) => ({ key: str(e.key), value: attributeValueToPb(e.value) })),
      droppedAttributesCount: num(a.droppedAttributesCount),
    }
  );
}

const tracestateToPb = (t: OcTracestate | undefined): PbTracestate | undefined => t && { entries: entriesToPb(t.entries) };

function stackFrameToPb(f: OcStackFrame): PbStackFrame {
  return {
    functionName: truncToPb(f.functionName),
    originalFunctionName: truncToPb(f.originalFunctionName),
    fileName: truncToPb(f.fileName),
    lineNumber: int64ToPb(f.lineNumber),
    columnNumber: int64ToPb(f.columnNumber),
    loadModule: f.loadModule && { module: truncToPb(f.loadModule.module), buildId: truncToPb(f.loadModule.buildId) },
    sourceVersion: truncToPb(f.sourceVersion),
  };
}

function timeEventToPb(e: OcTimeEvent): PbTimeEvent {
  const { annotation: a, messageEvent: m } = e;
  return {
    time: timeToPb(e.time),
    annotation: a && { description: truncToPb(a.description), attributes: attributesToPb(a.attributes) },
    messageEvent: m && {
      type: num(m.type),
      id: int64ToPb(m.id),
      uncompressedSize: int64ToPb(m.uncompressedSize),
      compressedSize: int64ToPb(m.compressedSize),
    },
  };
}

function linkToPb(l: OcLink): PbLink {
  return {
    traceId: bytesToPb(l.traceId),
    spanId: bytesToPb(l.spanId),
    type: num(l.type),
    attributes: attributesToPb(l.attributes),
    tracestate: tracestateToPb(l.tracestate),
  };
}

export function spanToPb(s: OcSpan): PbSpan {
  const { stackTrace: st, timeEvents: te, links, status } = s;
  return {
    traceId: bytesToPb(s.traceId),
    spanId: bytesToPb(s.spanId),
    tracestate: tracestateToPb(s.tracestate),
    parentSpanId: bytesToPb(s.parentSpanId),
    name: truncToPb(s.name),
    kind: num(s.kind),
    startTime: timeToPb(s.startTime),
    endTime: timeToPb(s.endTime),
    attributes: attributesToPb(s.attributes),
    stackTrace: st && {
      stackFrames: st.stackFrames && {
        frame: st.stackFrames.frame.map(stackFrameToPb),
        droppedFramesCount: num(st.stackFrames.droppedFramesCount),
      },
      stackTraceHashId: int64ToPb(st.stackTraceHashId),
    },
    timeEvents: te && {
      timeEvent: te.timeEvent.map(timeEventToPb),
      droppedAnnotationsCount: num(te.droppedAnnotationsCount),
      droppedMessageEventsCount: num(te.droppedMessageEventsCount),
    },
    links: links && { link: links.link.map(linkToPb), droppedLinksCount: num(links.droppedLinksCount) },
    status: status && { code: num(status.code), message: str(status.message) },
    resource: resourceToPb(s.resource),
    // A present wrapper is written even when it holds its default.
    sameProcessAsParentSpan: s.sameProcessAsParentSpan === undefined ? undefined : { value: s.sameProcessAsParentSpan || undefined },
    childSpanCount: s.childSpanCount === undefined ? undefined : { value: num(s.childSpanCount) },
  };
}

