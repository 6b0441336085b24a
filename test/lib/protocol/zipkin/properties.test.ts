// Properties of the Zipkin codecs over generated input:
// - Zipkin -> model -> Zipkin gives every span back exactly (JSON v2, through
//   proto3, and through OTLP protobuf as Kafka carries it), for the spans a
//   Zipkin client may send (see
//   zipkin-arbitraries.ts for what "valid" includes);
// - v1 JSON and v1 Thrift of the same span convert alike;
// - any model encodes to Zipkin that decodes, keeping what Zipkin can carry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Traces } from '../../../../lib/model/index.js';
import { spanCount } from '../../../../lib/model/index.js';
import { decodeTracesProto, encodeTracesProto } from '../../../../lib/protocol/otlp/index.js';
import {
  decodeZipkinV1Json,
  decodeZipkinV1Thrift,
  decodeZipkinV2Json,
  decodeZipkinV2Proto,
  encodeZipkinV2Json,
  encodeZipkinV2Proto,
} from '../../../../lib/protocol/zipkin/index.js';
import { tracesArb } from '../../../helpers/arbitraries.js';
import { zipkinSpansArb, type ZipkinJsonSpan } from '../../../helpers/zipkin-arbitraries.js';
import { AnnotationType, encodeV1Thrift, typedValue } from '../../../helpers/zipkin-thrift.js';
import { landed, sortedSpans } from './helpers.js';

const RUNS = 200;

/** JSON.parse of the original, so that both sides have the same (plain) object shapes. */
const plain = (spans: ZipkinJsonSpan[]): unknown[] => sortedSpans(JSON.stringify(spans));

describe('Zipkin -> model -> Zipkin', () => {
  it('JSON v2: every span comes back exactly', () => {
    fc.assert(
      fc.property(zipkinSpansArb, (spans) => {
        const model = decodeZipkinV2Json(JSON.stringify(spans));
        assert.equal(spanCount(model), spans.length);
        assert.deepStrictEqual(sortedSpans(encodeZipkinV2Json(model)), plain(spans));
      }),
      { numRuns: RUNS },
    );
  });

  it('through Kafka: the model carried as OTLP protobuf (what topics hold) gives every span back exactly', () => {
    fc.assert(
      fc.property(zipkinSpansArb, (spans) => {
        const viaOtlp = decodeTracesProto(encodeTracesProto(decodeZipkinV2Json(JSON.stringify(spans))));
        assert.deepStrictEqual(sortedSpans(encodeZipkinV2Json(viaOtlp)), plain(spans));
      }),
      { numRuns: RUNS },
    );
  });

  it('through protobuf: JSON -> model -> proto -> model gives the same model, and the same JSON', () => {
    fc.assert(
      fc.property(zipkinSpansArb, (spans) => {
        const model = decodeZipkinV2Json(JSON.stringify(spans));
        const viaProto = decodeZipkinV2Proto(encodeZipkinV2Proto(model));
        assert.deepStrictEqual(viaProto, model);
        assert.deepStrictEqual(sortedSpans(encodeZipkinV2Json(viaProto)), plain(spans));
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- v1: the same span in both encodings ----

const endpointPool = [
  { serviceName: 'frontend', ipv4: '10.0.0.1', port: 8080 },
  { serviceName: 'backend', ipv4: '10.0.0.2', port: 9000 },
  { serviceName: 'frontend', ipv4: '10.0.0.3', port: 40_000 },
  { serviceName: 'kafka', ipv4: '10.0.0.9', port: 9092 },
];
const epArb = fc.option(fc.constantFrom(...endpointPool), { nil: undefined });
const v1SpanArb = fc.record({
  timestamp: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
  duration: fc.option(fc.integer({ min: 1, max: 1_000 }), { nil: undefined }),
  annotations: fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom('cs', 'cr', 'sr', 'ss', 'ms', 'mr', 'ws', 'wr', 'lc', 'retry'), epArb), { maxLength: 6 }),
  binary: fc.array(fc.tuple(fc.constantFrom('ca', 'sa', 'ma', 'lc', 'http.path', 'db'), fc.oneof(fc.constant(true as const), fc.constantFrom('', '/a', 'x')), epArb), { maxLength: 4 }),
  debug: fc.option(fc.boolean(), { nil: undefined }),
});
type V1 = typeof v1SpanArb extends fc.Arbitrary<infer T> ? T : never;
const TRACE = '5b8efff798038103d269b633813fc60c';
const ID = 'eee19b7ec3c1b174';

function v1Json(s: V1): string {
  return JSON.stringify([
    {
      traceId: TRACE,
      id: ID,
      name: 'op',
      timestamp: s.timestamp,
      duration: s.duration,
      debug: s.debug,
      annotations: s.annotations.map(([timestamp, value, endpoint]) => ({ timestamp, value, endpoint })),
      // true is an address only with an endpoint; without one, JSON and Thrift both keep it as the tag "true".
      binaryAnnotations: s.binary.map(([key, value, endpoint]) => ({ key, value, endpoint })),
    },
  ]);
}

function v1Thrift(s: V1): Uint8Array {
  return encodeV1Thrift([
    {
      traceId: TRACE,
      id: ID,
      name: 'op',
      timestamp: s.timestamp === undefined ? undefined : BigInt(s.timestamp),
      duration: s.duration === undefined ? undefined : BigInt(s.duration),
      debug: s.debug,
      annotations: s.annotations.map(([t, value, host]) => ({ timestamp: BigInt(t), value, host })),
      binaryAnnotations: s.binary.map(([key, value, host]) =>
        value === true ? { key, value: typedValue(AnnotationType.BOOL, true), type: AnnotationType.BOOL, host } : { key, value, type: AnnotationType.STRING, host },
      ),
    },
  ]);
}

describe('Zipkin v1', () => {
  it('JSON and Thrift of the same span decode to the same model, one span per host at most', () => {
    fc.assert(
      fc.property(v1SpanArb, (s) => {
        const fromJson = decodeZipkinV1Json(v1Json(s));
        assert.deepStrictEqual(decodeZipkinV1Thrift(v1Thrift(s)), fromJson);
        const hosts = new Set([...s.annotations, ...s.binary].flatMap(([, , e]) => (e === undefined ? [] : [e.serviceName])));
        // Loopback RPCs and messaging may fork one more span per side.
        assert.ok(spanCount(fromJson) <= Math.max(1, hosts.size) + 2, `at most one span per host (+ forks): ${spanCount(fromJson)} for ${hosts.size}`);
        for (const { span } of landed(fromJson)) assert.deepEqual([span.traceId, span.spanId, span.name], [TRACE, ID, 'op']);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- any model ----

/** Times a Zipkin JSON number carries exactly (below 2^53 microseconds, the year 2255). */
function realisticTimes(t: Traces): Traces {
  const clamp = (ns: bigint) => ns % 9_000_000_000_000_000_000n;
  for (const rs of t.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        s.startTimeUnixNano = clamp(s.startTimeUnixNano);
        s.endTimeUnixNano = clamp(s.endTimeUnixNano);
        for (const e of s.events) e.timeUnixNano = clamp(e.timeUnixNano);
      }
    }
  }
  return t;
}

/** What Zipkin carries of a span, whatever the model held. */
function carried(t: Traces) {
  return landed(t)
    .map(({ span: s }) => {
      const start = s.startTimeUnixNano / 1000n;
      const durationNs = s.endTimeUnixNano - s.startTimeUnixNano;
      const duration = durationNs <= 0n ? 0n : durationNs < 1000n ? 1n : durationNs / 1000n;
      return JSON.stringify({
        ids: [s.traceId, s.spanId, s.parentSpanId === s.spanId ? '' : s.parentSpanId],
        name: s.name,
        kind: s.kind === 0 ? 1 : s.kind,
        times: [String(start), String(start + duration)],
        status: s.status.code,
        events: s.events.map((e) => String(e.timeUnixNano / 1000n)),
      });
    })
    .sort();
}

describe('model -> Zipkin -> model', () => {
  it('any model encodes to JSON and protobuf that decode, keeping IDs, names, kinds, times (µs), status codes and events', () => {
    fc.assert(
      fc.property(tracesArb, (generated) => {
        const t = realisticTimes(generated);
        const want = carried(t);
        for (const back of [decodeZipkinV2Json(encodeZipkinV2Json(t)), decodeZipkinV2Proto(encodeZipkinV2Proto(t))]) {
          const got = landed(back).map(({ span: s }) =>
            JSON.stringify({
              ids: [s.traceId, s.spanId, s.parentSpanId],
              name: s.name,
              kind: s.kind,
              times: [String(s.startTimeUnixNano / 1000n), String(s.endTimeUnixNano / 1000n)],
              status: s.status.code,
              events: s.events.map((e) => String(e.timeUnixNano / 1000n)),
            }),
          );
          assert.deepStrictEqual(got.sort(), want);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
