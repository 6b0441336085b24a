// Zipkin spans through the other protocols' translations: what a Zipkin
// client sent must leave ocsvc unchanged whichever protocol carries it in
// between (for spans as reporters send them: see reportedSpansArb).
// OTLP (what Kafka topics hold) is checked in properties.test.ts; here
// OpenCensus, in both its encodings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Traces } from '../../../../lib/model/index.js';
import {
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
  tracesFromOc,
  tracesToOc,
} from '../../../../lib/protocol/opencensus/index.js';
import { decodeZipkinV2Json, encodeZipkinV2Json } from '../../../../lib/protocol/zipkin/index.js';
import { zipkinSpansArb } from '../../../helpers/zipkin-arbitraries.js';
import { sortedSpans } from './helpers.js';

/** Through OpenCensus: one request per resource, each encoded and decoded again, merged back. */
function viaOpenCensus(t: Traces, encoding: 'proto' | 'json'): Traces {
  const requests = tracesToOc(t).map((r) => (encoding === 'proto' ? decodeTraceRequestProto(encodeTraceRequestProto(r)) : decodeTraceRequestJson(encodeTraceRequestJson(r))));
  return { resourceSpans: requests.flatMap((r) => tracesFromOc(r).resourceSpans) };
}

/**
 * Spans as reporters send them, with a local service name, and tracestates
 * as W3C writes them (OpenCensus carries entries, not free text); without
 * resource tags, which OpenCensus's typed Node fields would carry differently.
 */
const reportedSpansArb = zipkinSpansArb.chain((spans) =>
  fc
    .tuple(...spans.map(() => fc.tuple(fc.constantFrom('congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', 'ot=th:8'), fc.constantFrom('frontend', 'backend'))))
    .map((extra) =>
      spans.map((s, i) => {
        const [state, service] = extra[i]!;
        const tags = s.tags === undefined ? undefined : { ...s.tags };
        if (tags?.['w3c.tracestate'] !== undefined) tags['w3c.tracestate'] = state;
        // OpenCensus types its Node's fields (the pid an int): Zipkin's text resource tags do not fit them.
        for (const key of ['host.name', 'process.pid', 'telemetry.sdk.language']) delete tags?.[key];
        const kept = tags === undefined || Object.keys(tags).length === 0 ? {} : { tags };
        const { tags: _tags, ...rest } = s;
        return { ...rest, localEndpoint: { ...s.localEndpoint, serviceName: s.localEndpoint?.serviceName ?? service }, ...kept };
      }),
    ),
);

describe('Zipkin spans through OpenCensus', () => {
  for (const encoding of ['proto', 'json'] as const) {
    it(`Zipkin -> model -> OpenCensus ${encoding} -> model -> Zipkin gives every span back exactly`, () => {
      fc.assert(
        fc.property(reportedSpansArb, (spans) => {
          const sent = JSON.stringify(spans);
          const back = encodeZipkinV2Json(viaOpenCensus(decodeZipkinV2Json(sent), encoding));
          assert.deepStrictEqual(sortedSpans(back), sortedSpans(sent));
        }),
        { numRuns: 150 },
      );
    });
  }
});
