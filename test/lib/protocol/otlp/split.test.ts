// Splitting a batch by trace ID (the Kafka key and the sampler's unit) and
// merging pieces back: nothing lost, nothing duplicated, every span under its
// own resource and scope, no empty scopes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { spanCount, type InstrumentationScope, type Resource, type Span, type Traces } from '../../../../lib/model/index.js';
import { mergeTraces, splitTracesByTraceId } from '../../../../lib/protocol/otlp/index.js';
import { tracesArb } from '../../../helpers/arbitraries.js';
import { sampleTraces, traceIdN } from '../../../helpers/fixtures.js';

/** Every span with the resource, scope and schema URLs it sits under. */
function placements(t: Traces): Map<Span, [Resource, string, InstrumentationScope, string]> {
  const out = new Map<Span, [Resource, string, InstrumentationScope, string]>();
  for (const rs of t.resourceSpans)
    for (const ss of rs.scopeSpans) for (const s of ss.spans) out.set(s, [rs.resource, rs.schemaUrl, ss.scope, ss.schemaUrl]);
  return out;
}

function assertNoEmpty(t: Traces): void {
  for (const rs of t.resourceSpans) {
    assert.ok(rs.scopeSpans.length > 0, 'no empty resource');
    for (const ss of rs.scopeSpans) assert.ok(ss.spans.length > 0, 'no empty scope');
  }
}

describe('splitTracesByTraceId', () => {
  it('splits spans of 3 traces across two resources into 3 batches that keep the structure', () => {
    const input = sampleTraces({ traceCount: 3 });
    const parts = splitTracesByTraceId(input);
    assert.deepStrictEqual([...parts.keys()], [traceIdN(0), traceIdN(1), traceIdN(2)]);
    for (const [id, part] of parts) {
      assert.equal(part.resourceSpans.length, 2);
      const [frontend, checkout] = part.resourceSpans;
      assert.equal(frontend!.resource, input.resourceSpans[0]!.resource);
      assert.equal(frontend!.schemaUrl, input.resourceSpans[0]!.schemaUrl);
      assert.equal(frontend!.scopeSpans.length, 1);
      assert.equal(frontend!.scopeSpans[0]!.scope, input.resourceSpans[0]!.scopeSpans[0]!.scope);
      assert.equal(frontend!.scopeSpans[0]!.schemaUrl, 'https://opentelemetry.io/schemas/1.26.0');
      assert.equal(checkout!.resource, input.resourceSpans[1]!.resource);
      assert.deepStrictEqual(
        checkout!.scopeSpans.map((ss) => ss.spans.length),
        [1, 1],
      );
      assert.equal(spanCount(part), 3);
      for (const rs of part.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) assert.equal(s.traceId, id);
    }
  });

  it('leaves out resources and scopes without spans of a trace', () => {
    const input = sampleTraces({ traceCount: 2 });
    input.resourceSpans[1]!.scopeSpans[0]!.spans = input.resourceSpans[1]!.scopeSpans[0]!.spans.filter((s) => s.traceId === traceIdN(0));
    input.resourceSpans.push({ resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [], schemaUrl: '' });
    const second = splitTracesByTraceId(input).get(traceIdN(1))!;
    assert.deepStrictEqual(
      second.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => ss.spans.length)),
      [[1], [1]],
    );
    assertNoEmpty(second);
  });

  it('gives an empty map for a batch without spans', () => {
    assert.equal(splitTracesByTraceId({ resourceSpans: [] }).size, 0);
  });

  it('loses and duplicates nothing, and keeps each span under its resource and scope (property)', () => {
    fc.assert(
      fc.property(tracesArb, (input) => {
        const where = placements(input);
        const parts = splitTracesByTraceId(input);
        let total = 0;
        const seen = new Set<Span>();
        for (const [id, part] of parts) {
          assertNoEmpty(part);
          for (const [span, place] of placements(part)) {
            assert.equal(span.traceId, id);
            assert.ok(!seen.has(span), 'span appears once');
            seen.add(span);
            assert.deepStrictEqual(place, where.get(span));
          }
          total += spanCount(part);
        }
        assert.equal(total, spanCount(input));
        assert.equal(seen.size, where.size);
        // Merging the pieces gives back every span, each in its place.
        const merged = mergeTraces([...parts.values()]);
        assert.equal(spanCount(merged), spanCount(input));
        for (const [span, place] of placements(merged)) assert.deepStrictEqual(place, where.get(span));
      }),
      { numRuns: 300 },
    );
  });
});

describe('mergeTraces', () => {
  it('merges the pieces of a split request back under one entry per resource and scope', () => {
    const input = sampleTraces({ traceCount: 3 });
    const merged = mergeTraces([...splitTracesByTraceId(input).values()]);
    assert.equal(merged.resourceSpans.length, 2);
    assert.deepStrictEqual(
      merged.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => ss.spans.length)),
      [[3], [3, 3]],
    );
    assert.deepStrictEqual(merged, input);
  });

  it('keeps resources that are equal but distinct objects apart, and preserves order', () => {
    const a = sampleTraces({ traceCount: 1 });
    const b = sampleTraces({ traceCount: 1 });
    const merged = mergeTraces([a, b]);
    assert.equal(merged.resourceSpans.length, 4);
    assert.deepStrictEqual(merged.resourceSpans, [...a.resourceSpans, ...b.resourceSpans]);
  });

  it('does not modify its inputs', () => {
    const a = sampleTraces({ traceCount: 2 });
    const pieces = [...splitTracesByTraceId(a).values()];
    const before = pieces.map((p) => p.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => ss.spans.length)));
    mergeTraces(pieces);
    assert.deepStrictEqual(
      pieces.map((p) => p.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => ss.spans.length))),
      before,
    );
  });

  it('gives an empty batch for no input', () => {
    assert.deepStrictEqual(mergeTraces([]), { resourceSpans: [] });
  });
});
