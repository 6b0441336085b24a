// fast-check arbitraries for Jaeger batches, of two strengths:
//
// - wireBatchArb(format): anything the format can carry (zero IDs, any times,
//   any tags), for the codecs: encode then decode must give it back.
// - canonicalBatchArb(format): batches as ocsvc itself writes them, which the
//   translation must carry through the model and back unchanged: non-zero IDs;
//   the parent as the first reference (CHILD_OF, or FOLLOWS_FROM for a
//   follows-from parent) and the other references in other traces; times the
//   model holds; the tags the translation reads (scope, span.kind, status,
//   tracestate, dropped counts) only where and how from-model.ts writes them,
//   after the user's tags, whose keys are never those; an event name only as
//   a log's first field.
import fc from 'fast-check';
import { JaegerAttr } from '../../lib/protocol/jaeger/index.js';
import type { JaegerBatch, JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag, JaegerValue } from '../../lib/protocol/jaeger/index.js';
import { doubleArb, int64Arb, textArb, uint32Arb } from './arbitraries.js';

export type JaegerFormat = 'thrift' | 'proto';

function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

const hex = (bytes: number, nonZero: boolean): fc.Arbitrary<string> =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .filter((b) => !nonZero || b.some((x) => x !== 0))
    .map((b) => Buffer.from(b).toString('hex'));

export const jaegerValueArb: fc.Arbitrary<JaegerValue> = fc.oneof(
  textArb.map((value): JaegerValue => ({ kind: 'string', value })),
  doubleArb.map((value): JaegerValue => ({ kind: 'double', value })),
  fc.boolean().map((value): JaegerValue => ({ kind: 'bool', value })),
  int64Arb.map((value): JaegerValue => ({ kind: 'int', value })),
  fc.uint8Array({ maxLength: 8 }).map((value): JaegerValue => ({ kind: 'bytes', value })),
);

const tagsOf = (keys: fc.Arbitrary<string>, maxLength = 3): fc.Arbitrary<JaegerTag[]> => fc.array(rec({ key: keys, value: jaegerValueArb }), { maxLength });

/** Thrift carries whole microseconds; the proto nanoseconds. Both as ns here. */
const timeArb = (format: JaegerFormat, min: bigint, max: bigint): fc.Arbitrary<bigint> =>
  format === 'thrift' ? fc.bigInt({ min: min / 1000n, max: max / 1000n }).map((us) => us * 1000n) : fc.bigInt({ min, max });

// ---- wire ----

const I64_NS = 2n ** 63n * 1000n;
/** The proto's Timestamp and Duration reach further than Thrift's i64 µs; this is enough to exercise the sign and carries. */
const PROTO_NS = 2n ** 80n;

export function wireBatchArb(format: JaegerFormat): fc.Arbitrary<JaegerBatch> {
  const limit = format === 'thrift' ? I64_NS - 1000n : PROTO_NS;
  const processArb: fc.Arbitrary<JaegerProcess> = rec({ serviceName: textArb, tags: tagsOf(textArb) });
  const spanArb: fc.Arbitrary<JaegerSpan> = rec({
    traceId: hex(16, false),
    spanId: hex(8, false),
    parentSpanId: format === 'thrift' ? hex(8, false) : fc.constant(undefined),
    operationName: textArb,
    references: fc.array(rec<JaegerSpanRef>({ refType: fc.constantFrom(0, 1), traceId: hex(16, false), spanId: hex(8, false) }), { maxLength: 2 }),
    flags: uint32Arb,
    startTimeUnixNano: timeArb(format, -limit, limit),
    durationNano: timeArb(format, -limit, limit),
    tags: tagsOf(textArb),
    logs: fc.array(rec<JaegerLog>({ timeUnixNano: timeArb(format, -limit, limit), fields: tagsOf(textArb) }), { maxLength: 2 }),
    process: format === 'proto' ? fc.option(processArb, { nil: undefined }) : fc.constant(undefined),
  });
  return rec({
    process: format === 'thrift' ? processArb : fc.option(processArb, { nil: undefined }),
    spans: fc.array(spanArb, { maxLength: 3 }),
  });
}

// ---- canonical ----

const RESERVED: ReadonlySet<string> = new Set(Object.values(JaegerAttr));
const userKeyArb = textArb.filter((k) => !RESERVED.has(k));
const str = (key: string, value: string): JaegerTag => ({ key, value: { kind: 'string', value } });
const U64 = 2n ** 64n;

const specialsArb = fc.record({
  scopeName: fc.option(textArb.filter((s) => s !== ''), { nil: undefined }),
  scopeVersion: fc.option(textArb.filter((s) => s !== ''), { nil: undefined }),
  kind: fc.option(fc.constantFrom('internal', 'server', 'client', 'producer', 'consumer'), { nil: undefined }),
  status: fc.constantFrom(undefined, 'OK', 'ERROR'),
  description: fc.option(textArb.filter((s) => s !== ''), { nil: undefined }),
  traceState: fc.option(textArb.filter((s) => s !== ''), { nil: undefined }),
  dropped: fc.tuple(...[0, 1, 2].map(() => fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: undefined }))),
});

type Specials = typeof specialsArb extends fc.Arbitrary<infer R> ? R : never;

function canonicalTags(user: JaegerTag[], x: Specials): JaegerTag[] {
  const tags: JaegerTag[] = [];
  if (x.scopeName !== undefined) tags.push(str(JaegerAttr.scopeName, x.scopeName));
  if (x.scopeVersion !== undefined) tags.push(str(JaegerAttr.scopeVersion, x.scopeVersion));
  tags.push(...user);
  if (x.kind !== undefined) tags.push(str(JaegerAttr.spanKind, x.kind));
  if (x.status !== undefined) tags.push(str(JaegerAttr.statusCode, x.status));
  if (x.status === 'ERROR') tags.push({ key: JaegerAttr.error, value: { kind: 'bool', value: true } });
  if (x.status !== undefined && x.description !== undefined) tags.push(str(JaegerAttr.statusDescription, x.description));
  if (x.traceState !== undefined) tags.push(str(JaegerAttr.traceState, x.traceState));
  const keys = [JaegerAttr.droppedAttributesCount, JaegerAttr.droppedEventsCount, JaegerAttr.droppedLinksCount];
  x.dropped.forEach((n, i) => {
    if (n !== undefined) tags.push({ key: keys[i]!, value: { kind: 'int', value: BigInt(n) } });
  });
  return tags;
}

function canonicalLogArb(format: JaegerFormat): fc.Arbitrary<JaegerLog> {
  return fc
    .record({
      timeUnixNano: timeArb(format, 0n, U64 - 1n),
      name: fc.option(textArb.filter((s) => s !== ''), { nil: undefined }),
      fields: tagsOf(userKeyArb.filter((k) => k !== JaegerAttr.event)),
    })
    .map(({ timeUnixNano, name, fields }) => ({ timeUnixNano, fields: name === undefined ? fields : [str(JaegerAttr.event, name), ...fields] }));
}

function canonicalSpanArb(format: JaegerFormat): fc.Arbitrary<JaegerSpan> {
  return fc
    .record({
      traceId: hex(16, true),
      spanId: hex(8, true),
      parent: fc.option(fc.record({ spanId: hex(8, true), refType: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1> }), { nil: undefined }),
      others: fc.array(rec<JaegerSpanRef>({ refType: fc.constantFrom(0, 1), traceId: hex(16, true), spanId: hex(8, true) }), { maxLength: 2 }),
      operationName: textArb,
      flags: uint32Arb,
      start: timeArb(format, 0n, 2n ** 62n),
      duration: timeArb(format, -(2n ** 40n), 2n ** 40n),
      user: tagsOf(userKeyArb),
      specials: specialsArb,
      logs: fc.array(canonicalLogArb(format), { maxLength: 2 }),
    })
    .filter((s) => s.others.every((r) => r.traceId !== s.traceId) && s.start + s.duration >= 0n)
    .map((s): JaegerSpan => {
      const parentRef = s.parent && { refType: s.parent.refType, traceId: s.traceId, spanId: s.parent.spanId };
      return {
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: format === 'proto' ? undefined : (s.parent?.spanId ?? '0'.repeat(16)),
        operationName: s.operationName,
        references: parentRef ? [parentRef, ...s.others] : s.others,
        flags: s.flags,
        startTimeUnixNano: s.start,
        durationNano: s.duration,
        tags: canonicalTags(s.user, s.specials),
        logs: s.logs,
        process: undefined,
      };
    });
}

/** Process tags never use service.name (which is the serviceName), so that an empty serviceName stays empty. */
const canonicalProcessArb: fc.Arbitrary<JaegerProcess> = rec({ serviceName: textArb, tags: tagsOf(textArb.filter((k) => k !== JaegerAttr.serviceName)) });

/**
 * One process for the batch; proto spans carry none of their own (a span's
 * own process makes a resource of its own, which comes back as a batch of its own).
 */
export function canonicalBatchArb(format: JaegerFormat): fc.Arbitrary<JaegerBatch> {
  return rec({ process: canonicalProcessArb, spans: fc.array(canonicalSpanArb(format), { minLength: 1, maxLength: 3 }) });
}
