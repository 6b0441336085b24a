// Small traces for policy tests, written as data: a trace is a resource and
// spans with only the fields a test cares about. Numbers become int
// attributes when whole and double attributes otherwise (dbl() forces a
// double); a span is the root unless `child` is set.
import { randomBytes } from 'node:crypto';
import type { AnyValue, KeyValue, Span, SpanId, TraceId, Traces } from '../../lib/model/index.js';
import { SpanKind, StatusCode } from '../../lib/model/trace.js';
import { encodeTracesProto } from '../../lib/protocol/otlp/index.js';
import type { TraceView } from '../../sampler/policies/index.js';

const T0_NS = 1_700_000_000_000_000_000n;

export type AttrValue = string | number | bigint | boolean | { double: number };
export const dbl = (double: number): AttrValue => ({ double });

export interface SpanSpec {
  name?: string;
  child?: boolean;
  startMs?: number;
  durationMs?: number;
  attrs?: Record<string, AttrValue>;
  status?: keyof typeof StatusCode;
  traceState?: string;
  flags?: number;
}

export interface TraceSpec {
  id?: TraceId;
  resource?: Record<string, AttrValue>;
  spans?: SpanSpec[];
  /** More resources, each with its own spans. */
  more?: { resource?: Record<string, AttrValue>; spans: SpanSpec[] }[];
}

export function randomTraceId(): TraceId {
  return randomBytes(16).toString('hex') as TraceId;
}

function value(v: AttrValue): AnyValue {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (typeof v === 'bigint') return { kind: 'int', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: BigInt(v) } : { kind: 'double', value: v };
  return { kind: 'double', value: v.double };
}

const attributes = (a: Record<string, AttrValue> = {}): KeyValue[] => Object.entries(a).map(([key, v]) => ({ key, value: value(v) }));

/**
 * A span with `over`'s fields and the rest empty: a root named 'op', internal,
 * one millisecond from T0, no trace state, flags, attributes, events or links,
 * status unset. Tests write only the fields they are about.
 */
export function spanOf(over: Partial<Span> & Pick<Span, 'traceId' | 'spanId'>): Span {
  return {
    traceState: '',
    parentSpanId: '' as SpanId,
    flags: 0,
    name: 'op',
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: T0_NS,
    endTimeUnixNano: T0_NS + 1_000_000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
    ...over,
  };
}

let spanCounter = 0;
function span(traceId: TraceId, s: SpanSpec): Span {
  const start = T0_NS + BigInt(Math.round((s.startMs ?? 0) * 1_000_000));
  return spanOf({
    traceId,
    spanId: (++spanCounter).toString(16).padStart(16, '0') as SpanId,
    traceState: s.traceState ?? '',
    parentSpanId: (s.child ? 'f'.repeat(16) : '') as SpanId,
    flags: s.flags ?? 0,
    name: s.name ?? 'op',
    kind: SpanKind.SERVER,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round((s.durationMs ?? 1) * 1_000_000)),
    attributes: attributes(s.attrs),
    status: { code: StatusCode[s.status ?? 'UNSET'], message: '' },
  });
}

export function buildTrace(spec: TraceSpec = {}): Traces {
  const id = spec.id ?? randomTraceId();
  const groups = [{ resource: spec.resource, spans: spec.spans ?? [{}] }, ...(spec.more ?? [])];
  return {
    resourceSpans: groups.map((g) => ({
      resource: { attributes: attributes(g.resource), droppedAttributesCount: 0 },
      scopeSpans: [{ scope: { name: 'test', version: '', attributes: [], droppedAttributesCount: 0 }, spans: g.spans.map((s) => span(id, s)), schemaUrl: '' }],
      schemaUrl: '',
    })),
  };
}

/** The trace as policies see it. */
export function viewOf(traces: Traces): TraceView {
  const first = traces.resourceSpans[0]?.scopeSpans[0]?.spans[0];
  let spanCount = 0;
  for (const rs of traces.resourceSpans) for (const ss of rs.scopeSpans) spanCount += ss.spans.length;
  return { traceId: (first?.traceId ?? randomTraceId()) as TraceId, resourceSpans: traces.resourceSpans, spanCount, bytes: encodeTracesProto(traces).length };
}

export const view = (spec: TraceSpec = {}): TraceView => viewOf(buildTrace(spec));
