// Jaeger <-> model: a table per mapping rule (the OpenTelemetry Jaeger
// mapping and the Collector's translator), the golden translation of a
// jaeger-client batch both ways, and properties: a batch as ocsvc writes one
// comes back unchanged through the model (Thrift and protobuf bytes); the
// Jaeger that ocsvc writes is a fixed point; any model keeps its IDs, names,
// kinds, statuses, times, attributes, events and links through Jaeger; and
// nothing but InvalidInputError is ever thrown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import { SpanKind, StatusCode, type Span, type Traces } from '../../../../lib/model/index.js';
import {
  decodeBatchThrift,
  decodePostSpansProto,
  encodeBatchThrift,
  encodePostSpansProto,
  tracesFromJaeger,
  tracesToJaeger,
  type JaegerBatch,
  type JaegerSpan,
} from '../../../../lib/protocol/jaeger/index.js';
import { anyValueToString } from '../../../../lib/protocol/opencensus/resource.js';
import { JaegerAttr } from '../../../../lib/protocol/jaeger/index.js';
import { tracesArb } from '../../../helpers/arbitraries.js';
import { assertGolden } from '../../../helpers/golden.js';
import { canonicalBatchArb, wireBatchArb } from '../../../helpers/jaeger-arbitraries.js';
import { decodesOrRejects } from '../otlp/fuzz.js';
import { CHILD, clientBatch, jSpan, LATER, NO_PARENT, PROCESS, render, ROOT, tag, TRACE, TRACE_128, us } from './fixtures.js';

const RUNS = 200;
const RESERVED: ReadonlySet<string> = new Set(Object.values(JaegerAttr));
const batchOf = (...spans: JaegerSpan[]): JaegerBatch => ({ process: { serviceName: 'svc', tags: [] }, spans });
const onlySpan = (t: Traces): Span => {
  const spans = t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  assert.equal(spans.length, 1);
  return spans[0]!;
};
const spanIn = (over: Partial<JaegerSpan>): Span => onlySpan(tracesFromJaeger(batchOf(jSpan(over))));
const tagsOut = (t: Traces) => tracesToJaeger(t)[0]!.spans[0]!.tags;

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof InvalidInputError && message.test(err.message));
}

describe('Jaeger -> model mapping', () => {
  it('traceIdHigh/Low become one 16-byte trace ID; a 64-bit ID is left-padded; span IDs as they are', () => {
    assert.equal(spanIn({ traceId: TRACE_128 }).traceId, TRACE_128);
    assert.equal(spanIn({}).traceId, TRACE);
    assert.equal(spanIn({}).spanId, ROOT);
  });

  it('zero trace and span IDs are refused, naming the span', () => {
    rejects(() => tracesFromJaeger(batchOf(jSpan(), jSpan({ traceId: '0'.repeat(32) }))), /^spans\[1\]\.traceId: must not be all zeros/);
    rejects(() => tracesFromJaeger(batchOf(jSpan({ spanId: NO_PARENT }))), /^spans\[0\]\.spanId: must not be all zeros/);
    rejects(() => tracesFromJaeger(batchOf(jSpan({ references: [{ refType: 1, traceId: TRACE, spanId: NO_PARENT }] }))), /references\[0\]\.spanId/);
  });

  it('the process becomes the resource: service.name first, then its tags as they are', () => {
    const t = tracesFromJaeger({ process: PROCESS, spans: [jSpan()] });
    assert.equal(render(t.resourceSpans[0]!.resource.attributes), render([tag('service.name', 'cart'), ...PROCESS.tags]));
    assert.deepEqual(tracesFromJaeger({ process: { serviceName: '', tags: [] }, spans: [jSpan()] }).resourceSpans[0]!.resource.attributes, []);
  });

  it('span.kind sets the kind and is removed; an unknown value stays an attribute', () => {
    for (const [name, kind] of [['client', SpanKind.CLIENT], ['server', SpanKind.SERVER], ['producer', SpanKind.PRODUCER], ['consumer', SpanKind.CONSUMER], ['internal', SpanKind.INTERNAL]] as const) {
      const s = spanIn({ tags: [tag('a', 'b'), tag('span.kind', name)] });
      assert.equal(s.kind, kind);
      assert.deepEqual(s.attributes.map((a) => a.key), ['a']);
    }
    const odd = spanIn({ tags: [tag('span.kind', 'rpc')] });
    assert.equal(odd.kind, SpanKind.UNSPECIFIED);
    assert.deepEqual(odd.attributes.map((a) => a.key), ['span.kind']);
  });

  it('status: error=true is ERROR; otel.status_code OK/ERROR (any case) with otel.status_description; error wins; the tags are removed', () => {
    const table: [Parameters<typeof tag>[], { code: StatusCode; message: string }, string[]][] = [
      [[['error', true]], { code: StatusCode.ERROR, message: '' }, []],
      [[['error', false]], { code: StatusCode.UNSET, message: '' }, ['error']],
      [[['error', 'true']], { code: StatusCode.UNSET, message: '' }, ['error']],
      [[['otel.status_code', 'OK']], { code: StatusCode.OK, message: '' }, []],
      [[['otel.status_code', 'error'], ['otel.status_description', 'boom']], { code: StatusCode.ERROR, message: 'boom' }, []],
      [[['error', true], ['otel.status_code', 'OK'], ['otel.status_description', 'why']], { code: StatusCode.ERROR, message: 'why' }, []],
      [[['otel.status_code', 'UNSET']], { code: StatusCode.UNSET, message: '' }, ['otel.status_code']],
      [[['x', 1n], ['otel.status_description', 'alone'], ['y', 2n]], { code: StatusCode.UNSET, message: '' }, ['x', 'otel.status_description', 'y']],
    ];
    for (const [tags, status, left] of table) {
      const s = spanIn({ tags: tags.map((args) => tag(...args)) });
      assert.deepEqual(s.status, status, render(tags));
      assert.deepEqual(s.attributes.map((a) => a.key), left, render(tags));
    }
  });

  it('w3c.tracestate, otel.scope.* (and the older otel.library.*) and otel.dropped_*_count fill their fields and are removed', () => {
    const t = tracesFromJaeger(
      batchOf(
        jSpan({
          tags: [
            tag('otel.library.name', 'io.opentelemetry.http'),
            tag('otel.scope.version', '1.2.3'),
            tag('w3c.tracestate', 'ot=th:8,vendor=x'),
            tag('otel.dropped_attributes_count', 3n),
            tag('otel.dropped_events_count', 4n),
            tag('otel.dropped_links_count', 5n),
            tag('otel.dropped_links_count', -1n),
          ],
        }),
      ),
    );
    const ss = t.resourceSpans[0]!.scopeSpans[0]!;
    assert.deepEqual([ss.scope.name, ss.scope.version], ['io.opentelemetry.http', '1.2.3']);
    const s = ss.spans[0]!;
    assert.equal(s.traceState, 'ot=th:8,vendor=x');
    assert.deepEqual([s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount], [3, 4, 5]);
    assert.deepEqual(s.attributes.map((a) => a.key), ['otel.dropped_links_count'], 'a second, invalid count stays');
  });

  it('Thrift: the parent is parentSpanId, and its CHILD_OF reference is no link; other references are links with opentracing.ref_type', () => {
    const s = spanIn({
      parentSpanId: ROOT,
      references: [
        { refType: 0, traceId: TRACE, spanId: ROOT },
        { refType: 1, traceId: TRACE_128, spanId: LATER },
        { refType: 0, traceId: TRACE_128, spanId: CHILD },
      ],
    });
    assert.equal(s.parentSpanId, ROOT);
    assert.deepEqual(
      s.links.map((l) => [l.traceId, l.spanId, l.attributes]),
      [
        [TRACE_128, LATER, [tag('opentracing.ref_type', 'follows_from')]],
        [TRACE_128, CHILD, [tag('opentracing.ref_type', 'child_of')]],
      ],
    );
    assert.equal(spanIn({ parentSpanId: NO_PARENT }).parentSpanId, '');
  });

  it('protobuf: the parent is the first CHILD_OF reference in the same trace, else the first FOLLOWS_FROM one', () => {
    const proto = (references: JaegerSpan['references']) => spanIn({ parentSpanId: undefined, references });
    assert.equal(proto([{ refType: 0, traceId: TRACE_128, spanId: LATER }, { refType: 1, traceId: TRACE, spanId: CHILD }, { refType: 0, traceId: TRACE, spanId: ROOT }]).parentSpanId, ROOT);
    const ff = proto([{ refType: 1, traceId: TRACE, spanId: ROOT }]);
    assert.equal(ff.parentSpanId, ROOT);
    assert.deepEqual(ff.links.map((l) => [l.spanId, l.attributes[0]!.value]), [[ROOT, { kind: 'string', value: 'follows_from' }]], 'a FOLLOWS_FROM parent stays a link');
    assert.equal(proto([]).parentSpanId, '');
  });

  it('flags: the sampled bit is the W3C sampled flag; debug and firehose bits are kept in jaeger.flags', () => {
    assert.equal(spanIn({ flags: 1 }).flags, 1);
    assert.equal(spanIn({ flags: 0 }).flags, 0);
    const debug = spanIn({ flags: 3 });
    assert.equal(debug.flags, 1);
    assert.deepEqual(debug.attributes, [tag('jaeger.flags', 3n)]);
  });

  it('logs become events named by their only "event" field; the other fields are attributes', () => {
    const s = spanIn({
      logs: [
        { timeUnixNano: us(1), fields: [tag('message', 'm'), tag('event', 'retry')] },
        { timeUnixNano: us(2), fields: [tag('event', 'a'), tag('event', 'b')] },
        { timeUnixNano: us(3), fields: [tag('event', 7n)] },
        { timeUnixNano: us(4), fields: [] },
      ],
    });
    assert.deepEqual(
      s.events.map((e) => [e.timeUnixNano, e.name, e.attributes.map((a) => a.key)]),
      [
        [us(1), 'retry', ['message']],
        [us(2), '', ['event', 'event']],
        [us(3), '', ['event']],
        [us(4), '', []],
      ],
    );
  });

  it('times: microseconds to nanoseconds, end = start + duration; times outside [0, 2^64) ns are refused', () => {
    const s = spanIn({ startTimeUnixNano: us(0), durationNano: 7_000n });
    assert.deepEqual([s.startTimeUnixNano, s.endTimeUnixNano], [us(0), us(7)]);
    rejects(() => spanIn({ startTimeUnixNano: -1000n }), /spans\[0\]\.startTime: must be a time from 0/);
    rejects(() => spanIn({ durationNano: -us(1) }), /spans\[0\]\.duration: start \+ duration/);
    rejects(() => spanIn({ logs: [{ timeUnixNano: -1n, fields: [] }] }), /spans\[0\]\.logs\[0\]\.timestamp/);
  });

  it('spans with their own process (protobuf) get a resource of their own; scopes split ScopeSpans in order', () => {
    const own = { serviceName: 'other', tags: [] };
    const t = tracesFromJaeger({
      process: PROCESS,
      spans: [
        jSpan({ tags: [tag('otel.scope.name', 'a')] }),
        jSpan({ spanId: CHILD, process: own }),
        jSpan({ spanId: LATER, tags: [tag('otel.scope.name', 'b')] }),
        jSpan({ spanId: 'eee19b7ec3c1b177', tags: [tag('otel.scope.name', 'b')] }),
      ],
    });
    assert.deepEqual(
      t.resourceSpans.map((rs) => [rs.resource.attributes[0]!.value, rs.scopeSpans.map((ss) => [ss.scope.name, ss.spans.map((sp) => sp.spanId)])]),
      [
        [{ kind: 'string', value: 'cart' }, [['a', [ROOT]], ['b', [LATER, 'eee19b7ec3c1b177']]]],
        [{ kind: 'string', value: 'other' }, [['', [CHILD]]]],
      ],
    );
  });
});

describe('model -> Jaeger mapping', () => {
  it('writes kind, status, description, tracestate, scope and dropped counts as the specification says, after the attributes', () => {
    const t = tracesFromJaeger(batchOf(jSpan({ tags: [tag('a', 'b')] })));
    const span = t.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    t.resourceSpans[0]!.scopeSpans[0]!.scope = { name: 'lib', version: '2.0', attributes: [], droppedAttributesCount: 0 };
    Object.assign(span, { kind: SpanKind.CONSUMER, status: { code: StatusCode.ERROR, message: 'bad' }, traceState: 'k=v', droppedEventsCount: 2 });
    assert.equal(
      render(tagsOut(t)),
      render([
        tag('otel.scope.name', 'lib'),
        tag('otel.scope.version', '2.0'),
        tag('a', 'b'),
        tag('span.kind', 'consumer'),
        tag('otel.status_code', 'ERROR'),
        tag('error', true),
        tag('otel.status_description', 'bad'),
        tag('w3c.tracestate', 'k=v'),
        tag('otel.dropped_events_count', 2n),
      ]),
    );
    Object.assign(span, { kind: SpanKind.UNSPECIFIED, status: { code: StatusCode.UNSET, message: 'ignored' }, traceState: '', droppedEventsCount: 0 });
    t.resourceSpans[0]!.scopeSpans[0]!.scope.version = '';
    assert.equal(render(tagsOut(t)), render([tag('otel.scope.name', 'lib'), tag('a', 'b')]));
  });

  it('values Jaeger has no type for become text: arrays and maps as JSON, an empty value as ""', () => {
    const t = tracesFromJaeger(batchOf(jSpan()));
    t.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes = [
      { key: 'list', value: { kind: 'array', value: [{ kind: 'string', value: 'a' }, { kind: 'int', value: 2n }] } },
      { key: 'map', value: { kind: 'kvlist', value: [{ key: 'k', value: { kind: 'bool', value: true } }] } },
      { key: 'none', value: { kind: 'empty' } },
    ];
    assert.equal(render(tagsOut(t)), render([tag('list', '["a",2]'), tag('map', '{"k":true}'), tag('none', '')]));
  });

  it('the parent is the first reference, CHILD_OF; links follow typed by opentracing.ref_type (FOLLOWS_FROM without)', () => {
    const t = tracesFromJaeger(batchOf(jSpan({ parentSpanId: ROOT, references: [{ refType: 0, traceId: TRACE, spanId: ROOT }] })));
    const span = t.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    span.links = [
      { traceId: TRACE_128 as Span['traceId'], spanId: LATER as Span['spanId'], traceState: 'x=y', attributes: [tag('why', 'retry')], droppedAttributesCount: 0, flags: 0 },
      { traceId: TRACE_128 as Span['traceId'], spanId: CHILD as Span['spanId'], traceState: '', attributes: [tag('opentracing.ref_type', 'child_of')], droppedAttributesCount: 0, flags: 0 },
    ];
    const [out] = tracesToJaeger(t)[0]!.spans;
    assert.equal(out!.parentSpanId, ROOT);
    assert.deepEqual(out!.references, [
      { refType: 0, traceId: TRACE, spanId: ROOT },
      { refType: 1, traceId: TRACE_128, spanId: LATER },
      { refType: 0, traceId: TRACE_128, spanId: CHILD },
    ]);
  });

  it('service.name becomes the serviceName (the first one, as text), the other resource attributes process tags', () => {
    const [batch] = tracesToJaeger({
      resourceSpans: [
        {
          resource: { attributes: [tag('host.name', 'h'), tag('service.name', 'svc'), tag('service.name', 'again')], droppedAttributesCount: 0 },
          scopeSpans: [],
          schemaUrl: '',
        },
      ],
    });
    assert.equal(render(batch!.process), render({ serviceName: 'svc', tags: [tag('host.name', 'h'), tag('service.name', 'again')] }));
  });
});

describe('Jaeger through the model and back', () => {
  it('a jaeger-client batch: golden model, golden Jaeger out, and the Jaeger out is a fixed point', (t) => {
    const traces = tracesFromJaeger(clientBatch());
    assertGolden(t, 'jaeger/client-batch.model.json', render(traces));
    const out = tracesToJaeger(traces);
    assertGolden(t, 'jaeger/client-batch.jaeger-out.json', render(out));
    assert.equal(out.length, 1);
    assert.deepStrictEqual(tracesToJaeger(tracesFromJaeger(decodeBatchThrift(encodeBatchThrift(out[0]!)))), out);
  });

  it('what changes on the way back is only where ocsvc writes the tags it reads (span.kind, status) and the added otel.status_code', () => {
    const [out] = tracesToJaeger(tracesFromJaeger(clientBatch()));
    const keys = (b: JaegerBatch) => b.spans.map((sp) => sp.tags.map((x) => x.key).sort());
    const added = (k: string[]) => k.filter((x) => x !== 'otel.status_code');
    assert.deepEqual(keys(out!).map(added), keys(clientBatch()));
    assert.deepEqual(
      out!.spans.map((sp) => [sp.spanId, sp.parentSpanId, sp.references, sp.flags, sp.startTimeUnixNano, sp.durationNano, sp.logs]),
      clientBatch().spans.map((sp) => [sp.spanId, sp.parentSpanId, sp.references, sp.flags, sp.startTimeUnixNano, sp.durationNano, sp.logs]),
    );
  });

  it('property: a Thrift batch as ocsvc writes one comes back unchanged through the model and Thrift bytes', () => {
    fc.assert(
      fc.property(canonicalBatchArb('thrift'), (batch) => {
        const back = tracesToJaeger(tracesFromJaeger(decodeBatchThrift(encodeBatchThrift(batch, 'compact'), 'compact')));
        assert.equal(render(back), render([batch]));
      }),
      { numRuns: RUNS },
    );
  });

  it('property: a protobuf batch as ocsvc writes one comes back unchanged through the model and protobuf bytes', () => {
    fc.assert(
      fc.property(canonicalBatchArb('proto'), (batch) => {
        const out = tracesToJaeger(tracesFromJaeger(decodePostSpansProto(encodePostSpansProto(batch))));
        assert.equal(out.length, 1);
        assert.equal(render(decodePostSpansProto(encodePostSpansProto(out[0]!))), render(batch));
      }),
      { numRuns: RUNS },
    );
  });

  it('property: any model keeps IDs, parent, name, kind, status code, times, scalar attributes, events and links through Jaeger protobuf', () => {
    fc.assert(
      fc.property(tracesArb, (traces) => {
        const back = tracesToJaeger(traces).map((b) => tracesFromJaeger(decodePostSpansProto(encodePostSpansProto(b))));
        const before = traces.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
        const after = back.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
        assert.equal(after.length, before.length);
        before.forEach((b, i) => {
          const a = after[i]!;
          assert.deepEqual([a.traceId, a.spanId, a.parentSpanId, a.name, a.kind, a.status.code], [b.traceId, b.spanId, b.parentSpanId, b.name, b.kind, b.status.code]);
          assert.deepEqual([a.startTimeUnixNano, a.endTimeUnixNano], [b.startTimeUnixNano, b.endTimeUnixNano]);
          // Values Jaeger has no type for come back as text; keys the translation reads are not the user's.
          const expected = b.attributes
            .filter((kv) => !RESERVED.has(kv.key))
            .map((kv) => (['string', 'bool', 'int', 'double', 'bytes'].includes(kv.value.kind) ? kv : tag(kv.key, anyValueToString(kv.value))));
          assert.deepStrictEqual(a.attributes, expected);
          assert.deepEqual(a.events.map((e) => e.timeUnixNano), b.events.map((e) => e.timeUnixNano));
          assert.deepEqual(a.links.map((l) => [l.traceId, l.spanId]), b.links.filter((l, j) => !(j === 0 && l.traceId === b.traceId && l.spanId === b.parentSpanId)).map((l) => [l.traceId, l.spanId]));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('property: any decodable batch translates or gives InvalidInputError, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(wireBatchArb('thrift'), wireBatchArb('proto')), (batch) => {
        decodesOrRejects(() => tracesFromJaeger(batch));
      }),
      { numRuns: RUNS },
    );
  });
});
