// Every OpenCensus decoder, fed mutated input, either decodes or throws
// InvalidInputError, nothing else; and whatever it decodes is a message the
// protobuf encoder can carry unchanged.
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
} from '../../../../lib/protocol/opencensus/index.js';
import { ocLibraryConfig, ocMetricsRequest, ocTraceRequest } from '../../../helpers/opencensus-arbitraries.js';
import { decodesOrRejects, mutate, mutationsArb, replaceAt } from '../otlp/fuzz.js';

const RUNS = 200;

interface Codec<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  encode: (m: T) => Uint8Array;
  decode: (b: Uint8Array) => T;
}

const protoCodecs = [
  { name: 'trace request', arb: ocTraceRequest(), encode: encodeTraceRequestProto, decode: decodeTraceRequestProto },
  { name: 'metrics request', arb: ocMetricsRequest(), encode: encodeMetricsRequestProto, decode: decodeMetricsRequestProto },
  { name: 'library config', arb: ocLibraryConfig(), encode: encodeLibraryConfigProto, decode: decodeLibraryConfigProto },
] as Codec<unknown>[];

const jsonCodecs = [
  {
    name: 'trace request',
    arb: ocTraceRequest(),
    toJson: encodeTraceRequestJson,
    fromJson: decodeTraceRequestJson,
    encode: encodeTraceRequestProto,
    decode: decodeTraceRequestProto,
  },
  {
    name: 'metrics request',
    arb: ocMetricsRequest(),
    toJson: encodeMetricsRequestJson,
    fromJson: decodeMetricsRequestJson,
    encode: encodeMetricsRequestProto,
    decode: decodeMetricsRequestProto,
  },
] as (Codec<unknown> & { toJson: (m: unknown) => string; fromJson: (s: string | Uint8Array) => unknown })[];

/** Any JSON value, often of the wrong type for the slot it replaces. */
const jsonValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('NaN', '-0', '1e400', '9223372036854775808', '', '====', '2024-13-01T00:00:00Z', '__proto__', null),
);

describe('OpenCensus decoders under fuzzing', () => {
  for (const c of protoCodecs) {
    it(`protobuf ${c.name}: mutated bytes decode or give InvalidInputError, and what decodes re-encodes unchanged`, () => {
      fc.assert(
        fc.property(c.arb, mutationsArb, (m, mutations) => {
          const decoded = decodesOrRejects(() => c.decode(mutate(c.encode(m), mutations)));
          if (decoded !== undefined) assert.deepStrictEqual(c.decode(c.encode(decoded)), decoded);
        }),
        { numRuns: RUNS },
      );
    });

    it(`protobuf ${c.name}: random bytes decode or give InvalidInputError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          decodesOrRejects(() => c.decode(bytes));
        }),
        { numRuns: RUNS },
      );
    });
  }

  for (const c of jsonCodecs) {
    it(`JSON ${c.name}: a value replaced anywhere decodes or gives InvalidInputError; what decodes is carried by protobuf`, () => {
      fc.assert(
        fc.property(c.arb, fc.nat(), jsonValueArb, (m, at, replacement) => {
          const doc = replaceAt(JSON.parse(c.toJson(m)), at, replacement);
          const decoded = decodesOrRejects(() => c.fromJson(JSON.stringify(doc)));
          if (decoded !== undefined) assert.deepStrictEqual(c.decode(c.encode(decoded)), decoded);
        }),
        { numRuns: RUNS },
      );
    });

    it(`JSON ${c.name}: mutated text decodes or gives InvalidInputError`, () => {
      fc.assert(
        fc.property(c.arb, mutationsArb, (m, mutations) => {
          decodesOrRejects(() => c.fromJson(mutate(Buffer.from(c.toJson(m)), mutations)));
        }),
        { numRuns: RUNS },
      );
    });
  }
});
