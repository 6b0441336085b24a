// The OTLP/protobuf traces codec: lossless round trips, a golden encoding, the
// validation rules of the specification, and survival of any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import type { Traces } from '../../../../lib/model/index.js';
import { decodeTracesProto, encodeTracesJson, encodeTracesProto } from '../../../../lib/protocol/otlp/index.js';
import { TraceRequestType, TracesDataType } from '../../../../lib/protocol/otlp/proto-root.js';
import { tracesArb } from '../../../helpers/arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../../helpers/fuzz-corpus.js';
import { sampleTraces } from '../../../helpers/fixtures.js';
import { assertGolden, hexLines } from '../../../helpers/golden.js';
import { mutate, mutationsArb } from './fuzz.js';

const TRACE_ID = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN_ID = Buffer.from('eee19b7ec3c1b174', 'hex');

/** Encodes a request from protobufjs-shaped plain objects, bypassing our encoder. */
function rawRequest(span: Record<string, unknown>, extra: Record<string, unknown> = {}): Uint8Array {
  return TraceRequestType.encode({ resourceSpans: [{ scopeSpans: [{ spans: [span] }], ...extra }] }).finish();
}

function rejection(buf: Uint8Array): string {
  try {
    decodeTracesProto(buf);
  } catch (err) {
    assert.ok(err instanceof InvalidInputError);
    return err.message;
  }
  return assert.fail('expected InvalidInputError');
}

describe('OTLP/protobuf traces', () => {
  it('round-trips the sample traces unchanged', () => {
    const t = sampleTraces();
    assert.deepStrictEqual(decodeTracesProto(encodeTracesProto(t)), t);
  });

  it('encodes the sample traces as the golden bytes', (t) => {
    assertGolden(t, 'otlp/sample-traces.pb.hex', hexLines(encodeTracesProto(sampleTraces())));
  });

  it('reads TracesData as well as ExportTraceServiceRequest (same wire format)', () => {
    const model = sampleTraces({ traceCount: 1 });
    const asData = TracesDataType.encode(TracesDataType.decode(encodeTracesProto(model))).finish();
    assert.deepStrictEqual(decodeTracesProto(asData), model);
  });

  it('keeps int64 and fixed64 values beyond 2^53 exactly', () => {
    const decoded = decodeTracesProto(
      rawRequest({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        startTimeUnixNano: '18446744073709551615',
        endTimeUnixNano: '9007199254740993',
        attributes: [
          { key: 'min', value: { intValue: '-9223372036854775808' } },
          { key: 'max', value: { intValue: '9223372036854775807' } },
        ],
      }),
    );
    const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.startTimeUnixNano, 2n ** 64n - 1n);
    assert.equal(span.endTimeUnixNano, 2n ** 53n + 1n);
    assert.deepStrictEqual(
      span.attributes.map((a) => a.value),
      [
        { kind: 'int', value: -(2n ** 63n) },
        { kind: 'int', value: 2n ** 63n - 1n },
      ],
    );
  });

  it('gives absent resource, scope and status their empty values', () => {
    const span = decodeTracesProto(rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID }));
    assert.deepStrictEqual(span.resourceSpans[0]!.resource, { attributes: [], droppedAttributesCount: 0 });
    assert.deepStrictEqual(span.resourceSpans[0]!.scopeSpans[0]!.scope, {
      name: '',
      version: '',
      attributes: [],
      droppedAttributesCount: 0,
    });
    assert.deepStrictEqual(span.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.status, { code: 0, message: '' });
  });

  it('ignores unknown fields (a newer protocol version)', () => {
    const known = rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID, name: 'x' });
    // Field 99 (varint) appended to the span and field 1000 to the ResourceSpans' tail.
    const withUnknown = Buffer.concat([Buffer.from(known), Buffer.from([0x0a, 0x00])]);
    assert.deepStrictEqual(decodeTracesProto(withUnknown).resourceSpans[0]!.scopeSpans, decodeTracesProto(known).resourceSpans[0]!.scopeSpans);
    const spanWithUnknown = TraceRequestType.encode({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: SPAN_ID, name: 'x' }] }] }],
    }).finish();
    const bytes = Buffer.concat([Buffer.from(spanWithUnknown), Buffer.from([0xb8, 0x06, 0x07])]); // field 103, varint 7
    assert.equal(decodeTracesProto(bytes).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name, 'x');
  });

  it('reads unknown span kinds and status codes as UNSPECIFIED and UNSET', () => {
    const span = decodeTracesProto(rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID, kind: 9, status: { code: 7 } }))
      .resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.kind, 0);
    assert.equal(span.status.code, 0);
  });

  it('reads an all-zero parent span ID as a root span', () => {
    const span = decodeTracesProto(rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: Buffer.alloc(8) }))
      .resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.parentSpanId, '');
  });

  it('rejects invalid identifiers, naming the span and the rule', () => {
    const bad5 = Buffer.alloc(5, 1);
    const req = TraceRequestType.encode({
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: SPAN_ID }] }] },
        {
          scopeSpans: [
            { spans: [{ traceId: TRACE_ID, spanId: SPAN_ID }, { traceId: TRACE_ID, spanId: SPAN_ID }, { traceId: TRACE_ID, spanId: SPAN_ID }, { traceId: bad5, spanId: SPAN_ID }] },
          ],
        },
      ],
    }).finish();
    assert.equal(rejection(req), 'span 3 of scope 0 of resource 1: trace ID must be 16 bytes, got 5 bytes');
    assert.equal(rejection(rawRequest({ spanId: SPAN_ID })), 'span 0 of scope 0 of resource 0: trace ID must be 16 bytes, got 0 bytes');
    assert.match(rejection(rawRequest({ traceId: Buffer.alloc(16), spanId: SPAN_ID })), /trace ID must not be all zeros/);
    assert.match(rejection(rawRequest({ traceId: TRACE_ID, spanId: Buffer.alloc(8) })), /span ID must not be all zeros/);
    assert.match(rejection(rawRequest({ traceId: TRACE_ID, spanId: Buffer.alloc(16, 1) })), /span ID must be 8 bytes, got 16 bytes/);
    assert.match(
      rejection(rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: Buffer.alloc(4, 1) })),
      /parent span ID must be empty or 8 bytes, got 4 bytes/,
    );
    assert.match(
      rejection(rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID, links: [{ traceId: TRACE_ID, spanId: Buffer.alloc(3, 1) }] })),
      /link 0 span ID must be 8 bytes, got 3 bytes/,
    );
    assert.match(
      rejection(rawRequest({ traceId: TRACE_ID, spanId: SPAN_ID, links: [{ traceId: Buffer.alloc(16), spanId: SPAN_ID }] })),
      /link 0 trace ID must not be all zeros/,
    );
  });

  it('rejects malformed protobuf with a message naming the problem', () => {
    assert.equal(rejection(Buffer.from([0x0a, 0x05, 0x01])), 'invalid OTLP protobuf: index out of range');
    assert.match(rejection(Buffer.from([0x0f])), /^invalid OTLP protobuf: /);
  });

  it('decodes an empty body as no spans', () => {
    assert.deepStrictEqual(decodeTracesProto(new Uint8Array(0)), { resourceSpans: [] });
  });

  it('copies what it keeps: changing the input afterwards changes nothing', () => {
    const buf = Buffer.from(encodeTracesProto(sampleTraces()));
    const decoded = decodeTracesProto(buf);
    const before = encodeTracesJson(decoded);
    buf.fill(0);
    assert.equal(encodeTracesJson(decoded), before);
  });

  it('round-trips arbitrary valid traces unchanged (property)', () => {
    fc.assert(
      fc.property(tracesArb, (t: Traces) => {
        assert.deepStrictEqual(decodeTracesProto(encodeTracesProto(t)), t);
      }),
      { numRuns: 200 },
    );
  });

  it('survives arbitrary bytes: decodes or throws InvalidInputError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        decodesOrKeeps('otlp-traces-proto', bytes);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('survives mutated valid encodings, and what it decodes encodes again (property)', () => {
    const base = encodeTracesProto(sampleTraces());
    fc.assert(
      fc.property(fc.option(tracesArb, { nil: undefined }), mutationsArb, (model, mutations) => {
        const input = mutate(model === undefined ? base : encodeTracesProto(model), mutations);
        const decoded = decodesOrKeeps('otlp-traces-proto', input);
        if (decoded !== undefined) assert.deepStrictEqual(decodeTracesProto(encodeTracesProto(decoded)), decoded);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
