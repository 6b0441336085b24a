// fast-check arbitraries for VALID Zipkin v2 spans in the shape of their JSON
// (zipkin2-api.yaml): what a Zipkin client may send and what must come back
// unchanged through the model. "Valid" includes the canonical form of what
// the codec maps to model fields: no tag uses a key the translation reads
// (ZipkinAttr, resource keys, the ranked remote-endpoint keys), status tags come as the
// exporter specification writes them, 128-bit trace IDs have a non-zero high
// half (Zipkin shortens the others), IPv6 text is canonical (RFC 5952, what
// bytes read back as), and empty strings, lists and objects are left out.
import fc from 'fast-check';
import { ZipkinAttr } from '../../lib/protocol/zipkin/index.js';
import { isResourceKey } from '../../lib/protocol/zipkin/attributes.js';
import { ipv6FromBytes } from '../../lib/protocol/zipkin/ip.js';
import { textArb } from './arbitraries.js';

export interface ZipkinJsonEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

export interface ZipkinJsonSpan {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  name?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: ZipkinJsonEndpoint;
  remoteEndpoint?: ZipkinJsonEndpoint;
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
  debug?: true;
  shared?: true;
}

/** Keys that the translation maps to model fields, so a tag under them would not come back as a tag. */
export const RESERVED_TAG_KEYS: ReadonlySet<string> = new Set<string>([
  ...Object.values(ZipkinAttr),
  'server.address',
  'net.peer.name',
  'network.peer.address',
  'server.socket.domain',
  'server.socket.address',
  'net.sock.peer.name',
  'net.sock.peer.addr',
  'peer.hostname',
  'peer.address',
  'db.name',
]);

const hex = (bytes: number): fc.Arbitrary<string> =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .filter((b) => b.some((x) => x !== 0))
    .map((b) => Buffer.from(b).toString('hex'));

export const zipkinSpanIdArb = hex(8);
/** 64-bit, or 128-bit with a non-zero high half. */
export const zipkinTraceIdArb = fc.oneof(hex(8), fc.tuple(hex(8), fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([h, l]) => h + Buffer.from(l).toString('hex')));

const nonEmptyText = textArb.filter((s) => s !== '');
const ipv4Arb = fc.ipV4();
const ipv6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(ipv6FromBytes);

export const zipkinEndpointArb: fc.Arbitrary<ZipkinJsonEndpoint> = fc
  .record(
    { serviceName: nonEmptyText, ipv4: ipv4Arb, ipv6: ipv6Arb, port: fc.integer({ min: 1, max: 0xffff }) },
    { requiredKeys: [], noNullPrototype: true },
  )
  .filter((e) => Object.keys(e).length > 0);

/** Plain values, and now and then an event with attributes as the exporter specification writes it. */
const annotationValueArb = fc.oneof(
  { weight: 4, arbitrary: textArb },
  {
    weight: 1,
    arbitrary: fc
      .tuple(textArb, fc.uniqueArray(fc.tuple(textArb, fc.oneof(textArb, fc.boolean(), fc.integer())), { minLength: 1, maxLength: 3, selector: ([k]) => k }))
      .map(([name, attrs]) => `${JSON.stringify(name)}:${JSON.stringify(Object.fromEntries(attrs))}`),
  },
);

const tagKeyArb = textArb.filter((k) => !RESERVED_TAG_KEYS.has(k) && !isResourceKey(k));

/** Status and scope tags in their canonical forms, besides free tags. */
const tagsArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.uniqueArray(fc.tuple(tagKeyArb, textArb), { maxLength: 4, selector: ([k]) => k }),
    fc.oneof(
      fc.constant<[string, string][]>([]),
      fc.constant<[string, string][]>([[ZipkinAttr.STATUS_CODE, 'OK']]),
      textArb
        .filter((m) => m !== 'true' && m !== 'false')
        .map((m): [string, string][] => [
          [ZipkinAttr.STATUS_CODE, 'ERROR'],
          [ZipkinAttr.ERROR, m],
        ]),
    ),
    fc.option(nonEmptyText, { nil: undefined }),
    fc.option(nonEmptyText, { nil: undefined }),
    fc.option(nonEmptyText, { nil: undefined }),
    // What OpenTelemetry exporters copy from the resource onto every span.
    fc.subarray(['host.name', 'process.pid', 'telemetry.sdk.language']).chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), textArb)))),
  )
  .map(([free, status, scopeName, scopeVersion, traceState, resource]) => {
    const entries: [string, string][] = [...free, ...status, ...resource];
    if (scopeName !== undefined) entries.push([ZipkinAttr.SCOPE_NAME, scopeName]);
    if (scopeVersion !== undefined) entries.push([ZipkinAttr.SCOPE_VERSION, scopeVersion]);
    if (traceState !== undefined) entries.push([ZipkinAttr.TRACE_STATE, traceState]);
    return Object.fromEntries(entries);
  });

/** Microsecond times up to the year 2096; durations up to about 11 days. */
const timestampArb = fc.integer({ min: 1, max: 4_000_000_000_000_000 });
const durationArb = fc.integer({ min: 1, max: 1_000_000_000_000 });

/** Without the optional fields that came out undefined: those are absent, as in JSON. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function zipkinSpanArb(traceIds: fc.Arbitrary<string> = zipkinTraceIdArb): fc.Arbitrary<ZipkinJsonSpan> {
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
  return fc
    .record(
      {
        traceId: traceIds,
        id: zipkinSpanIdArb,
        parentId: opt(zipkinSpanIdArb),
        kind: opt(fc.constantFrom('CLIENT' as const, 'SERVER' as const, 'PRODUCER' as const, 'CONSUMER' as const)),
        name: opt(nonEmptyText),
        timestamp: opt(timestampArb),
        duration: opt(durationArb),
        localEndpoint: opt(zipkinEndpointArb),
        remoteEndpoint: opt(zipkinEndpointArb),
        annotations: opt(fc.array(fc.record({ timestamp: fc.integer({ min: 0, max: 4_000_000_000_000_000 }), value: annotationValueArb }), { minLength: 1, maxLength: 3 })),
        tags: tagsArb.map((t) => (Object.keys(t).length === 0 ? undefined : t)),
        debug: opt(fc.constant(true as const)),
        shared: opt(fc.constant(true as const)),
      },
      { noNullPrototype: true },
    )
    .filter((s) => s.parentId !== s.id)
    .map(compact);
}

/** A request body's spans: a few traces, a few services, so that grouping has work to do. */
export const zipkinSpansArb: fc.Arbitrary<ZipkinJsonSpan[]> = fc
  .uniqueArray(zipkinTraceIdArb, { minLength: 1, maxLength: 3 })
  .chain((pool) => fc.array(zipkinSpanArb(fc.constantFrom(...pool)), { maxLength: 6 }));
