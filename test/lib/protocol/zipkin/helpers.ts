// What the Zipkin codec tests share: one span decoded from v2 JSON with where
// it landed, model spans built from a template, and stable JSON of models.
import assert from 'node:assert/strict';
import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span, SpanId, TraceId, Traces } from '../../../../lib/model/index.js';
import { decodeZipkinV2Json } from '../../../../lib/protocol/zipkin/index.js';
import type { ZipkinJsonSpan } from '../../../helpers/zipkin-arbitraries.js';
import { spanOf } from '../../../helpers/trace-builder.js';

export const TRACE = '5b8efff798038103d269b633813fc60c';
export const SPAN = 'eee19b7ec3c1b174';
export const PARENT = 'eee19b7ec3c1b173';
/** 2023-11-14T22:13:20.123456Z in microseconds. */
export const T0_US = 1_700_000_000_123_456;

export const str = (value: string): AnyValue => ({ kind: 'string', value });
export const int = (value: number | bigint): AnyValue => ({ kind: 'int', value: BigInt(value) });
export const bool = (value: boolean): AnyValue => ({ kind: 'bool', value });
export const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

export function zspan(over: Partial<ZipkinJsonSpan> = {}): ZipkinJsonSpan {
  return { traceId: TRACE, id: SPAN, name: 'get /cart', timestamp: T0_US, duration: 25_000, ...over };
}

export interface Landed {
  span: Span;
  resource: Resource;
  scope: InstrumentationScope;
}

/** Every span of a decoded request with its resource and scope, in output order. */
export function landed(t: Traces): Landed[] {
  return t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource, scope: ss.scope }))));
}

/** The one span of a one-span v2 JSON request. */
export function one(span: ZipkinJsonSpan | Record<string, unknown>): Landed {
  const all = landed(decodeZipkinV2Json(JSON.stringify([span])));
  assert.equal(all.length, 1);
  return all[0]!;
}

export function modelSpan(over: Partial<Span> = {}): Span {
  return spanOf({
    traceId: TRACE as TraceId,
    spanId: SPAN as SpanId,
    name: 'get /cart',
    kind: 1,
    startTimeUnixNano: BigInt(T0_US) * 1000n,
    endTimeUnixNano: BigInt(T0_US + 25_000) * 1000n,
    ...over,
  });
}

export function tracesOf(spans: Span[], resource: KeyValue[] = [kv('service.name', str('cart'))], scope: Partial<InstrumentationScope> = {}): Traces {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, ...scope }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

/** Stable JSON for golden files: bigints as strings, bytes as hex. */
export function render(value: unknown): string {
  const json = JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v instanceof Map ? Object.fromEntries(v) : v),
    2,
  );
  return `${json}\n`;
}

/** JSON with object keys sorted, so that equal spans give equal text whatever their key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** The spans of a Zipkin JSON body in a canonical order (the translation groups them by resource and scope). */
export function sortedSpans(json: string): unknown[] {
  return (JSON.parse(json) as unknown[])
    .map((s) => [canonicalJson(s), s] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => s);
}
