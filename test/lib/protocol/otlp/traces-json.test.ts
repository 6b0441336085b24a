// The OTLP/JSON traces codec: the specification's JSON mapping (hex IDs,
// integer enums, int64 as strings), lossless round trips, golden output, a
// request shaped as the specification's example, and survival of any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import type { Span, SpanId, TraceId, Traces } from '../../../../lib/model/index.js';
import {
  decodeTracesJson,
  decodeTracesProto,
  encodeTracesJson,
  encodeTracesProto,
  MAX_VALUE_DEPTH,
} from '../../../../lib/protocol/otlp/index.js';
import { tracesArb } from '../../../helpers/arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../../helpers/fuzz-corpus.js';
import { sampleTraces } from '../../../helpers/fixtures.js';
import { assertGolden, readGolden } from '../../../helpers/golden.js';
import { replaceAt } from './fuzz.js';

const pretty = (json: string): string => `${JSON.stringify(JSON.parse(json), null, 2)}\n`;

function rejection(text: string): string {
  try {
    decodeTracesJson(text);
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, String(err));
    return err.message;
  }
  return assert.fail('expected InvalidInputError');
}

const oneSpan = (span: Record<string, unknown>): string =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
const ids = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' };
const firstSpan = (t: Traces): Span => t.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;

describe('OTLP/JSON traces', () => {
  it('round-trips the sample traces unchanged, NaN, Infinity and -0 included', () => {
    const t = sampleTraces();
    assert.deepStrictEqual(decodeTracesJson(encodeTracesJson(t)), t);
  });

  it('encodes the sample traces as the golden JSON', (t) => {
    assertGolden(t, 'otlp/sample-traces.json', pretty(encodeTracesJson(sampleTraces())));
  });

  it('writes IDs as lowercase hex, int64 as decimal strings, enums as integers, bytes as base64', () => {
    const json = JSON.parse(encodeTracesJson(sampleTraces({ traceCount: 1 })));
    const span = json.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(span.traceId, '5b8efff798038103d269b633813fc600');
    assert.equal(span.spanId, 'eee19b7ec3c1b100');
    assert.equal(span.startTimeUnixNano, '1700000000123456789');
    assert.equal(span.status.code, 2);
    const attr = (key: string): unknown => span.attributes.find((a: { key: string }) => a.key === key).value;
    assert.deepStrictEqual(attr('int.min'), { intValue: '-9223372036854775808' });
    assert.deepStrictEqual(attr('bytes'), { bytesValue: 'AAEC/v8=' });
    assert.deepStrictEqual(attr('double.nan'), { doubleValue: 'NaN' });
    assert.deepStrictEqual(attr('double.inf'), { doubleValue: '-Infinity' });
    assert.deepStrictEqual(attr('empty'), {});
    assert.equal(span.parentSpanId, undefined, 'an empty parent span ID is left out');
  });

  it('decodes a request shaped as the specification example, with the variations clients send', () => {
    const t = decodeTracesJson(readGolden('otlp/interop-traces.json'));
    const rs = t.resourceSpans[0]!;
    assert.deepStrictEqual(rs.resource, {
      attributes: [{ key: 'service.name', value: { kind: 'string', value: 'my.service' } }],
      droppedAttributesCount: 0,
    });
    assert.equal(rs.schemaUrl, 'https://opentelemetry.io/schemas/1.4.0');
    assert.deepStrictEqual(rs.scopeSpans[0]!.scope, {
      name: 'my.library',
      version: '1.0.0',
      attributes: [{ key: 'my.scope.attribute', value: { kind: 'string', value: 'some scope attribute' } }],
      droppedAttributesCount: 0,
    });
    const [server, root] = rs.scopeSpans[0]!.spans;
    assert.deepStrictEqual(server, {
      traceId: '5b8efff798038103d269b633813fc60c' as TraceId,
      spanId: 'eee19b7ec3c1b174' as SpanId,
      traceState: '',
      parentSpanId: 'eee19b7ec3c1b173' as SpanId,
      flags: 0,
      name: "I'm a server span",
      kind: 2,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 1544712661000000000n,
      attributes: [{ key: 'my.span.attr', value: { kind: 'string', value: 'some value' } }],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    });
    assert.deepStrictEqual(root, {
      traceId: '5b8efff798038103d269b633813fc60c' as TraceId,
      spanId: 'eee19b7ec3c1b173' as SpanId,
      traceState: 'vendor=1',
      parentSpanId: '' as SpanId,
      flags: 257,
      name: 'root',
      kind: 3,
      startTimeUnixNano: 1544712659000000000n,
      endTimeUnixNano: 1544712662000000000n,
      attributes: [
        { key: 'int', value: { kind: 'int', value: -(2n ** 63n) } },
        { key: 'int.number', value: { kind: 'int', value: 42n } },
        { key: 'double', value: { kind: 'double', value: 0.25 } },
        { key: 'double.nan', value: { kind: 'double', value: NaN } },
        { key: 'bool', value: { kind: 'bool', value: true } },
        { key: 'bytes', value: { kind: 'bytes', value: new Uint8Array([0, 1, 0xfe, 0xff]) } },
        { key: 'array', value: { kind: 'array', value: [{ kind: 'string', value: 'a' }, { kind: 'empty' }] } },
        { key: 'kvlist', value: { kind: 'kvlist', value: [{ key: 'k', value: { kind: 'bool', value: false } }] } },
        { key: 'empty', value: { kind: 'empty' } },
        { key: 'null', value: { kind: 'empty' } },
      ],
      droppedAttributesCount: 1,
      events: [{ timeUnixNano: 1544712660500000000n, name: 'exception', attributes: [], droppedAttributesCount: 0 }],
      droppedEventsCount: 0,
      links: [
        {
          traceId: '0af7651916cd43dd8448eb211c80319c' as TraceId,
          spanId: 'b7ad6b7169203331' as SpanId,
          traceState: '',
          attributes: [],
          droppedAttributesCount: 0,
          flags: 1,
        },
      ],
      droppedLinksCount: 0,
      status: { code: 2, message: 'it failed' },
    });
  });

  it('accepts a UTF-8 body as bytes', () => {
    const text = encodeTracesJson(sampleTraces({ traceCount: 1 }));
    assert.deepStrictEqual(decodeTracesJson(Buffer.from(text)), decodeTracesJson(text));
  });

  it('reads unknown enum integers as UNSPECIFIED and rejects unknown enum names', () => {
    assert.equal(firstSpan(decodeTracesJson(oneSpan({ ...ids, kind: 42 }))).kind, 0);
    assert.match(rejection(oneSpan({ ...ids, kind: 'SPAN_KIND_WEIRD' })), /kind has unknown name "SPAN_KIND_WEIRD"/);
  });

  it('rejects invalid identifiers, naming the span and the rule', () => {
    const body = JSON.stringify({
      resourceSpans: [{}, { scopeSpans: [{ spans: [ids, ids, ids, { ...ids, traceId: 'abc' }] }] }],
    });
    assert.equal(rejection(body), 'span 3 of scope 0 of resource 1: trace ID must be 32 hex digits, got "abc"');
    assert.match(rejection(oneSpan({ spanId: ids.spanId })), /trace ID must be 32 hex digits, got none/);
    assert.match(rejection(oneSpan({ ...ids, traceId: '0'.repeat(32) })), /trace ID must not be all zeros/);
    assert.match(rejection(oneSpan({ ...ids, spanId: 'zzzzzzzzzzzzzzzz' })), /span ID must be 16 hex digits/);
    // Base64, the generic protobuf JSON mapping, is not OTLP/JSON.
    assert.match(rejection(oneSpan({ ...ids, traceId: 'W47/95gDgQPSabYzgT/GDA==' })), /trace ID must be 32 hex digits/);
    assert.match(rejection(oneSpan({ ...ids, parentSpanId: 'abcd' })), /parent span ID must be 16 hex digits/);
    assert.match(rejection(oneSpan({ ...ids, links: [{ traceId: ids.traceId }] })), /link 0 span ID must be 16 hex digits, got none/);
  });

  it('rejects values of the wrong type, saying where', () => {
    assert.equal(rejection('[]'), 'request must be an object, got array');
    assert.equal(rejection('{"resourceSpans":{}}'), 'resourceSpans must be an array, got object');
    assert.equal(rejection(oneSpan({ ...ids, name: 5 })), 'span 0 of scope 0 of resource 0: name must be a string, got number');
    assert.equal(
      rejection(oneSpan({ ...ids, startTimeUnixNano: '12.5' })),
      'span 0 of scope 0 of resource 0: startTimeUnixNano must be a uint64 as a decimal string, got "12.5"',
    );
    assert.match(rejection(oneSpan({ ...ids, endTimeUnixNano: '-1' })), /endTimeUnixNano must be a uint64/);
    assert.match(rejection(oneSpan({ ...ids, flags: 2 ** 32 })), /flags must be a uint32/);
    assert.equal(
      rejection(oneSpan({ ...ids, attributes: [{ key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: { intValue: 1.5 } }] } } }] })),
      'attribute "b" of attribute "a" of span 0 of scope 0 of resource 0: intValue must be an int64 as a decimal string, got 1.5',
    );
    assert.match(rejection(oneSpan({ ...ids, attributes: [{ key: 'a', value: { bytesValue: '!!' } }] })), /bytesValue must be base64/);
  });

  it('rejects malformed JSON with the parser message', () => {
    assert.match(rejection('{"resourceSpans": ['), /^invalid OTLP\/JSON: /);
    assert.match(rejection(''), /^invalid OTLP\/JSON: /);
  });

  it(`rejects values nested deeper than ${MAX_VALUE_DEPTH} levels, and keeps what it accepts encodable`, () => {
    const nest = (depth: number): unknown => (depth === 0 ? { stringValue: 'leaf' } : { arrayValue: { values: [nest(depth - 1)] } });
    const ok = decodeTracesJson(oneSpan({ ...ids, attributes: [{ key: 'deep', value: nest(MAX_VALUE_DEPTH) }] }));
    assert.deepStrictEqual(decodeTracesProto(encodeTracesProto(ok)), ok);
    assert.match(rejection(oneSpan({ ...ids, attributes: [{ key: 'deep', value: nest(MAX_VALUE_DEPTH + 1) }] })), /nested deeper/);
  });

  it('round-trips arbitrary valid traces unchanged (property)', () => {
    fc.assert(
      fc.property(tracesArb, (t) => {
        assert.deepStrictEqual(decodeTracesJson(encodeTracesJson(t)), t);
      }),
      { numRuns: 200 },
    );
  });

  it('survives arbitrary text and JSON values: decodes or throws InvalidInputError (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ resourceSpans: v }))), (text) => {
        decodesOrKeeps('otlp-traces-json', text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('survives valid requests with any part replaced by any JSON value; what it decodes encodes again (property)', () => {
    const base = encodeTracesJson(sampleTraces({ traceCount: 2 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }), (edits) => {
        let doc: unknown = JSON.parse(base);
        for (const [at, value] of edits) doc = replaceAt(doc, at, value);
        const decoded = decodesOrKeeps('otlp-traces-json', JSON.stringify(doc));
        if (decoded !== undefined) {
          assert.deepStrictEqual(decodeTracesJson(encodeTracesJson(decoded)), decoded);
          assert.deepStrictEqual(decodeTracesProto(encodeTracesProto(decoded)), decoded);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
