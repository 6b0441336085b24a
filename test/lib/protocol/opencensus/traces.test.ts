// OpenCensus spans <-> model Traces: a table per mapping rule, the golden
// translation of a realistic request from each of the Go, Java, Python and
// Node.js libraries, and properties: OC -> model -> OC (and through OTLP
// protobuf bytes) is exact, invalid IDs are InvalidInputError, and nothing
// else is ever thrown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import type { AnyValue, KeyValue, Span, SpanId, TraceId, Traces } from '../../../../lib/model/index.js';
import { resourceFromOc } from '../../../../lib/protocol/opencensus/resource.js';
import { OC_SPAN_KEYS, tracesFromOc, tracesToOc } from '../../../../lib/protocol/opencensus/traces.js';
import type {
  OcAttributes,
  OcAttributeValue,
  OcExportTraceRequest,
  OcNode,
  OcResource,
  OcSpan,
  OcTimeEvent,
} from '../../../../lib/protocol/opencensus/types.js';
import { decodeTracesProto, encodeTracesProto } from '../../../../lib/protocol/otlp/index.js';
import { textArb } from '../../../helpers/arbitraries.js';
import { assertGolden } from '../../../helpers/golden.js';
import { ocNode, ocResource, ocSpan, ocTraceRequest } from '../../../helpers/opencensus-arbitraries.js';
import { spanOf } from '../../../helpers/trace-builder.js';

const b = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const TRACE = b('5b8efff798038103d269b633813fc60c');
const SPAN = b('eee19b7ec3c1b174');
const PARENT = b('eee19b7ec3c1b173');
const T0 = 1_700_000_000_123_456_789n;
const ms = (n: number): bigint => T0 + BigInt(n) * 1_000_000n;

const ts = (value: string, truncatedByteCount = 0) => ({ value, truncatedByteCount });
const s = (value: string, truncatedByteCount = 0): OcAttributeValue => ({ kind: 'string', value: ts(value, truncatedByteCount) });
const i64 = (value: bigint): OcAttributeValue => ({ kind: 'int', value });
const attrs = (entries: [string, OcAttributeValue][], droppedAttributesCount = 0): OcAttributes => ({
  attributeMap: entries.map(([key, value]) => ({ key, value })),
  droppedAttributesCount,
});
const str = (value: string): AnyValue => ({ kind: 'string', value });
const int = (value: bigint): AnyValue => ({ kind: 'int', value });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });
const list = (...values: string[]): AnyValue => ({ kind: 'array', value: values.map(str) });

/** A model attribute value as OC writes it (strings untruncated). */
const ocValue = (v: AnyValue): OcAttributeValue => (v.kind === 'string' ? s(v.value) : (v as OcAttributeValue));

function ocSpanOf(over: Partial<OcSpan> = {}): OcSpan {
  return {
    traceId: TRACE,
    spanId: SPAN,
    tracestate: undefined,
    parentSpanId: new Uint8Array(0),
    name: ts('GET /cart'),
    kind: 0,
    startTime: ms(0),
    endTime: ms(25),
    attributes: undefined,
    stackTrace: undefined,
    timeEvents: undefined,
    links: undefined,
    status: undefined,
    resource: undefined,
    sameProcessAsParentSpan: undefined,
    childSpanCount: undefined,
    ...over,
  };
}
const request = (spans: OcSpan[], node?: OcNode, resource?: OcResource): OcExportTraceRequest => ({ node, spans, resource });
/** The empty containers that the Java and Node.js libraries always send. */
const JAVA_EMPTY: Partial<OcSpan> = {
  tracestate: { entries: [] },
  attributes: { attributeMap: [], droppedAttributesCount: 0 },
  timeEvents: { timeEvent: [], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 },
  links: { link: [], droppedLinksCount: 0 },
};
const JAVA_NODE: OcNode = { identifier: undefined, libraryInfo: { language: 5, exporterVersion: '', coreLibraryVersion: '' }, serviceInfo: undefined, attributes: [] };

/** The one model span of a one-span request, after checking that it translates back exactly. */
function model(span: OcSpan, node?: OcNode): Span {
  const req = request([span], node);
  const traces = tracesFromOc(req);
  assert.deepStrictEqual(tracesToOc(traces), [req]);
  return traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

/** A model span with one scope, as an OTLP source would send it. */
function otlpSpan(over: Partial<Span> = {}): Span {
  return spanOf({
    traceId: '5b8efff798038103d269b633813fc60c' as TraceId,
    spanId: 'eee19b7ec3c1b174' as SpanId,
    name: 'op',
    kind: 0,
    startTimeUnixNano: ms(0),
    endTimeUnixNano: ms(1),
    ...over,
  });
}
function toOc(span: Span, scope = { name: '', version: '' }): OcSpan {
  const traces: Traces = {
    resourceSpans: [{ resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [{ scope: { ...scope, attributes: [], droppedAttributesCount: 0 }, spans: [span], schemaUrl: '' }], schemaUrl: '' }],
  };
  return tracesToOc(traces)[0]!.spans[0]!;
}

function rejection(req: OcExportTraceRequest): string {
  try {
    tracesFromOc(req);
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    return err.message;
  }
  return assert.fail('expected InvalidInputError');
}

describe('OpenCensus spans: identifiers', () => {
  it('copies trace, span and parent IDs as lowercase hex', () => {
    const span = model(ocSpanOf({ parentSpanId: PARENT }));
    assert.deepStrictEqual([span.traceId, span.spanId, span.parentSpanId], ['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 'eee19b7ec3c1b173']);
  });
  it('reads an empty parent as a root span, and keeps a zero parent apart with opencensus.present', () => {
    assert.equal(model(ocSpanOf()).parentSpanId, '');
    const zero = model(ocSpanOf({ parentSpanId: new Uint8Array(8) }));
    assert.equal(zero.parentSpanId, '');
    assert.deepStrictEqual(zero.attributes, [kv('opencensus.present', list('parent_span_id'))]);
  });
  const bad: [string, Partial<OcSpan>, string][] = [
    ['a short trace ID', { traceId: b('0102') }, 'spans[1].trace_id: must be 16 bytes, got 2'],
    ['a zero trace ID', { traceId: new Uint8Array(16) }, 'spans[1].trace_id: must not be all zeros'],
    ['a short span ID', { spanId: b('010203') }, 'spans[1].span_id: must be 8 bytes, got 3'],
    ['a zero span ID', { spanId: new Uint8Array(8) }, 'spans[1].span_id: must not be all zeros'],
    ['a parent of 5 bytes', { parentSpanId: b('0102030405') }, 'spans[1].parent_span_id: must be empty or 8 bytes, got 5'],
    [
      'a link with a 16-byte span ID',
      { links: { link: [{ traceId: TRACE, spanId: TRACE, type: 0, attributes: undefined, tracestate: undefined }], droppedLinksCount: 0 } },
      'spans[1].links.link[0].span_id: must be 8 bytes, got 16',
    ],
  ];
  for (const [what, over, message] of bad) {
    it(`rejects ${what}, naming the span and field`, () => assert.equal(rejection(request([ocSpanOf(), ocSpanOf(over)])), message));
  }
});

describe('OpenCensus spans: tracestate', () => {
  it('joins the entries as a W3C tracestate', () => {
    const span = model(ocSpanOf({ tracestate: { entries: [{ key: 'congo', value: 't61rcWkgMzE' }, { key: 'rojo', value: '00f067aa0ba902b7' }] } }));
    assert.equal(span.traceState, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });
  it('keeps entries no W3C string can carry in opencensus.tracestate', () => {
    const span = model(ocSpanOf({ tracestate: { entries: [{ key: 'a,b', value: 'x=y' }] } }));
    assert.equal(span.traceState, '');
    assert.deepStrictEqual(span.attributes, [kv('opencensus.tracestate', { kind: 'kvlist', value: [kv('a,b', str('x=y'))] })]);
  });
  it("follows the library's habit for empty containers: Go leaves them out, Java sends them", () => {
    const java = (over: Partial<OcSpan>): OcSpan => ocSpanOf({ ...JAVA_EMPTY, ...over });
    assert.deepStrictEqual(model(ocSpanOf({ tracestate: undefined })).attributes, []);
    assert.deepStrictEqual(model(java({ tracestate: { entries: [] } }), JAVA_NODE).attributes, []);
    assert.deepStrictEqual(model(ocSpanOf({ tracestate: { entries: [] } })).attributes, [kv('opencensus.present', list('tracestate'))]);
    assert.deepStrictEqual(model(java({ tracestate: undefined, links: undefined }), JAVA_NODE).attributes, [kv('opencensus.absent', list('tracestate', 'links'))]);
  });
  it('reads an OTLP tracestate with spaces and empty members', () => {
    assert.deepStrictEqual(toOc(otlpSpan({ traceState: 'a=1, ,b=2 ' })).tracestate, { entries: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
  });
});

describe('OpenCensus spans: name and kind', () => {
  it('keeps a truncated name and its count', () => {
    const span = model(ocSpanOf({ name: ts('GET /a-very-long', 120) }));
    assert.equal(span.name, 'GET /a-very-long');
    assert.deepStrictEqual(span.attributes, [kv('opencensus.name.truncated_byte_count', int(120n))]);
  });
  it('tells an absent name from an empty one', () => {
    assert.deepStrictEqual(model(ocSpanOf({ name: ts('') })).attributes, []);
    assert.deepStrictEqual(model(ocSpanOf({ name: undefined })).attributes, [kv('opencensus.absent', list('name'))]);
  });
  const kinds: [string, Partial<OcSpan>, number, KeyValue[]][] = [
    ['SERVER', { kind: 1 }, 2, []],
    ['CLIENT', { kind: 2 }, 3, []],
    ['unspecified', { kind: 0 }, 0, []],
    ['an unknown kind number, kept in opencensus.span_kind', { kind: 7 }, 0, [kv('opencensus.span_kind', int(7n))]],
    ['span.kind=producer as the last attribute: PRODUCER, attribute removed', { attributes: attrs([['q', s('jobs')], ['span.kind', s('producer')]]) }, 4, [kv('q', str('jobs'))]],
    ['span.kind=consumer', { attributes: attrs([['span.kind', s('consumer')]]) }, 5, []],
    ['span.kind=internal', { attributes: attrs([['span.kind', s('internal')]]) }, 1, []],
    [
      'span.kind=producer not last: PRODUCER, attribute kept so its place survives',
      { attributes: attrs([['span.kind', s('producer')], ['q', s('jobs')]]) },
      4,
      [kv('span.kind', str('producer')), kv('q', str('jobs'))],
    ],
    ['span.kind=client (OC has a kind for it): unspecified, attribute kept', { attributes: attrs([['span.kind', s('client')]]) }, 0, [kv('span.kind', str('client'))]],
    [
      'span.kind on a span with a kind: kind wins, attribute kept',
      { kind: 1, attributes: attrs([['span.kind', s('producer')]]) },
      2,
      [kv('span.kind', str('producer'))],
    ],
  ];
  for (const [what, over, kind, attributes] of kinds) {
    it(`kind: ${what}`, () => {
      const span = model(ocSpanOf(over));
      assert.equal(span.kind, kind);
      assert.deepStrictEqual(span.attributes, attributes);
    });
  }
  it('writes OTLP PRODUCER, CONSUMER and INTERNAL as unspecified with span.kind, as the Collector does', () => {
    for (const [kind, name] of [[4, 'producer'], [5, 'consumer'], [1, 'internal']] as const) {
      const oc = toOc(otlpSpan({ kind, attributes: [kv('q', str('jobs'))] }));
      assert.equal(oc.kind, 0);
      assert.deepStrictEqual(oc.attributes?.attributeMap, [{ key: 'q', value: s('jobs') }, { key: 'span.kind', value: s(name) }]);
    }
  });
});

describe('OpenCensus spans: times', () => {
  it('copies start and end times, and reads absent ones as 0', () => {
    const span = model(ocSpanOf({ startTime: T0, endTime: undefined }));
    assert.deepStrictEqual([span.startTimeUnixNano, span.endTimeUnixNano, span.attributes], [T0, 0n, []]);
  });
  it('keeps a present time of 0 apart from an absent one', () => {
    assert.deepStrictEqual(model(ocSpanOf({ startTime: 0n })).attributes, [kv('opencensus.start_time', str('1970-01-01T00:00:00Z'))]);
  });
  it('keeps times OTLP cannot hold (before 1970) as text', () => {
    const span = model(ocSpanOf({ endTime: -1_000_000_001n }));
    assert.equal(span.endTimeUnixNano, 0n);
    assert.deepStrictEqual(span.attributes, [kv('opencensus.end_time', str('1969-12-31T23:59:58.999999999Z'))]);
  });
});

describe('OpenCensus spans: attributes', () => {
  it('maps each value kind; an attribute without a value becomes an empty value', () => {
    const span = model(
      ocSpanOf({
        attributes: attrs(
          [
            ['http.url', s('/cart')],
            ['http.status_code', i64(-(2n ** 63n))],
            ['cache.hit', { kind: 'bool', value: true }],
            ['ratio', { kind: 'double', value: NaN }],
            ['nothing', { kind: 'unset' }],
          ],
          3,
        ),
      }),
    );
    assert.deepStrictEqual(span.attributes, [
      kv('http.url', str('/cart')),
      kv('http.status_code', int(-(2n ** 63n))),
      kv('cache.hit', { kind: 'bool', value: true }),
      kv('ratio', { kind: 'double', value: NaN }),
      kv('nothing', { kind: 'empty' }),
    ]);
    assert.equal(span.droppedAttributesCount, 3);
  });
  it('keeps the truncated byte counts of string values, one per attribute up to the last non-zero', () => {
    const span = model(ocSpanOf({ attributes: attrs([['a', s('x', 5)], ['b', i64(1n)], ['c', s('y')]]) }));
    assert.deepStrictEqual(span.attributes.at(-1), kv('opencensus.attributes.truncated_byte_counts', { kind: 'array', value: [int(5n)] }));
  });
  it('marks the split between the attributes and the markers when an attribute has a marker key', () => {
    const span = model(ocSpanOf({ attributes: attrs([['opencensus.same_process_as_parent_span', { kind: 'bool', value: true }]]), sameProcessAsParentSpan: false }));
    assert.deepStrictEqual(span.attributes, [
      kv('opencensus.same_process_as_parent_span', { kind: 'bool', value: true }),
      kv('opencensus.same_process_as_parent_span', { kind: 'bool', value: false }),
      kv('opencensus.attribute_count', int(1n)),
    ]);
  });
  it('keeps negative int32 counts as their uint32 bit pattern', () => {
    assert.equal(model(ocSpanOf({ attributes: attrs([], -1) })).droppedAttributesCount, 0xffff_ffff);
  });
});

describe('OpenCensus spans: stack trace, wrappers and status', () => {
  it('writes the stack trace as a kvlist shaped as the proto', () => {
    const span = model(
      ocSpanOf({
        stackTrace: {
          stackFrames: {
            frame: [
              {
                functionName: ts('main.handler'),
                originalFunctionName: undefined,
                fileName: ts('/src/main.go', 7),
                lineNumber: 42n,
                columnNumber: 0n,
                loadModule: { module: ts('main'), buildId: undefined },
                sourceVersion: undefined,
              },
            ],
            droppedFramesCount: 2,
          },
          stackTraceHashId: 2n ** 64n - 1n,
        },
      }),
    );
    const frame = { kind: 'kvlist', value: [
      kv('function_name', str('main.handler')),
      kv('file_name', { kind: 'kvlist', value: [kv('value', str('/src/main.go')), kv('truncated_byte_count', int(7n))] }),
      kv('line_number', int(42n)),
      kv('load_module', { kind: 'kvlist', value: [kv('module', str('main'))] }),
    ] } as const;
    assert.deepStrictEqual(span.attributes, [
      kv('opencensus.stack_trace', {
        kind: 'kvlist',
        value: [
          kv('stack_frames', { kind: 'kvlist', value: [kv('frame', { kind: 'array', value: [frame] }), kv('dropped_frames_count', int(2n))] }),
          kv('stack_trace_hash_id', int(-1n)),
        ],
      }),
    ]);
  });
  it('keeps same_process_as_parent_span and child_span_count, absent and false/0 apart', () => {
    assert.deepStrictEqual(model(ocSpanOf({ sameProcessAsParentSpan: false, childSpanCount: 0 })).attributes, [
      kv('opencensus.same_process_as_parent_span', { kind: 'bool', value: false }),
      kv('opencensus.child_span_count', int(0n)),
    ]);
    assert.deepStrictEqual(model(ocSpanOf()).attributes, []);
  });
  const statuses: [string, OcSpan['status'], { code: number; message: string }, KeyValue[]][] = [
    ['absent -> UNSET', undefined, { code: 0, message: '' }, []],
    ['code 0 -> OK', { code: 0, message: 'fine' }, { code: 1, message: 'fine' }, []],
    ['code 2 (UNKNOWN) -> ERROR', { code: 2, message: 'boom' }, { code: 2, message: 'boom' }, []],
    ['another gRPC code -> ERROR with opencensus.status_code', { code: 5, message: 'no cart' }, { code: 2, message: 'no cart' }, [kv('opencensus.status_code', int(5n))]],
  ];
  for (const [what, status, expected, attributes] of statuses) {
    it(`status ${what}`, () => {
      const span = model(ocSpanOf({ status }));
      assert.deepStrictEqual([span.status, span.attributes], [expected, attributes]);
    });
  }
  it('writes an OTLP ERROR as code 2 (UNKNOWN), OK as 0, UNSET as no status', () => {
    assert.deepStrictEqual(toOc(otlpSpan({ status: { code: 2, message: 'x' } })).status, { code: 2, message: 'x' });
    assert.deepStrictEqual(toOc(otlpSpan({ status: { code: 1, message: '' } })).status, { code: 0, message: '' });
    assert.equal(toOc(otlpSpan({ status: { code: 0, message: 'lost' } })).status, undefined);
  });
});

describe('OpenCensus spans: time events and links', () => {
  const annotation = (description: string, a?: OcAttributes, time?: bigint | null): OcTimeEvent => ({
    time: time === null ? undefined : (time ?? ms(1)),
    annotation: { description: ts(description), attributes: a },
    messageEvent: undefined,
  });
  const sent: OcTimeEvent = { time: ms(2), annotation: undefined, messageEvent: { type: 1, id: 7n, uncompressedSize: 2n ** 64n - 1n, compressedSize: 40n } };

  it('annotations become events: description -> name, attributes and their dropped count', () => {
    const span = model(ocSpanOf({ timeEvents: { timeEvent: [annotation('cache miss', attrs([['key', s('cart:1')]], 1))], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 } }));
    assert.deepStrictEqual(span.events, [{ timeUnixNano: ms(1), name: 'cache miss', attributes: [kv('key', str('cart:1'))], droppedAttributesCount: 1 }]);
  });
  it("message events become events named by type with the Collector's attribute keys", () => {
    const span = model(ocSpanOf({ timeEvents: { timeEvent: [sent], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 } }));
    assert.deepStrictEqual(span.events, [
      {
        timeUnixNano: ms(2),
        name: 'SENT',
        attributes: [
          kv('opencensus.timeevent.messageevent.type', str('SENT')),
          kv('opencensus.timeevent.messageevent.id', int(7n)),
          kv('opencensus.timeevent.messageevent.usize', int(-1n)), // uint64 as int64 two's complement
          kv('opencensus.timeevent.messageevent.csize', int(40n)),
        ],
        droppedAttributesCount: 0,
      },
    ]);
  });
  it('an annotation that looks like a message event stays an annotation', () => {
    const look = model(ocSpanOf({ timeEvents: { timeEvent: [sent], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 } })).events[0]!;
    const fake = annotation('SENT', attrs(look.attributes.map((a): [string, OcAttributeValue] => [a.key, ocValue(a.value)])), ms(2));
    const span = model(ocSpanOf({ timeEvents: { timeEvent: [fake], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 } }));
    assert.deepStrictEqual(span.events[0]!.attributes.at(-1), kv('opencensus.present', list('annotation')));
  });
  it('keeps both dropped counts: their sum in droppedEventsCount, the message events share apart', () => {
    const only = model(ocSpanOf({ timeEvents: { timeEvent: [], droppedAnnotationsCount: 4, droppedMessageEventsCount: 0 } }));
    assert.deepStrictEqual([only.droppedEventsCount, only.attributes], [4, []]);
    const both = model(ocSpanOf({ timeEvents: { timeEvent: [], droppedAnnotationsCount: 4, droppedMessageEventsCount: 3 } }));
    assert.deepStrictEqual([both.droppedEventsCount, both.attributes], [7, [kv('opencensus.dropped_message_events_count', int(3n))]]);
  });
  it('keeps an absent event time apart from 0, and a time event with neither member', () => {
    const span = model(
      ocSpanOf({
        timeEvents: {
          timeEvent: [annotation('a', undefined, null), annotation('b', undefined, 0n), { time: ms(3), annotation: undefined, messageEvent: undefined }],
          droppedAnnotationsCount: 0,
          droppedMessageEventsCount: 0,
        },
      }),
    );
    assert.deepStrictEqual(
      span.events.map((e) => [e.timeUnixNano, e.attributes]),
      [
        [0n, []],
        [0n, [kv('opencensus.time', str('1970-01-01T00:00:00Z'))]],
        [ms(3), [kv('opencensus.absent', list('annotation'))]],
      ],
    );
  });
  it('links keep their type (as the attribute opencensus.link.type), attributes and tracestate', () => {
    const span = model(
      ocSpanOf({
        links: {
          link: [{ traceId: TRACE, spanId: PARENT, type: 2, attributes: attrs([['reason', s('retry')]]), tracestate: { entries: [{ key: 'k', value: 'v' }] } }],
          droppedLinksCount: 1,
        },
      }),
    );
    assert.deepStrictEqual(span.links, [
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b173',
        traceState: 'k=v',
        attributes: [kv('reason', str('retry')), kv('opencensus.link.type', str('PARENT_LINKED_SPAN'))],
        droppedAttributesCount: 0,
        flags: 0,
      },
    ]);
    assert.equal(span.droppedLinksCount, 1);
  });
});

describe('OpenCensus spans: resources', () => {
  const node: OcNode = { identifier: undefined, libraryInfo: undefined, serviceInfo: { name: 'cart' }, attributes: [] };
  const pod = (name: string): OcResource => ({ type: 'k8s', labels: [{ key: 'k8s.pod.name', value: name }] });

  it("gives spans with their own resource their own ResourceSpans, spans in order, the request's first", () => {
    const spans = [ocSpanOf({ resource: pod('b') }), ocSpanOf({ name: ts('1') }), ocSpanOf({ resource: pod('c') }), ocSpanOf({ resource: pod('b'), name: ts('3') })];
    const traces = tracesFromOc(request(spans, node, pod('a')));
    assert.deepStrictEqual(
      traces.resourceSpans.map((rs) => [rs.resource, rs.scopeSpans.map((ss) => [ss.scope, ss.spans.map((x) => x.name)])]),
      [
        [resourceFromOc(node, pod('a')), [[{ name: '', version: '', attributes: [], droppedAttributesCount: 0 }, ['1']]]],
        [resourceFromOc(node, pod('b')), [[{ name: '', version: '', attributes: [], droppedAttributesCount: 0 }, ['GET /cart', '3']]]],
        [resourceFromOc(node, pod('c')), [[{ name: '', version: '', attributes: [], droppedAttributesCount: 0 }, ['GET /cart']]]],
      ],
    );
    assert.deepStrictEqual(
      tracesToOc(traces).map((r) => [r.node, r.resource, r.spans.length]),
      [[node, pod('a'), 1], [node, pod('b'), 2], [node, pod('c'), 1]],
    );
  });
  it('keeps a request without spans (its node and resource) as one empty ResourceSpans', () => {
    const req = request([], node, pod('a'));
    assert.equal(tracesFromOc(req).resourceSpans.length, 1);
    assert.deepStrictEqual(tracesToOc(tracesFromOc(req)), [req]);
  });
});

describe('OpenCensus spans: model -> OC for what OpenCensus lacks', () => {
  it('writes the scope as otel.scope.name / otel.scope.version and values OC has no type for as JSON', () => {
    const oc = toOc(otlpSpan({ attributes: [kv('ids', { kind: 'array', value: [int(1n), str('a')] }), kv('raw', { kind: 'bytes', value: b('00ff') })], flags: 0x301 }), {
      name: 'io.opentelemetry.jdbc',
      version: '2.1.0',
    });
    assert.deepStrictEqual(oc.attributes?.attributeMap, [
      { key: 'ids', value: s('[1,"a"]') },
      { key: 'raw', value: s('"AP8="') },
      { key: 'otel.scope.name', value: s('io.opentelemetry.jdbc') },
      { key: 'otel.scope.version', value: s('2.1.0') },
    ]);
  });
  it('gives a clean OC span for a plain OTLP span', () => {
    assert.deepStrictEqual(toOc(otlpSpan()), { ...ocSpanOf({ name: ts('op'), endTime: ms(1) }) });
  });
  it('reads otel.scope.name / otel.scope.version back into the scope, so OTLP -> OC -> OTLP keeps scopes and span order', () => {
    const scoped = (name: string, version: string, spans: Span[]) => ({ scope: { name, version, attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' });
    const a = otlpSpan({ spanId: '00000000000000a1' as SpanId, kind: 4 });
    const bb = otlpSpan({ spanId: '00000000000000b1' as SpanId });
    const c = otlpSpan({ spanId: '00000000000000a2' as SpanId });
    const traces: Traces = {
      resourceSpans: [
        { resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [scoped('jdbc', '2.1.0', [a]), scoped('http', '', [bb]), scoped('jdbc', '2.1.0', [c])], schemaUrl: '' },
      ],
    };
    const [req] = tracesToOc(traces);
    const back = tracesFromOc(req!);
    assert.deepStrictEqual(
      back.resourceSpans[0]!.scopeSpans.map((ss) => [ss.scope.name, ss.scope.version, ss.spans.map((sp) => sp.spanId)]),
      [['jdbc', '2.1.0', [a.spanId]], ['http', '', [bb.spanId]], ['jdbc', '2.1.0', [c.spanId]]],
    );
    assert.deepStrictEqual(back.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes, [], 'neither the scope nor span.kind stays an attribute');
    assert.equal(back.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.kind, 4);
  });
  it('leaves otel.scope.* as attributes unless they are the last, untruncated, non-empty strings', () => {
    const cases: [string, [string, OcAttributeValue][]][] = [
      ['not last', [['otel.scope.name', s('lib')], ['http.method', s('GET')]]],
      ['truncated', [['otel.scope.name', s('lib', 3)]]],
      ['empty', [['otel.scope.name', s('')]]],
      ['not a string', [['otel.scope.version', i64(2n)]]],
    ];
    for (const [what, entries] of cases) {
      const traces = tracesFromOc(request([ocSpanOf({ attributes: attrs(entries) })]));
      assert.deepStrictEqual(traces.resourceSpans[0]!.scopeSpans[0]!.scope.name, '', what);
      assert.deepStrictEqual(tracesToOc(traces)[0]!.spans[0]!.attributes?.attributeMap, attrs(entries).attributeMap, `${what}: exact back`);
    }
  });
});

// ---- golden translations of realistic requests ----

function node(language: number, service: string, host: string, core: string, exporter: string, attributes: [string, string][] = []): OcNode {
  return {
    identifier: { hostName: host, pid: 4242, startTimestamp: ms(-3_600_000) },
    libraryInfo: { language, exporterVersion: exporter, coreLibraryVersion: core },
    serviceInfo: { name: service },
    attributes: attributes.map(([key, value]) => ({ key, value })),
  };
}
const msg = (t: number, type: number, id: bigint, size: bigint): OcTimeEvent => ({
  time: ms(t),
  annotation: undefined,
  messageEvent: { type, id, uncompressedSize: size, compressedSize: size / 2n },
});
const note = (t: number | undefined, text: string, a?: OcAttributes): OcTimeEvent => ({
  time: t === undefined ? undefined : ms(t),
  annotation: { description: ts(text), attributes: a },
  messageEvent: undefined,
});

/** opencensus-go with the ocagent exporter: empty containers left out, no wrappers. */
function goRequest(): OcExportTraceRequest {
  const server = ocSpanOf({
    name: ts('/api/cart'),
    kind: 1,
    tracestate: { entries: [{ key: 'congo', value: 't61rcWkgMzE' }] },
    attributes: attrs([['http.method', s('GET')], ['http.path', s('/api/cart')], ['http.status_code', i64(200n)], ['http.user_agent', s('Mozilla/5.0 (X11', 180)]]),
    timeEvents: { timeEvent: [msg(1, 2, 1n, 120n), note(2, 'cart loaded', attrs([['items', i64(3n)]])), msg(20, 1, 1n, 2048n)], droppedAnnotationsCount: 0, droppedMessageEventsCount: 2 },
    status: { code: 0, message: '' },
  });
  const client = ocSpanOf({
    spanId: b('eee19b7ec3c1b175'),
    parentSpanId: SPAN,
    name: ts('redis.get'),
    kind: 2,
    startTime: ms(3),
    endTime: ms(9),
    attributes: attrs([['db.type', s('redis')]]),
    links: { link: [{ traceId: b('0af7651916cd43dd8448eb211c80319c'), spanId: b('b7ad6b7169203331'), type: 1, attributes: undefined, tracestate: undefined }], droppedLinksCount: 0 },
    status: { code: 14, message: 'connection refused' },
  });
  return request([server, client], node(4, 'cart', 'cart-5d8f', '0.23.0', '0.7.0', [['env', 'prod']]), { type: 'k8s', labels: [{ key: 'k8s.pod.name', value: 'cart-5d8f' }, { key: 'k8s.namespace.name', value: 'shop' }] });
}

/** opencensus-java: sends empty containers, status OK, the two wrappers; a span with its own resource. */
function javaRequest(): OcExportTraceRequest {
  const server = ocSpanOf({
    ...JAVA_EMPTY,
    name: ts('Recv.checkout.Checkout/Place'),
    kind: 1,
    attributes: attrs([['rpc.method', s('Place')], ['order.total', { kind: 'double', value: 99.5 }], ['retry', { kind: 'bool', value: false }]], 1),
    timeEvents: { timeEvent: [msg(1, 2, 1n, 512n), note(5, 'Validated order', attrs([]))], droppedAnnotationsCount: 3, droppedMessageEventsCount: 0 },
    status: { code: 0, message: '' },
    sameProcessAsParentSpan: false,
    childSpanCount: 2,
  });
  const db = ocSpanOf({
    ...JAVA_EMPTY,
    spanId: b('eee19b7ec3c1b176'),
    parentSpanId: SPAN,
    name: ts('jdbc.query'),
    startTime: ms(6),
    endTime: ms(15),
    status: { code: 4, message: 'deadline exceeded' },
    sameProcessAsParentSpan: true,
    childSpanCount: 0,
    resource: { type: 'postgres', labels: [{ key: 'db.instance', value: 'orders-1' }] },
  });
  return request([server, db], node(5, 'checkout', 'checkout-1', '0.31.1', '0.31.1'), undefined);
}

/** opencensus-python: a stack trace on an error span, annotations without attributes. */
function pythonRequest(): OcExportTraceRequest {
  const frame = (fn: string, file: string, line: bigint) => ({
    functionName: ts(fn),
    originalFunctionName: undefined,
    fileName: ts(file),
    lineNumber: line,
    columnNumber: 0n,
    loadModule: undefined,
    sourceVersion: undefined,
  });
  const span = ocSpanOf({
    name: ts('POST /recommend'),
    kind: 1,
    attributes: attrs([['http.method', s('POST')], ['component', s('flask')]]),
    timeEvents: { timeEvent: [note(3, 'model loaded'), note(8, 'scored', attrs([['candidates', i64(40n)]]))], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 },
    stackTrace: { stackFrames: { frame: [frame('recommend', 'app/views.py', 88n), frame('score', 'app/model.py', 12n)], droppedFramesCount: 0 }, stackTraceHashId: 0x9e3779b97f4a7c15n },
    status: { code: 13, message: 'ValueError: empty input' },
  });
  return request([span], node(8, 'recommender', 'rec-0', '0.11.0', '0.7.1', [['region', 'eu-west-1']]), undefined);
}

/** opencensus-node: empty containers sent, annotations without time, the same-process wrapper always. */
function nodeRequest(): OcExportTraceRequest {
  const span = ocSpanOf({
    name: ts('GET /'),
    kind: 1,
    tracestate: { entries: [] },
    attributes: attrs([['http.host', s('localhost:8080')], ['http.status_code', i64(200n)]]),
    timeEvents: { timeEvent: [note(undefined, 'request received', attrs([])), msg(4, 1, 1n, 16n)], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 },
    links: { link: [], droppedLinksCount: 0 },
    status: { code: 0, message: '' },
    sameProcessAsParentSpan: true,
  });
  return request([span], node(6, 'web', 'web-1', '0.0.22', '0.0.22', [['deployment', 'canary']]), undefined);
}

/** Stable JSON: bigints as strings, doubles JSON cannot carry as their names. */
function render(t: Traces): string {
  const json = JSON.stringify(t, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
  return `${json}\n`;
}

describe('OpenCensus spans: golden translations of realistic requests', () => {
  const requests: [string, () => OcExportTraceRequest][] = [
    ['go', goRequest],
    ['java', javaRequest],
    ['python', pythonRequest],
    ['nodejs', nodeRequest],
  ];
  for (const [lang, make] of requests) {
    it(`translates a request from the ${lang} library as the golden file says, and back exactly`, (t) => {
      const req = make();
      const traces = tracesFromOc(req);
      assertGolden(t, `opencensus/${lang}-traces.json`, render(traces));
      const back = tracesToOc(traces);
      if (!req.spans.some((x) => x.resource)) assert.deepStrictEqual(back, [req]);
      // With resources of their own, spans come back grouped by their effective resource.
      for (const x of req.spans) {
        const out = back.find((r) => r.spans.some((y) => Buffer.from(y.spanId).equals(x.spanId)))!;
        assert.deepStrictEqual(out.spans.find((y) => Buffer.from(y.spanId).equals(x.spanId)), { ...x, resource: undefined });
        assert.deepStrictEqual(out.node, req.node);
        assert.deepStrictEqual(out.resource, x.resource ?? req.resource);
      }
    });
  }
  it('spans from all four libraries need no presence or split marker, only OpenCensus data', () => {
    const markers = (req: OcExportTraceRequest): string[] =>
      tracesFromOc(req).resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) => ss.spans.flatMap((x) => [...x.attributes, ...x.events.flatMap((e) => e.attributes), ...x.links.flatMap((l) => l.attributes)]).map((a) => a.key)),
      );
    const presence = [OC_SPAN_KEYS.present, OC_SPAN_KEYS.absent, OC_SPAN_KEYS.attributeCount];
    for (const req of [goRequest(), javaRequest(), pythonRequest(), nodeRequest()]) {
      assert.deepStrictEqual(markers(req).filter((k) => presence.includes(k as never)), []);
    }
  });
});

// ---- properties ----

const RUNS = 150;
const withoutOwnResource = (r: OcExportTraceRequest): OcExportTraceRequest => ({ ...r, spans: r.spans.map((x) => ({ ...x, resource: undefined })) });
const viaOtlp = (t: Traces): Traces => decodeTracesProto(encodeTracesProto(t));

/** Keys that random text seldom hits: every marker, span.kind and its values, the message-event keys. */
const specialKeyArb = fc.constantFrom(...Object.values(OC_SPAN_KEYS));
const edgyValueArb: fc.Arbitrary<OcAttributeValue> = fc.oneof(
  fc.constantFrom('producer', 'consumer', 'internal', 'SENT', '').map((v) => s(v)),
  fc.tuple(textArb, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })).map(([v, n]) => s(v, n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(i64),
  fc.constant<OcAttributeValue>({ kind: 'unset' }),
);
const int32Arb = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const edgyAttributesArb = fc.option(
  fc.record(
    {
      attributeMap: fc.array(fc.record({ key: fc.oneof(textArb, specialKeyArb), value: edgyValueArb }, { noNullPrototype: true }), { maxLength: 4 }),
      droppedAttributesCount: int32Arb,
    },
    { noNullPrototype: true },
  ),
  { nil: undefined },
);
const edgyTimeArb = fc.option(fc.oneof(fc.constant(0n), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })), { nil: undefined });
const tracestateEntryArb = fc.record({ key: fc.oneof(textArb, fc.constantFrom('a,b', ' k', 'x=y')), value: fc.oneof(textArb, fc.constant('v,w')) }, { noNullPrototype: true });

/**
 * Valid spans pushed to what the valid arbitraries never make: repeated and
 * reserved attribute keys, negative counts, unknown enum numbers, times OTLP
 * cannot hold, a zero parent, tracestates no W3C string carries, annotations
 * that look like message events, time events with neither member.
 */
const edgySpanArb: fc.Arbitrary<OcSpan> = fc
  .tuple(ocSpan(), edgyAttributesArb, edgyTimeArb, edgyTimeArb, int32Arb, int32Arb, fc.integer({ min: 0, max: 9 }), fc.array(tracestateEntryArb, { maxLength: 2 }))
  .map(([span, attributes, startTime, endTime, kindOrCode, count, pick, entries]): OcSpan => {
    const te = span.timeEvents?.timeEvent ?? [];
    const timeEvent: OcTimeEvent[] = te.map((e, i) =>
      i === 0 && pick % 3 === 0
        ? { time: e.time, annotation: undefined, messageEvent: undefined }
        : e.messageEvent && pick % 3 === 1
          ? { ...e, messageEvent: { ...e.messageEvent, type: kindOrCode } }
          : { ...e, annotation: e.annotation && { ...e.annotation, attributes: attributes } },
    );
    return {
      ...span,
      attributes,
      startTime,
      endTime,
      kind: pick === 2 ? kindOrCode : span.kind,
      parentSpanId: pick === 3 ? new Uint8Array(8) : span.parentSpanId,
      status: pick === 4 ? { code: kindOrCode, message: '' } : span.status,
      tracestate: pick === 5 ? { entries } : span.tracestate,
      timeEvents: span.timeEvents && { timeEvent, droppedAnnotationsCount: count, droppedMessageEventsCount: -count | 0 },
      links: span.links && {
        droppedLinksCount: count,
        link: span.links.link.map((l) => ({ ...l, type: pick === 6 ? kindOrCode : l.type, attributes, tracestate: pick === 7 ? { entries } : l.tracestate })),
      },
    };
  });

/** A message event written as an annotation: the translation must still tell them apart. */
function lookAlike(req: OcExportTraceRequest): OcExportTraceRequest {
  const events = tracesFromOc(withoutOwnResource(req)).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.flatMap((x) => x.events)));
  const me = events.find((e) => e.attributes.length === 4 && e.attributes[0]!.key === OC_SPAN_KEYS.messageEventType && e.attributes.every((a) => a.value.kind === 'int' || a.value.kind === 'string'));
  if (me === undefined || req.spans[0] === undefined) return req;
  const fake = note(undefined, me.name, attrs(me.attributes.map((a) => [a.key, ocValue(a.value)])));
  const first = req.spans[0];
  return { ...req, spans: [{ ...first, timeEvents: { timeEvent: [fake], droppedAnnotationsCount: 0, droppedMessageEventsCount: 0 } }, ...req.spans.slice(1)] };
}

describe('OpenCensus spans: properties', () => {
  it('tracesToOc(tracesFromOc(r)) is [r] for requests whose spans have no resource of their own', () => {
    fc.assert(
      fc.property(ocTraceRequest().map(withoutOwnResource), (r) => assert.deepStrictEqual(tracesToOc(tracesFromOc(r)), [r])),
      { numRuns: RUNS },
    );
  });

  it('OC -> model -> OTLP protobuf bytes -> model -> OC is exact', () => {
    fc.assert(
      fc.property(ocTraceRequest().map(withoutOwnResource), (r) => assert.deepStrictEqual(tracesToOc(viaOtlp(tracesFromOc(r))), [r])),
      { numRuns: RUNS },
    );
  });

  it('is exact for edge cases too: reserved keys, negative counts, unknown enums, odd times and tracestates', () => {
    const edgyRequest = fc.record(
      { node: fc.option(ocNode(), { nil: undefined }), spans: fc.array(edgySpanArb, { maxLength: 3 }), resource: fc.option(ocResource(), { nil: undefined }) },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(edgyRequest.map(withoutOwnResource).map(lookAlike), (r) => assert.deepStrictEqual(tracesToOc(viaOtlp(tracesFromOc(r))), [r])),
      { numRuns: 300 },
    );
  });

  it('gives every span back with its effective node and resource when spans have their own', () => {
    fc.assert(
      fc.property(ocTraceRequest(), (r) => {
        const back = tracesToOc(viaOtlp(tracesFromOc(r)));
        const seen = back.flatMap((out) => out.spans.map((x) => ({ ...x, resource: out.resource, node: out.node })));
        assert.deepStrictEqual(
          seen.sort((x, y) => Buffer.compare(x.spanId, y.spanId)),
          r.spans.map((x) => ({ ...x, resource: x.resource ?? r.resource, node: r.node })).sort((x, y) => Buffer.compare(x.spanId, y.spanId)),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects invalid IDs with InvalidInputError naming the span', () => {
    const badId = fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.constant(new Uint8Array(16)), fc.constant(new Uint8Array(8)));
    fc.assert(
      fc.property(ocTraceRequest(), fc.constantFrom('traceId', 'spanId', 'parentSpanId'), badId, (r, field, id) => {
        const size = field === 'traceId' ? 16 : 8;
        const bad = field === 'parentSpanId' ? id.length !== 0 && id.length !== 8 : id.length !== size || id.every((x) => x === 0);
        fc.pre(bad && r.spans.length > 0);
        const i = r.spans.length - 1;
        const spans = r.spans.map((x, j) => (j === i ? { ...x, [field]: id } : x));
        assert.match(rejection({ ...r, spans }), new RegExp(`^spans\\[${i}\\]\\.(trace_id|span_id|parent_span_id): `));
      }),
      { numRuns: RUNS },
    );
  });

  it('throws nothing but InvalidInputError for loosely made spans (wrong ID lengths, any numbers)', () => {
    const anyBytes = fc.uint8Array({ maxLength: 17 });
    const loose = fc.tuple(edgySpanArb, anyBytes, anyBytes, anyBytes, anyBytes, fc.double(), fc.integer()).map(
      ([span, traceId, spanId, parentSpanId, linkId, x, n]): OcSpan => ({
        ...span,
        traceId,
        spanId,
        parentSpanId,
        kind: x,
        childSpanCount: n,
        name: span.name && { value: span.name.value, truncatedByteCount: x },
        links: span.links && { ...span.links, link: span.links.link.map((l) => ({ ...l, spanId: linkId, type: x })) },
      }),
    );
    const looseRequest = fc.record({ node: fc.option(ocNode(), { nil: undefined }), spans: fc.array(loose, { maxLength: 3 }), resource: fc.constant(undefined) }, { noNullPrototype: true });
    fc.assert(
      fc.property(looseRequest, (r) => {
        try {
          tracesToOc(viaOtlp(tracesFromOc(r)));
        } catch (err) {
          assert.ok(err instanceof InvalidInputError, `threw ${String(err)}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
