// The wire scan the sampler runs on every record: it must agree with the full
// decoder on span count, root spans and the first trace ID for any valid
// input, and survive any input with InvalidInputError alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import { spanCount, type Traces } from '../../../../lib/model/index.js';
import { decodeTracesProto, encodeTracesProto, scanTracesProto } from '../../../../lib/protocol/otlp/index.js';
import { TraceRequestType } from '../../../../lib/protocol/otlp/proto-root.js';
import { tracesArb } from '../../../helpers/arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../../helpers/fuzz-corpus.js';
import { sampleTraces } from '../../../helpers/fixtures.js';
import { mutate, mutationsArb } from './fuzz.js';

function roots(t: Traces): number {
  let n = 0;
  for (const rs of t.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) if (s.parentSpanId === '') n++;
  return n;
}

function firstTraceId(t: Traces): string | undefined {
  return t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))[0]?.traceId;
}

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

describe('scanTracesProto', () => {
  it('counts the spans and root spans of the sample traces and finds the first trace ID', () => {
    const t = sampleTraces();
    const scan = scanTracesProto(encodeTracesProto(t));
    assert.equal(scan.spans, spanCount(t));
    assert.equal(scan.roots, roots(t));
    assert.ok(scan.roots > 0 && scan.roots < scan.spans, 'the fixture has both roots and children');
    assert.equal(hex(scan.firstTraceId), firstTraceId(t));
  });

  it('agrees with the full decoder on any encoded traces', () => {
    fc.assert(
      fc.property(tracesArb, (t) => {
        const bytes = encodeTracesProto(t);
        const decoded = decodeTracesProto(bytes);
        const scan = scanTracesProto(bytes);
        assert.equal(scan.spans, spanCount(decoded));
        assert.equal(scan.roots, roots(decoded));
        assert.equal(hex(scan.firstTraceId), firstTraceId(decoded));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('takes an all-zero or empty parent_span_id as a root, as OpenCensus Go sends it', () => {
    const span = (parentSpanId: Uint8Array | undefined) => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), ...(parentSpanId ? { parentSpanId } : {}) });
    const bytes = TraceRequestType.encode({
      resourceSpans: [{ scopeSpans: [{ spans: [span(undefined), span(Buffer.alloc(0)), span(Buffer.alloc(8)), span(Buffer.alloc(8, 3))] }] }],
    }).finish();
    assert.deepEqual({ ...scanTracesProto(bytes), firstTraceId: undefined }, { spans: 4, roots: 3, firstTraceId: undefined });
  });

  it('an empty input holds no spans', () => {
    assert.deepEqual(scanTracesProto(new Uint8Array()), { spans: 0, roots: 0, firstTraceId: undefined });
  });

  it('rejects truncated and malformed input with InvalidInputError naming the problem', () => {
    const bytes = encodeTracesProto(sampleTraces({ traceCount: 1 }));
    for (const bad of [bytes.subarray(0, bytes.length - 3), Uint8Array.from([0x0a, 0xff]), Uint8Array.from([0x0b]), Uint8Array.from([0x00, 0x00]), Uint8Array.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])]) {
      assert.throws(() => scanTracesProto(bad), (err: unknown) => err instanceof InvalidInputError && /^invalid OTLP protobuf: /.test(err.message));
    }
  });

  it('survives any mutation of valid input: a result or InvalidInputError, never another exception', () => {
    fc.assert(
      fc.property(tracesArb, mutationsArb, (t, mutations) => {
        decodesOrKeeps('otlp-traces-scan', mutate(encodeTracesProto(t), mutations));
      }),
      { numRuns: FUZZ_RUNS },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodesOrKeeps('otlp-traces-scan', bytes);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
