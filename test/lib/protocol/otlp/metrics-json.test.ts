// The OTLP/JSON metrics codec: every metric kind round-trips, golden output, a
// request shaped as the specification's example, and survival of any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import type { SpanId, TraceId } from '../../../../lib/model/index.js';
import {
  decodeMetricsJson,
  decodeMetricsProto,
  encodeMetricsJson,
  encodeMetricsProto,
} from '../../../../lib/protocol/otlp/index.js';
import { metricsArb } from '../../../helpers/arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../../helpers/fuzz-corpus.js';
import { sampleMetrics } from '../../../helpers/fixtures.js';
import { assertGolden, readGolden } from '../../../helpers/golden.js';
import { replaceAt } from './fuzz.js';

const pretty = (json: string): string => `${JSON.stringify(JSON.parse(json), null, 2)}\n`;
const T = 1544712660300000000n;

describe('OTLP/JSON metrics', () => {
  it('round-trips the sample metrics (every kind) unchanged', () => {
    const m = sampleMetrics();
    assert.deepStrictEqual(decodeMetricsJson(encodeMetricsJson(m)), m);
  });

  it('encodes the sample metrics as the golden JSON', (t) => {
    assertGolden(t, 'otlp/sample-metrics.json', pretty(encodeMetricsJson(sampleMetrics())));
  });

  it('writes present optional doubles even when 0, and leaves absent ones out', () => {
    const json = JSON.parse(encodeMetricsJson(sampleMetrics()));
    const [withAll, withNone] = json.resourceMetrics[0].scopeMetrics[0].metrics[2].histogram.dataPoints;
    assert.deepStrictEqual([withAll.sum, withAll.min, withAll.max], [0, '-Infinity', 99.75]);
    assert.deepStrictEqual([withNone.sum, withNone.min, withNone.max], [undefined, undefined, undefined]);
    assert.deepStrictEqual(withAll.bucketCounts, ['1', '1152921504606846973', '2']);
  });

  it('decodes a request shaped as the specification example, with the variations clients send', () => {
    const m = decodeMetricsJson(readGolden('otlp/interop-metrics.json'));
    const sm = m.resourceMetrics[0]!.scopeMetrics[0]!;
    assert.equal(sm.scope.name, 'my.library');
    const attr = (key: string) => [{ key, value: { kind: 'string' as const, value: 'some value' } }];
    assert.deepStrictEqual(
      sm.metrics.map((x) => x.data),
      [
        {
          kind: 'sum',
          aggregationTemporality: 1,
          isMonotonic: true,
          dataPoints: [
            { attributes: attr('my.counter.attr'), startTimeUnixNano: T, timeUnixNano: T, flags: 0, value: { kind: 'double', value: 5 }, exemplars: [] },
          ],
        },
        {
          kind: 'gauge',
          dataPoints: [
            {
              attributes: [],
              startTimeUnixNano: 0n,
              timeUnixNano: T,
              flags: 0,
              value: { kind: 'int', value: 10n },
              exemplars: [
                {
                  filteredAttributes: [],
                  timeUnixNano: T + 1n,
                  value: { kind: 'double', value: 9.5 },
                  spanId: 'eee19b7ec3c1b174' as SpanId,
                  traceId: '5b8efff798038103d269b633813fc60c' as TraceId,
                },
              ],
            },
          ],
        },
        {
          kind: 'histogram',
          aggregationTemporality: 2,
          dataPoints: [
            {
              attributes: attr('my.histogram.attr'),
              startTimeUnixNano: T,
              timeUnixNano: T,
              flags: 0,
              count: 2n,
              sum: 2,
              bucketCounts: [1n, 1n],
              explicitBounds: [1],
              exemplars: [],
              min: 0,
              max: 2,
            },
          ],
        },
        {
          kind: 'exponentialHistogram',
          aggregationTemporality: 1,
          dataPoints: [
            {
              attributes: attr('my.exponential.histogram.attr'),
              startTimeUnixNano: T,
              timeUnixNano: T,
              flags: 0,
              count: 3n,
              sum: 10,
              scale: 0,
              zeroCount: 1n,
              positive: { offset: 1, bucketCounts: [0n, 2n] },
              negative: { offset: 0, bucketCounts: [] },
              exemplars: [],
              min: 0,
              max: 5,
              zeroThreshold: 0,
            },
          ],
        },
        {
          kind: 'summary',
          dataPoints: [
            {
              attributes: [],
              startTimeUnixNano: 0n,
              timeUnixNano: T,
              flags: 1,
              count: 4n,
              sum: Infinity,
              quantileValues: [
                { quantile: 0.5, value: 1.5 },
                { quantile: 0, value: 0 },
              ],
            },
          ],
        },
      ],
    );
    assert.deepStrictEqual(
      sm.metrics.map((x) => [x.name, x.unit, x.description]),
      [
        ['my.counter', '1', 'I am a Counter'],
        ['my.gauge', '1', 'I am a Gauge'],
        ['my.histogram', '1', 'I am a Histogram'],
        ['my.exponential.histogram', '1', 'I am an Exponential Histogram'],
        ['my.summary', '', ''],
      ],
    );
  });

  it('rejects values of the wrong type, saying where', () => {
    const body = JSON.stringify({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [{}, { asDouble: 'many' }] } }] }] }],
    });
    assert.throws(() => decodeMetricsJson(body), {
      name: 'InvalidInputError',
      message: 'data point 1 of metric 0 of scope 0 of resource 0: asDouble must be a number, got "many"',
    });
    assert.throws(
      () => decodeMetricsJson('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"bucketCounts":[-1]}]}}]}]}]}'),
      /bucketCounts must be a uint64/,
    );
    assert.throws(() => decodeMetricsJson('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":[]}]}]}]}'), /sum must be an object/);
  });

  it('round-trips arbitrary valid metrics unchanged (property)', () => {
    fc.assert(
      fc.property(metricsArb, (m) => {
        assert.deepStrictEqual(decodeMetricsJson(encodeMetricsJson(m)), m);
      }),
      { numRuns: 200 },
    );
  });

  it('survives arbitrary text and JSON values: decodes or throws InvalidInputError (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ resourceMetrics: v }))), (text) => {
        decodesOrKeeps('otlp-metrics-json', text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('survives valid requests with any part replaced by any JSON value; what it decodes encodes again (property)', () => {
    const base = encodeMetricsJson(sampleMetrics());
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }), (edits) => {
        let doc: unknown = JSON.parse(base);
        for (const [at, value] of edits) doc = replaceAt(doc, at, value);
        const decoded = decodesOrKeeps('otlp-metrics-json', JSON.stringify(doc));
        if (decoded !== undefined) {
          assert.deepStrictEqual(decodeMetricsJson(encodeMetricsJson(decoded)), decoded);
          assert.deepStrictEqual(decodeMetricsProto(encodeMetricsProto(decoded)), decoded);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('never throws anything but InvalidInputError for a wrong top level', () => {
    for (const text of ['null', '1', '"x"', '[]', 'true']) {
      assert.throws(() => decodeMetricsJson(text), InvalidInputError);
    }
  });
});
