// The OTLP/protobuf metrics codec: every metric kind round-trips, optional
// doubles stay absent when absent, a golden encoding, and survival of any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import type { HistogramDataPoint, Metrics } from '../../../../lib/model/index.js';
import { decodeMetricsProto, encodeMetricsProto } from '../../../../lib/protocol/otlp/index.js';
import { MetricsDataType, MetricsRequestType } from '../../../../lib/protocol/otlp/proto-root.js';
import { metricsArb } from '../../../helpers/arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../../helpers/fuzz-corpus.js';
import { sampleMetrics } from '../../../helpers/fixtures.js';
import { assertGolden, hexLines } from '../../../helpers/golden.js';
import { mutate, mutationsArb } from './fuzz.js';

const oneMetric = (metric: Record<string, unknown>): Uint8Array =>
  MetricsRequestType.encode({ resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] }).finish();

describe('OTLP/protobuf metrics', () => {
  it('round-trips the sample metrics (every kind) unchanged', () => {
    const m = sampleMetrics();
    assert.deepStrictEqual(decodeMetricsProto(encodeMetricsProto(m)), m);
  });

  it('encodes the sample metrics as the golden bytes', (t) => {
    assertGolden(t, 'otlp/sample-metrics.pb.hex', hexLines(encodeMetricsProto(sampleMetrics())));
  });

  it('reads MetricsData as well as ExportMetricsServiceRequest (same wire format)', () => {
    const m = sampleMetrics();
    const asData = MetricsDataType.encode(MetricsDataType.decode(encodeMetricsProto(m))).finish();
    assert.deepStrictEqual(decodeMetricsProto(asData), m);
  });

  it('keeps absent sum, min and max absent, and zero ones zero', () => {
    const decoded = decodeMetricsProto(
      oneMetric({ histogram: { dataPoints: [{ count: 1 }, { count: 1, sum: 0, min: 0, max: -0 }] } }),
    );
    const data = decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data;
    assert.equal(data.kind, 'histogram');
    const [absent, zero] = (data as { dataPoints: HistogramDataPoint[] }).dataPoints;
    assert.deepStrictEqual([absent!.sum, absent!.min, absent!.max], [undefined, undefined, undefined]);
    assert.deepStrictEqual([zero!.sum, zero!.min, zero!.max], [0, 0, -0]);
  });

  it('tells an int value from a double one and from no value', () => {
    const decoded = decodeMetricsProto(
      oneMetric({ gauge: { dataPoints: [{ asInt: '-9223372036854775808' }, { asDouble: 0 }, { asInt: 0 }, {}] } }),
    );
    const data = decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data;
    assert.equal(data.kind, 'gauge');
    assert.deepStrictEqual(
      data.kind === 'gauge' && data.dataPoints.map((p) => p.value),
      [{ kind: 'int', value: -(2n ** 63n) }, { kind: 'double', value: 0 }, { kind: 'int', value: 0n }, undefined],
    );
  });

  it('reads a metric without data as kind "empty", and unknown temporalities as UNSPECIFIED', () => {
    const empty = decodeMetricsProto(oneMetric({ name: 'x' })).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
    assert.deepStrictEqual(empty, { name: 'x', description: '', unit: '', metadata: [], data: { kind: 'empty' } });
    const sum = decodeMetricsProto(oneMetric({ sum: { aggregationTemporality: 7 } })).resourceMetrics[0]!.scopeMetrics[0]!
      .metrics[0]!.data;
    assert.deepStrictEqual(sum, { kind: 'sum', dataPoints: [], aggregationTemporality: 0, isMonotonic: false });
  });

  it('rejects exemplar IDs of the wrong size, saying where', () => {
    const buf = oneMetric({ gauge: { dataPoints: [{}, { exemplars: [{ traceId: Buffer.alloc(3, 1) }] }] } });
    assert.throws(() => decodeMetricsProto(buf), {
      name: 'InvalidInputError',
      message: 'data point 1 of metric 0 of scope 0 of resource 0: exemplar 0 trace ID must be empty or 16 bytes, got 3 bytes',
    });
  });

  it('rejects malformed protobuf', () => {
    assert.throws(() => decodeMetricsProto(Buffer.from([0x0a, 0x7f])), (err) => err instanceof InvalidInputError && /^invalid OTLP protobuf: /.test(err.message));
  });

  it('round-trips arbitrary valid metrics unchanged (property)', () => {
    fc.assert(
      fc.property(metricsArb, (m: Metrics) => {
        assert.deepStrictEqual(decodeMetricsProto(encodeMetricsProto(m)), m);
      }),
      { numRuns: 200 },
    );
  });

  it('survives arbitrary bytes: decodes or throws InvalidInputError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        decodesOrKeeps('otlp-metrics-proto', bytes);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('survives mutated valid encodings, and what it decodes encodes again (property)', () => {
    const base = encodeMetricsProto(sampleMetrics());
    fc.assert(
      fc.property(fc.option(metricsArb, { nil: undefined }), mutationsArb, (model, mutations) => {
        const input = mutate(model === undefined ? base : encodeMetricsProto(model), mutations);
        const decoded = decodesOrKeeps('otlp-metrics-proto', input);
        if (decoded !== undefined) assert.deepStrictEqual(decodeMetricsProto(encodeMetricsProto(decoded)), decoded);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
