// Every Jaeger decoder, fed mutated or random bytes, either decodes or throws
// InvalidInputError, nothing else (the receivers count such input as
// malformed and keep running); whatever decodes also translates to the model
// or is refused with InvalidInputError; and what decodes re-encodes to bytes
// that decode to the same batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeBatchThrift,
  decodeEmitBatch,
  decodePostSpansProto,
  encodeBatchThrift,
  encodeEmitBatch,
  encodePostSpansProto,
  tracesFromJaeger,
  type JaegerBatch,
} from '../../../../lib/protocol/jaeger/index.js';
import { wireBatchArb, type JaegerFormat } from '../../../helpers/jaeger-arbitraries.js';
import { decodesOrKeeps, FUZZ_RUNS, type DecoderId } from '../../../helpers/fuzz-corpus.js';
import { mutate, mutationsArb } from '../otlp/fuzz.js';

interface Decoder {
  id: DecoderId;
  name: string;
  format: JaegerFormat;
  encode: (b: JaegerBatch) => Uint8Array;
  decode: (bytes: Uint8Array) => JaegerBatch;
}

const DECODERS: Decoder[] = [
  { id: 'jaeger-batch-thrift-binary', name: 'Thrift binary Batch (HTTP /api/traces)', format: 'thrift', encode: (b) => encodeBatchThrift(b, 'binary'), decode: (x) => decodeBatchThrift(x, 'binary') },
  { id: 'jaeger-batch-thrift-compact', name: 'Thrift compact Batch', format: 'thrift', encode: (b) => encodeBatchThrift(b, 'compact'), decode: (x) => decodeBatchThrift(x, 'compact') },
  { id: 'jaeger-emitbatch-compact', name: 'Thrift compact emitBatch (UDP 6831)', format: 'thrift', encode: (b) => encodeEmitBatch(b, 'compact'), decode: (x) => decodeEmitBatch(x, 'compact') },
  { id: 'jaeger-emitbatch-binary', name: 'Thrift binary emitBatch (UDP 6832)', format: 'thrift', encode: (b) => encodeEmitBatch(b, 'binary'), decode: (x) => decodeEmitBatch(x, 'binary') },
  { id: 'jaeger-postspans-proto', name: 'protobuf PostSpansRequest (gRPC 14250)', format: 'proto', encode: encodePostSpansProto, decode: decodePostSpansProto },
];

describe('Jaeger decoders under fuzzing', () => {
  for (const d of DECODERS) {
    it(`${d.name}: mutated bytes decode or give InvalidInputError; what decodes translates or gives InvalidInputError, and re-encodes unchanged`, () => {
      fc.assert(
        fc.property(wireBatchArb(d.format), mutationsArb, (batch, mutations) => {
          const input = mutate(d.encode(batch), mutations);
          const decoded = decodesOrKeeps(d.id, input, { run: () => d.decode(input) });
          if (decoded === undefined) return;
          decodesOrKeeps(d.id, input, { run: () => tracesFromJaeger(decoded) });
          assert.deepStrictEqual(d.decode(d.encode(decoded)), decoded);
        }),
        { numRuns: FUZZ_RUNS },
      );
    });

    it(`${d.name}: random bytes decode or give InvalidInputError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
          decodesOrKeeps(d.id, bytes);
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }
});
