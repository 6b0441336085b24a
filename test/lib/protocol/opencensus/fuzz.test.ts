// Every OpenCensus decoder, fed mutated input, either decodes or throws
// InvalidInputError, nothing else; whatever it decodes translates to the model
// or is refused with InvalidInputError, and is a message the protobuf encoder
// can carry unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeLibraryConfigProto,
  decodeMetricsRequestJson,
  decodeMetricsRequestProto,
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  encodeLibraryConfigProto,
  encodeMetricsRequestJson,
  encodeMetricsRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
  metricsFromOc,
  tracesFromOc,
} from '../../../../lib/protocol/opencensus/index.js';
import { ocLibraryConfig, ocMetricsRequest, ocTraceRequest } from '../../../helpers/opencensus-arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS, type DecoderId } from '../../../helpers/fuzz-corpus.js';
import { mutate, mutationsArb, replaceAt } from '../otlp/fuzz.js';

interface Codec<T> {
  id: DecoderId;
  name: string;
  arb: fc.Arbitrary<T>;
  encode: (m: T) => Uint8Array;
  decode: (b: Uint8Array) => T;
  /** To the model, as the receiver does after decoding; the library config has none. */
  translate?: (m: T) => unknown;
}

const protoCodecs = [
  { id: 'oc-traces-proto', name: 'trace request', arb: ocTraceRequest(), encode: encodeTraceRequestProto, decode: decodeTraceRequestProto, translate: tracesFromOc },
  { id: 'oc-metrics-proto', name: 'metrics request', arb: ocMetricsRequest(), encode: encodeMetricsRequestProto, decode: decodeMetricsRequestProto, translate: metricsFromOc },
  { id: 'oc-config-proto', name: 'library config', arb: ocLibraryConfig(), encode: encodeLibraryConfigProto, decode: decodeLibraryConfigProto },
] as Codec<unknown>[];

const jsonCodecs = [
  {
    id: 'oc-traces-json',
    name: 'trace request',
    arb: ocTraceRequest(),
    toJson: encodeTraceRequestJson,
    fromJson: decodeTraceRequestJson,
    encode: encodeTraceRequestProto,
    decode: decodeTraceRequestProto,
    translate: tracesFromOc,
  },
  {
    id: 'oc-metrics-json',
    name: 'metrics request',
    arb: ocMetricsRequest(),
    toJson: encodeMetricsRequestJson,
    fromJson: decodeMetricsRequestJson,
    encode: encodeMetricsRequestProto,
    decode: decodeMetricsRequestProto,
    translate: metricsFromOc,
  },
] as (Codec<unknown> & { toJson: (m: unknown) => string; fromJson: (s: string | Uint8Array) => unknown })[];

/** Any JSON value, often of the wrong type for the slot it replaces. */
const jsonValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('NaN', '-0', '1e400', '9223372036854775808', '', '====', '2024-13-01T00:00:00Z', '__proto__', null),
);

/** Decodes `input` with `decode`, then translates what it decoded: the receiver's path, crashes kept. */
function decodedAndTranslated<T>(c: Codec<T>, input: Uint8Array | string, decode: () => T): T | undefined {
  const decoded = decodesOrKeeps(c.id, input, { run: decode });
  const translate = c.translate;
  if (decoded !== undefined && translate !== undefined) decodesOrKeeps(c.id, input, { run: () => translate(decoded) });
  return decoded;
}

describe('OpenCensus decoders under fuzzing', () => {
  for (const c of protoCodecs) {
    it(`protobuf ${c.name}: mutated bytes decode or give InvalidInputError, translate or give InvalidInputError, and what decodes re-encodes unchanged`, () => {
      fc.assert(
        fc.property(c.arb, mutationsArb, (m, mutations) => {
          const input = mutate(c.encode(m), mutations);
          const decoded = decodedAndTranslated(c, input, () => c.decode(input));
          if (decoded !== undefined) assert.deepStrictEqual(c.decode(c.encode(decoded)), decoded);
        }),
        { numRuns: FUZZ_RUNS },
      );
    });

    it(`protobuf ${c.name}: random bytes decode or give InvalidInputError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          decodesOrKeeps(c.id, bytes);
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  for (const c of jsonCodecs) {
    it(`JSON ${c.name}: a value replaced anywhere decodes or gives InvalidInputError; what decodes is carried by protobuf`, () => {
      fc.assert(
        fc.property(c.arb, fc.nat(), jsonValueArb, (m, at, replacement) => {
          const doc = replaceAt(JSON.parse(c.toJson(m)), at, replacement);
          const input = JSON.stringify(doc);
          const decoded = decodedAndTranslated(c, input, () => c.fromJson(input));
          if (decoded !== undefined) assert.deepStrictEqual(c.decode(c.encode(decoded)), decoded);
        }),
        { numRuns: FUZZ_RUNS },
      );
    });

    it(`JSON ${c.name}: mutated text decodes or gives InvalidInputError`, () => {
      fc.assert(
        fc.property(c.arb, mutationsArb, (m, mutations) => {
          decodesOrKeeps(c.id, mutate(Buffer.from(c.toJson(m)), mutations));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }
});
