// Every Zipkin decoder (v2 JSON, v2 proto3, v1 JSON, v1 Thrift), fed
// arbitrary or mutated input, either decodes or throws InvalidInputError,
// nothing else; and whatever it decodes our own encoder can carry: it
// re-encodes to protobuf that decodes to as many spans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { spanCount, type Traces } from '../../../../lib/model/index.js';
import {
  decodeZipkinV2Json,
  decodeZipkinV2Proto,
  encodeZipkinV2Json,
  encodeZipkinV2Proto,
} from '../../../../lib/protocol/zipkin/index.js';
import { zipkinSpansArb } from '../../../helpers/zipkin-arbitraries.js';
import { AnnotationType, encodeV1Thrift, typedValue, type ThriftSpan } from '../../../helpers/zipkin-thrift.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../../helpers/fuzz-corpus.js';
import { mutate, mutationsArb, replaceAt } from '../otlp/fuzz.js';

/** What a decoder produced must survive our encoder and decoder. */
function carried(t: Traces | undefined): void {
  if (t === undefined) return;
  assert.equal(spanCount(decodeZipkinV2Proto(encodeZipkinV2Proto(t))), spanCount(t));
}

/** Any JSON value, often of the wrong type for the slot it replaces. */
const jsonValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', '0', 'ffffffffffffffffffffffffffffffffff', '::ffff:1.2.3.4', 'fe80::1%eth0', '1e400', -1, 2 ** 53, 65_536, '__proto__', null, true),
);

const v2JsonArb = zipkinSpansArb.map((spans) => JSON.stringify(spans));
const v2ProtoArb = zipkinSpansArb.map((spans) => encodeZipkinV2Proto(decodeZipkinV2Json(JSON.stringify(spans))));

// v1 spans of both encodings from one generated shape.
const hostArb = fc.option(
  fc.record({ serviceName: fc.constantFrom('web', 'api', ''), ipv4: fc.ipV4(), port: fc.integer({ min: 0, max: 0xffff }) }),
  { nil: undefined },
);
const v1Arb = fc.record({
  traceId: fc.constantFrom('5b8efff798038103d269b633813fc60c', 'd269b633813fc60c'),
  id: fc.constantFrom('eee19b7ec3c1b174', '0000000000000001'),
  parentId: fc.option(fc.constant('eee19b7ec3c1b173'), { nil: undefined }),
  name: fc.string({ maxLength: 8 }),
  timestamp: fc.option(fc.integer({ min: 0, max: 2 ** 50 }), { nil: undefined }),
  duration: fc.option(fc.integer({ min: 0, max: 2 ** 30 }), { nil: undefined }),
  debug: fc.option(fc.boolean(), { nil: undefined }),
  annotations: fc.array(fc.record({ timestamp: fc.integer({ min: 0, max: 2 ** 50 }), value: fc.constantFrom('cs', 'cr', 'sr', 'ss', 'ms', 'mr', 'ws', 'wr', 'x'), host: hostArb }), { maxLength: 4 }),
  binary: fc.array(fc.record({ key: fc.constantFrom('ca', 'sa', 'ma', 'lc', 'k'), value: fc.oneof(fc.string({ maxLength: 4 }), fc.constant(true as const)), host: hostArb }), { maxLength: 3 }),
});
type V1 = typeof v1Arb extends fc.Arbitrary<infer T> ? T : never;

const v1JsonOf = (s: V1): string =>
  JSON.stringify([
    {
      ...s,
      annotations: s.annotations.map((a) => ({ timestamp: a.timestamp, value: a.value, endpoint: a.host })),
      binary: undefined,
      binaryAnnotations: s.binary.map((b) => ({ key: b.key, value: b.value, endpoint: b.host })),
    },
  ]);
const v1ThriftOf = (s: V1): Uint8Array =>
  encodeV1Thrift([
    {
      ...s,
      timestamp: s.timestamp === undefined ? undefined : BigInt(s.timestamp),
      duration: s.duration === undefined ? undefined : BigInt(s.duration),
      annotations: s.annotations.map((a) => ({ ...a, timestamp: BigInt(a.timestamp) })),
      binaryAnnotations: s.binary.map((b) =>
        b.value === true ? { key: b.key, value: typedValue(AnnotationType.BOOL, true), type: AnnotationType.BOOL, host: b.host } : { key: b.key, value: b.value, host: b.host },
      ),
    } satisfies ThriftSpan,
  ]);

describe('Zipkin decoders under fuzzing', () => {
  const textDecoders = [
    ['zipkin-v2-json', 'v2 JSON', v2JsonArb],
    ['zipkin-v1-json', 'v1 JSON', v1Arb.map(v1JsonOf)],
  ] as const;
  for (const [id, name, arb] of textDecoders) {
    it(`${name}: a value replaced anywhere decodes or gives InvalidInputError, and what decodes is carried`, () => {
      fc.assert(
        fc.property(arb, fc.nat(), jsonValueArb, (text, at, replacement) => {
          const doc = replaceAt(JSON.parse(text), at, replacement);
          carried(decodesOrKeeps(id, JSON.stringify(doc)));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
    it(`${name}: mutated bytes decode or give InvalidInputError`, () => {
      fc.assert(
        fc.property(arb, mutationsArb, (text, mutations) => {
          carried(decodesOrKeeps(id, mutate(Buffer.from(text), mutations)));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
    it(`${name}: arbitrary JSON decodes or gives InvalidInputError`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
          carried(decodesOrKeeps(id, JSON.stringify(v)));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  const binaryDecoders = [
    ['zipkin-v2-proto', 'v2 protobuf', v2ProtoArb],
    ['zipkin-v1-thrift', 'v1 Thrift', v1Arb.map(v1ThriftOf)],
  ] as const;
  for (const [id, name, arb] of binaryDecoders) {
    it(`${name}: mutated bytes decode or give InvalidInputError, and what decodes is carried`, () => {
      fc.assert(
        fc.property(arb, mutationsArb, (bytes, mutations) => {
          carried(decodesOrKeeps(id, mutate(bytes, mutations)));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
    it(`${name}: random bytes decode or give InvalidInputError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
          carried(decodesOrKeeps(id, bytes));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  it('v1 Thrift: random bytes after a valid list header decode or give InvalidInputError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 96 }), (n, rest) => {
        const head = Buffer.from([12, 0, 0, 0, n]);
        carried(decodesOrKeeps('zipkin-v1-thrift', Buffer.concat([head, rest])));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('what the v2 JSON decoder takes from mutated input re-encodes to JSON it takes again', () => {
    fc.assert(
      fc.property(v2JsonArb, mutationsArb, (text, mutations) => {
        const t = decodesOrKeeps('zipkin-v2-json', mutate(Buffer.from(text), mutations));
        if (t !== undefined) assert.equal(spanCount(decodeZipkinV2Json(encodeZipkinV2Json(t))), spanCount(t));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
