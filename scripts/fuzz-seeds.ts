// Writes the seed inputs of the decoder regression corpus, test/fuzz-corpus/<id>/:
// adversarial inputs a random fuzz run is unlikely to find in a few hundred
// runs (huge length claims, deep nesting, overlong varints, invalid UTF-8,
// cuts of a valid message at each length class). Every one must decode or be
// refused with InvalidInputError; test/lib/protocol/fuzz-corpus.test.ts
// replays them. Run again (`npx tsx scripts/fuzz-seeds.ts`) after adding a
// decoder to test/helpers/fuzz-corpus.ts; it writes only files that are not
// there yet, named as the fuzz tests name a crash (the first 12 hex digits of
// the SHA-256), so it never touches a kept regression.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { encodeBatchThrift, encodeEmitBatch, encodePostSpansProto, tracesToJaeger } from '../lib/protocol/jaeger/index.js';
import {
  encodeLibraryConfigProto,
  encodeMetricsRequestJson,
  encodeMetricsRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
  metricsToOc,
  tracesToOc,
} from '../lib/protocol/opencensus/index.js';
import { encodeMetricsJson, encodeMetricsProto, encodeTracesJson, encodeTracesProto } from '../lib/protocol/otlp/index.js';
import { encodeZipkinV2Json, encodeZipkinV2Proto } from '../lib/protocol/zipkin/index.js';
import { encodeFrame } from '../lib/spool/frame.js';
import { CORPUS_DIR, DECODER_IDS, type DecoderId } from '../test/helpers/fuzz-corpus.js';
import { sampleMetrics, sampleTraces } from '../test/helpers/fixtures.js';
import { encodeV1Thrift } from '../test/helpers/zipkin-thrift.js';

// Deep enough to overflow any stack if a decoder recursed without a limit.
const DEEP = 20_000;
// JSON text nested this deep is parsed by V8 (its parser does not recurse);
// what must not recurse without a limit is the walk over the parsed value.
const DEEP_JSON = 100_000;

// ---- protobuf pieces ----

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A length-delimited field. */
const pbLen = (field: number, body: Uint8Array): Buffer => Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);

/** A field claiming `claim` bytes of which none follow. */
const pbClaim = (field: number, claim: number): Buffer => Buffer.concat([varint((field << 3) | 2), varint(claim)]);

/** Field 1 as a varint of 11 bytes: one more than a varint may have. */
const OVERLONG_VARINT = Buffer.from([0x08, ...Array<number>(10).fill(0xff), 0x01]);

/** `depth` start-group tags of an unknown field (15) and no end: a parser that recurses into groups overflows. */
const nestedGroups = (depth: number): Buffer => Buffer.alloc(depth, (15 << 3) | 3);

/** OTLP: an attribute value nested `depth` arrays deep (AnyValue.array_value.values...), built inside out. */
function otlpDeepAnyValue(depth: number): Buffer {
  let value: Buffer = pbLen(1, Buffer.from('leaf')); // AnyValue.string_value
  for (let i = 0; i < depth; i++) value = pbLen(5, pbLen(1, value)); // AnyValue.array_value { values }
  const keyValue = Buffer.concat([pbLen(1, Buffer.from('k')), pbLen(2, value)]);
  return pbLen(1, pbLen(1, pbLen(1, keyValue))); // resource_spans / resource_metrics { resource { attributes } }
}

/** OTLP: one span whose name is not UTF-8 and whose IDs are of the wrong length. */
function otlpBadSpan(): Buffer[] {
  const span = (traceId: Buffer, spanId: Buffer, name: Buffer): Buffer =>
    pbLen(1, pbLen(2, pbLen(2, Buffer.concat([pbLen(1, traceId), pbLen(2, spanId), pbLen(5, name)]))));
  const id16 = Buffer.alloc(16, 1);
  const id8 = Buffer.alloc(8, 2);
  return [
    span(id16, id8, NOT_UTF8),
    span(Buffer.alloc(15, 1), id8, Buffer.from('x')),
    span(id16, Buffer.alloc(9, 2), Buffer.from('x')),
    span(Buffer.alloc(16), Buffer.alloc(8), Buffer.from('x')),
  ];
}

const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x61, 0xc3, 0x28, 0xed, 0xa0, 0x80]);

/** A span of each protobuf protocol whose name is not UTF-8 (IDs at their right sizes, so that the name is read). */
const OC_SPAN_BAD_NAME = pbLen(2, Buffer.concat([pbLen(1, Buffer.alloc(16, 1)), pbLen(2, Buffer.alloc(8, 2)), pbLen(4, pbLen(1, NOT_UTF8))]));
const JAEGER_SPAN_BAD_NAME = pbLen(1, pbLen(1, Buffer.concat([pbLen(1, Buffer.alloc(16, 1)), pbLen(2, Buffer.alloc(8, 2)), pbLen(3, NOT_UTF8)])));
const ZIPKIN_SPAN_BAD_NAME = pbLen(1, Buffer.concat([pbLen(1, Buffer.alloc(16, 1)), pbLen(3, Buffer.alloc(8, 2)), pbLen(5, NOT_UTF8)]));

function protoSeeds(valid: Uint8Array): Buffer[] {
  return [pbClaim(1, 2 ** 31), pbClaim(1, 2 ** 32 - 1), pbLen(1, pbClaim(1, 2 ** 31 - 1)), OVERLONG_VARINT, nestedGroups(DEEP), Buffer.concat([valid, OVERLONG_VARINT])];
}

// ---- Thrift pieces ----

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const TSTRUCT = 12;
const TLIST = 15;
const TSTRING = 11;

const binField = (type: number, id: number): Buffer => Buffer.from([type, id >> 8, id & 0xff]);

/** Binary protocol Batch: a process, then a span list claiming 2^30 elements. */
const BIN_HUGE_LIST = Buffer.concat([binField(TLIST, 2), Buffer.from([TSTRUCT]), u32(2 ** 30)]);
/** Binary: a process whose service name claims 2^31 - 1 bytes. */
const BIN_HUGE_STRING = Buffer.concat([binField(TSTRUCT, 1), binField(TSTRING, 1), u32(2 ** 31 - 1)]);
/** Binary: a list of negative size. */
const BIN_NEGATIVE_LIST = Buffer.concat([binField(TLIST, 2), Buffer.from([TSTRUCT]), u32(-1)]);
/** Binary: an unknown struct field nested `depth` deep (what a reader skips, recursively or not). */
const binNestedStructs = (depth: number): Buffer => Buffer.concat(Array.from({ length: depth }, () => binField(TSTRUCT, 99)));

/** Compact protocol: field 2 a list of structs claiming 2^30 elements. */
const COMPACT_HUGE_LIST = Buffer.concat([Buffer.from([(2 << 4) | 9, 0xf0 | TSTRUCT]), varint(2 ** 30)]);
/** Compact: field 1 a struct whose field 1 claims a string of 2^31 bytes. */
const COMPACT_HUGE_STRING = Buffer.concat([Buffer.from([(1 << 4) | 12, (1 << 4) | 8]), varint(2 ** 31)]);
/** Compact: an i64 field of an 11-byte varint. */
const COMPACT_OVERLONG_VARINT = Buffer.from([(1 << 4) | 12, (3 << 4) | 6, ...Array<number>(10).fill(0xff), 0x01]);
/** Compact: field 1 a struct, `depth` deep. */
const compactNestedStructs = (depth: number): Buffer => Buffer.alloc(depth, (1 << 4) | 12);

const thriftBinarySeeds = (): Buffer[] => [BIN_HUGE_LIST, BIN_HUGE_STRING, BIN_NEGATIVE_LIST, binNestedStructs(DEEP)];
const thriftCompactSeeds = (): Buffer[] => [COMPACT_HUGE_LIST, COMPACT_HUGE_STRING, COMPACT_OVERLONG_VARINT, compactNestedStructs(DEEP)];

/** Agent.emitBatch around `args` (the batch struct's bytes), binary protocol; and one whose name claims 2^31 bytes. */
function emitBinary(args: Buffer): Buffer {
  const name = Buffer.from('emitBatch');
  return Buffer.concat([Buffer.from([0x80, 0x01, 0x00, 0x04]), u32(name.length), name, u32(0), binField(TSTRUCT, 1), args]);
}
const EMIT_BINARY_HUGE_NAME = Buffer.concat([Buffer.from([0x80, 0x01, 0x00, 0x04]), u32(2 ** 31 - 1)]);

function emitCompact(args: Buffer): Buffer {
  const name = Buffer.from('emitBatch');
  return Buffer.concat([Buffer.from([0x82, (4 << 5) | 1, 0x00]), varint(name.length), name, Buffer.from([(1 << 4) | 12]), args]);
}
const EMIT_COMPACT_HUGE_NAME = Buffer.concat([Buffer.from([0x82, (4 << 5) | 1, 0x00]), varint(2 ** 31)]);

/** Zipkin v1 Thrift: a bare list of spans claiming 2^30 elements, and one of negative size. */
const ZIPKIN_HUGE_LIST = Buffer.concat([Buffer.from([TSTRUCT]), u32(2 ** 30)]);
const ZIPKIN_NEGATIVE_LIST = Buffer.concat([Buffer.from([TSTRUCT]), u32(-1)]);

// ---- JSON pieces ----

const HUGE = '__huge_number__';
const BAD_UTF8 = '__bad_utf8__';
const ID_KEYS = /^(traceId|spanId|parentSpanId|parentId|id)$/;

/**
 * Variants of a valid JSON document: every ID of the wrong length (too short,
 * too long, not hex), every number huge, every name invalid UTF-8, a key
 * `__proto__`, and a deep value in place of the first array.
 */
function jsonVariants(valid: string): Buffer[] {
  const edit = (f: (key: string, value: unknown) => unknown): string =>
    JSON.stringify(JSON.parse(valid), function (this: unknown, key: string, value: unknown) {
      return key === '' ? value : f(key, value);
    });
  const raw = (text: string): Buffer => {
    const parts = text.split(`"${BAD_UTF8}"`);
    const glued = parts.flatMap((p, i) => (i === 0 ? [Buffer.from(p)] : [Buffer.from([0x22, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22]), Buffer.from(p)]));
    return Buffer.from(Buffer.concat(glued).toString('latin1').replaceAll(`"${HUGE}"`, '1e999999'), 'latin1');
  };
  const firstArray = valid.indexOf('[');
  return [
    raw(edit((k, v) => (ID_KEYS.test(k) && typeof v === 'string' ? 'abc' : v))),
    raw(edit((k, v) => (ID_KEYS.test(k) && typeof v === 'string' ? `${v}0` : v))),
    raw(edit((k, v) => (ID_KEYS.test(k) && typeof v === 'string' ? 'zz'.repeat(v.length / 2 || 1) : v))),
    raw(edit((k, v) => (typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? HUGE : v))),
    raw(edit((k, v) => (typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? '9'.repeat(400) : v))),
    raw(edit((k, v) => (k === 'name' || k === 'serviceName' || k === 'key' || k === 'value' ? (typeof v === 'string' ? BAD_UTF8 : v) : v))),
    Buffer.from(valid.replace('{', '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},')),
    firstArray < 0 ? Buffer.from(valid) : Buffer.from(`${valid.slice(0, firstArray)}${'['.repeat(10_000)}${']'.repeat(10_000)}${skipArray(valid, firstArray)}`),
  ];
}

/** The text after the array that starts at `start`. */
function skipArray(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return text.slice(i + 1);
  }
  return '';
}

const jsonSeeds = (valid: string): Buffer[] => [
  ...jsonVariants(valid),
  Buffer.from(`${'['.repeat(DEEP_JSON)}${']'.repeat(DEEP_JSON)}`),
  Buffer.from(`${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`),
  Buffer.from('\ufeff{}'),
  Buffer.from('{"a":"\\ud800"}'),
  Buffer.from([0x7b, 0xff, 0x7d]),
];

/** OTLP/JSON: an attribute value nested `depth` arrays deep, where the decoder walks values. */
function otlpJsonDeepAnyValue(field: 'resourceSpans' | 'resourceMetrics', depth: number): Buffer {
  const value = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"leaf"}${']}}'.repeat(depth)}`;
  return Buffer.from(`{"${field}":[{"resource":{"attributes":[{"key":"k","value":${value}}]}}]}`);
}

// ---- the spool frame ----

/** A frame with a correct CRC around `body`, so that the body's own lengths are what is read. */
function frameOf(body: Buffer, claimedLength = body.length): Buffer {
  const length = u32(claimedLength);
  const crc = u32(crc32(body, crc32(length)));
  return Buffer.concat([length, crc, body]);
}

function spoolSeeds(): Buffer[] {
  const i32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  const body = (parts: { topic?: Buffer; key?: Buffer; value?: Buffer; headers?: Buffer }): Buffer =>
    Buffer.concat([Buffer.from([1]), i32(-1), parts.topic ?? Buffer.concat([u16(1), Buffer.from('t')]), parts.key ?? i32(-1), parts.value ?? u32(0), parts.headers ?? u16(0)]);
  return [
    frameOf(Buffer.alloc(0), 2 ** 31),
    frameOf(body({ topic: u16(0xffff) })),
    frameOf(body({ key: i32(-2) })),
    frameOf(body({ key: i32(2 ** 31 - 1) })),
    frameOf(body({ value: u32(2 ** 32 - 1) })),
    frameOf(body({ headers: u16(0xffff) })),
    frameOf(body({ headers: Buffer.concat([u16(1), u16(0xffff)]) })),
    frameOf(body({ headers: Buffer.concat([u16(1), u16(1), Buffer.from('h'), u32(2 ** 32 - 1)]) })),
    frameOf(Buffer.concat([Buffer.from([2]), body({}).subarray(1)])),
    frameOf(body({ topic: Buffer.concat([u16(2), Buffer.from([0xff, 0xfe])]) })),
    Buffer.alloc(64),
  ];
}

// ---- per decoder ----

/** Cuts of a valid input at each length class: 1, 2, 3 and 7 bytes, a half, all but one. */
function truncations(valid: Uint8Array): Buffer[] {
  const cuts = new Set([1, 2, 3, 7, Math.floor(valid.length / 2), valid.length - 1].filter((n) => n > 0 && n < valid.length));
  return [...cuts].map((n) => Buffer.from(valid.subarray(0, n)));
}

const traces = sampleTraces({ traceCount: 2 });
const metrics = sampleMetrics();
const ocTraces = tracesToOc(traces)[0]!;
const ocMetrics = metricsToOc(metrics)[0]!;
const jaeger = tracesToJaeger(traces)[0]!;
const zipkinV1Span = { traceId: '5b8efff798038103d269b633813fc60c', id: 'eee19b7ec3c1b174', name: 'get', timestamp: 1_700_000_000_000_000n, duration: 1_000n };
const libraryConfig = encodeLibraryConfigProto({
  node: undefined,
  config: { sampler: { kind: 'probability', samplingProbability: 0.5 }, maxNumberOfAttributes: 1n, maxNumberOfAnnotations: 1n, maxNumberOfMessageEvents: 1n, maxNumberOfLinks: 1n },
});
const compactBatch = encodeBatchThrift(jaeger, 'compact');
const binaryBatch = encodeBatchThrift(jaeger, 'binary');

const SEEDS: Record<DecoderId, () => Buffer[]> = {
  'otlp-traces-proto': () => [...protoSeeds(encodeTracesProto(traces)), ...truncations(encodeTracesProto(traces)), otlpDeepAnyValue(DEEP), otlpDeepAnyValue(2_000), ...otlpBadSpan()],
  'otlp-traces-json': () => [...jsonSeeds(encodeTracesJson(traces)), otlpJsonDeepAnyValue('resourceSpans', DEEP / 4)],
  'otlp-metrics-proto': () => [...protoSeeds(encodeMetricsProto(metrics)), ...truncations(encodeMetricsProto(metrics)), otlpDeepAnyValue(DEEP)],
  'otlp-metrics-json': () => [...jsonSeeds(encodeMetricsJson(metrics)), otlpJsonDeepAnyValue('resourceMetrics', DEEP / 4)],
  'otlp-traces-scan': () => [...protoSeeds(encodeTracesProto(traces)), ...truncations(encodeTracesProto(traces)), otlpDeepAnyValue(DEEP), ...otlpBadSpan()],
  'oc-traces-proto': () => [OC_SPAN_BAD_NAME, ...protoSeeds(encodeTraceRequestProto(ocTraces)), ...truncations(encodeTraceRequestProto(ocTraces))],
  'oc-traces-json': () => jsonSeeds(encodeTraceRequestJson(ocTraces)),
  'oc-metrics-proto': () => [...protoSeeds(encodeMetricsRequestProto(ocMetrics)), ...truncations(encodeMetricsRequestProto(ocMetrics))],
  'oc-metrics-json': () => jsonSeeds(encodeMetricsRequestJson(ocMetrics)),
  'oc-config-proto': () => [...protoSeeds(libraryConfig), ...truncations(libraryConfig)],
  'jaeger-batch-thrift-binary': () => [...thriftBinarySeeds(), ...truncations(binaryBatch)],
  'jaeger-batch-thrift-compact': () => [...thriftCompactSeeds(), ...truncations(compactBatch)],
  'jaeger-emitbatch-compact': () => [...thriftCompactSeeds().map(emitCompact), EMIT_COMPACT_HUGE_NAME, ...truncations(encodeEmitBatch(jaeger, 'compact'))],
  'jaeger-emitbatch-binary': () => [...thriftBinarySeeds().map(emitBinary), EMIT_BINARY_HUGE_NAME, ...truncations(encodeEmitBatch(jaeger, 'binary'))],
  'jaeger-postspans-proto': () => [JAEGER_SPAN_BAD_NAME, ...protoSeeds(encodePostSpansProto(jaeger)), ...truncations(encodePostSpansProto(jaeger))],
  'zipkin-v1-json': () => jsonSeeds(JSON.stringify([{ ...zipkinV1Span, timestamp: 1_700_000_000_000_000, duration: 1_000, annotations: [{ timestamp: 1_700_000_000_000_000, value: 'sr', endpoint: { serviceName: 'web', ipv4: '10.0.0.1', port: 80 } }] }])),
  'zipkin-v1-thrift': () => [ZIPKIN_HUGE_LIST, ZIPKIN_NEGATIVE_LIST, Buffer.concat([Buffer.from([TSTRUCT]), u32(1), binNestedStructs(DEEP)]), ...truncations(encodeV1Thrift([zipkinV1Span]))],
  'zipkin-v2-json': () => jsonSeeds(encodeZipkinV2Json(traces)),
  'zipkin-v2-proto': () => [ZIPKIN_SPAN_BAD_NAME, ...protoSeeds(encodeZipkinV2Proto(traces)), ...truncations(encodeZipkinV2Proto(traces))],
  'spool-frame': () => [...spoolSeeds(), ...truncations(encodeFrame({ topic: 'spans', key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: 'x' } }))],
};

let written = 0;
for (const id of DECODER_IDS) {
  const dir = join(CORPUS_DIR, id);
  mkdirSync(dir, { recursive: true });
  // A zero-length body for every decoder.
  for (const input of [Buffer.alloc(0), ...SEEDS[id]()]) {
    const path = join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 12)}.bin`);
    if (existsSync(path)) continue;
    writeFileSync(path, input);
    written++;
  }
}
process.stdout.write(`${written} new seed files under ${CORPUS_DIR}\n`);
