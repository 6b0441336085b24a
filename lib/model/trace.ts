// The span model: the shape of OTLP's TracesData, with identifiers and times
// normalised (see ids.ts and common.ts). Every receiver decodes into it and
// every exporter encodes from it.
import type { InstrumentationScope, KeyValue, Resource } from './common.js';
import type { SpanId, TraceId } from './ids.js';

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: TraceId;
  spanId: SpanId;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface Span {
  traceId: TraceId;
  spanId: SpanId;
  traceState: string;
  /** NO_SPAN_ID ('') for a root span. */
  parentSpanId: SpanId;
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: { code: StatusCode; message: string };
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

export interface Traces {
  resourceSpans: ResourceSpans[];
}

export function spanCount(traces: Traces): number {
  let n = 0;
  for (const rs of traces.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}
