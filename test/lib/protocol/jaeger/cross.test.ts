// Jaeger beside the other protocols, through the model: Jaeger -> OTLP
// protobuf (what the Kafka topics carry) -> Jaeger loses nothing, and Jaeger
// -> OpenCensus -> model keeps what both protocols have fields for: the
// service, IDs and parent, kind, status, attributes, events and links.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { attr, type Span, type Traces } from '../../../../lib/model/index.js';
import { tracesFromJaeger, tracesToJaeger } from '../../../../lib/protocol/jaeger/index.js';
import { tracesFromOc, tracesToOc } from '../../../../lib/protocol/opencensus/index.js';
import { decodeTracesProto, encodeTracesProto } from '../../../../lib/protocol/otlp/index.js';
import { canonicalBatchArb } from '../../../helpers/jaeger-arbitraries.js';
import { clientBatch, render } from './fixtures.js';

const spans = (t: Traces): { span: Span; service: string }[] =>
  t.resourceSpans.flatMap((rs) => {
    const name = attr(rs.resource.attributes, 'service.name');
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, service: name?.kind === 'string' ? name.value : '' })));
  });

test('Jaeger -> model -> OTLP protobuf -> model -> Jaeger is what Jaeger -> model -> Jaeger gives (the topics lose nothing)', () => {
  fc.assert(
    fc.property(canonicalBatchArb('thrift'), (batch) => {
      const model = tracesFromJaeger(batch);
      assert.equal(render(tracesToJaeger(decodeTracesProto(encodeTracesProto(model)))), render(tracesToJaeger(model)));
    }),
    { numRuns: 100 },
  );
});

test('a jaeger-client batch through OpenCensus keeps service, IDs, parent, kind, status, attributes, events and links', () => {
  const direct = spans(tracesFromJaeger(clientBatch()));
  const viaOc = spans(tracesFromOc(tracesToOc(tracesFromJaeger(clientBatch()))[0]!));
  assert.equal(viaOc.length, direct.length);
  direct.forEach(({ span: a, service }, i) => {
    const { span: b, service: s } = viaOc[i]!;
    assert.equal(s, service);
    assert.deepEqual([b.traceId, b.spanId, b.parentSpanId, b.name, b.kind, b.status.code], [a.traceId, a.spanId, a.parentSpanId, a.name, a.kind, a.status.code]);
    assert.deepEqual([b.startTimeUnixNano, b.endTimeUnixNano], [a.startTimeUnixNano, a.endTimeUnixNano]);
    for (const kv of a.attributes) {
      const v = attr(b.attributes, kv.key);
      // OpenCensus has no bytes: they come back as text.
      if (kv.value.kind === 'bytes') assert.equal(v?.kind, 'string', kv.key);
      else assert.deepEqual(v, kv.value, kv.key);
    }
    assert.deepEqual(b.events.map((e) => [e.timeUnixNano, e.name]), a.events.map((e) => [e.timeUnixNano, e.name]));
    assert.deepEqual(b.links.map((l) => [l.traceId, l.spanId, attr(l.attributes, 'opentracing.ref_type')]), a.links.map((l) => [l.traceId, l.spanId, attr(l.attributes, 'opentracing.ref_type')]));
  });
});
