// OpenCensus JSON: round trips, the proto3 JSON mapping as the OpenCensus
// HTTP/JSON gateway took it (both field name styles, base64 flavours, RFC 3339
// with offsets, 64-bit strings, enum names, wrappers, NaN strings, any map
// key), and rejections that name the JSON path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import {
  decodeMetricsRequestJson,
  decodeTraceRequestJson,
  encodeMetricsRequestJson,
  encodeTraceRequestJson,
  type OcExportMetricsRequest,
  type OcExportTraceRequest,
  type OcStringEntry,
} from '../../../../lib/protocol/opencensus/index.js';
import { ocMetricsRequest, ocTraceRequest } from '../../../helpers/opencensus-arbitraries.js';

const RUNS = 150;

/**
 * Parsed JSON objects list integer-like keys first, in numeric order: the one
 * thing a JSON round trip cannot keep. This puts a message's map entries in
 * the order JSON gives them back.
 */
function inJsonKeyOrder<T extends { key: string }>(entries: T[]): T[] {
  const index = (k: string): boolean => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;
  const ints = entries.filter((e) => index(e.key)).sort((a, b) => Number(a.key) - Number(b.key));
  return [...ints, ...entries.filter((e) => !index(e.key))];
}

function normaliseNode<T extends { node: { attributes: OcStringEntry[] } | undefined; resource: { labels: OcStringEntry[] } | undefined }>(
  m: T,
): T {
  if (m.node) m.node.attributes = inJsonKeyOrder(m.node.attributes);
  if (m.resource) m.resource.labels = inJsonKeyOrder(m.resource.labels);
  return m;
}

function traceInJsonOrder(m: OcExportTraceRequest): OcExportTraceRequest {
  const out = structuredClone(m);
  normaliseNode(out);
  for (const s of out.spans) {
    if (s.resource) s.resource.labels = inJsonKeyOrder(s.resource.labels);
    const attrs = [s.attributes, ...(s.links?.link ?? []).map((l) => l.attributes)];
    attrs.push(...(s.timeEvents?.timeEvent ?? []).map((e) => e.annotation?.attributes));
    for (const a of attrs) if (a) a.attributeMap = inJsonKeyOrder(a.attributeMap);
  }
  return out;
}

function metricsInJsonOrder(m: OcExportMetricsRequest): OcExportMetricsRequest {
  const out = structuredClone(m);
  normaliseNode(out);
  for (const metric of out.metrics) {
    if (metric.resource) metric.resource.labels = inJsonKeyOrder(metric.resource.labels);
    for (const ts of metric.timeseries) {
      for (const p of ts.points) {
        if (p.value.kind !== 'distribution') continue;
        for (const b of p.value.value.buckets) if (b.exemplar) b.exemplar.attachments = inJsonKeyOrder(b.exemplar.attachments);
      }
    }
  }
  return out;
}

function rejection(decode: () => unknown): string {
  try {
    decode();
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    return err.message;
  }
  return assert.fail('expected InvalidInputError');
}

const span0 = (json: unknown) => decodeTraceRequestJson(JSON.stringify({ spans: [json] })).spans[0]!;

describe('OpenCensus JSON codec', () => {
  it('round-trips any valid trace request (maps in the key order JSON gives)', () => {
    fc.assert(
      fc.property(ocTraceRequest(), (m) =>
        assert.deepStrictEqual(decodeTraceRequestJson(encodeTraceRequestJson(m)), traceInJsonOrder(m)),
      ),
      { numRuns: RUNS },
    );
  });

  it('round-trips any valid metrics request (maps in the key order JSON gives)', () => {
    fc.assert(
      fc.property(ocMetricsRequest(), (m) =>
        assert.deepStrictEqual(decodeMetricsRequestJson(encodeMetricsRequestJson(m)), metricsInJsonOrder(m)),
      ),
      { numRuns: RUNS },
    );
  });

  it('reads snake_case field names as lowerCamelCase ones', () => {
    const snake = {
      node: { library_info: { language: 'NODE_JS', core_library_version: '1' }, service_info: { name: 's' } },
      spans: [
        {
          trace_id: 'W47/95gDgQPSabYzgT/GDA==',
          parent_span_id: '7uGbfsPBsXQ=',
          start_time: '2024-01-01T00:00:00Z',
          attributes: { attribute_map: { a: { string_value: { value: 'x', truncated_byte_count: 2 } } }, dropped_attributes_count: 1 },
          time_events: { time_event: [{ message_event: { type: 'SENT', uncompressed_size: '10' } }] },
          same_process_as_parent_span: true,
          child_span_count: 3,
        },
      ],
    };
    const camel = {
      node: { libraryInfo: { language: 6, coreLibraryVersion: '1' }, serviceInfo: { name: 's' } },
      spans: [
        {
          traceId: 'W47/95gDgQPSabYzgT/GDA==',
          parentSpanId: '7uGbfsPBsXQ=',
          startTime: '2024-01-01T00:00:00Z',
          attributes: { attributeMap: { a: { stringValue: { value: 'x', truncatedByteCount: 2 } } }, droppedAttributesCount: 1 },
          timeEvents: { timeEvent: [{ messageEvent: { type: 1, uncompressedSize: 10 } }] },
          sameProcessAsParentSpan: true,
          childSpanCount: '3',
        },
      ],
    };
    const decoded = decodeTraceRequestJson(JSON.stringify(snake));
    assert.deepStrictEqual(decoded, decodeTraceRequestJson(JSON.stringify(camel)));
    assert.equal(decoded.spans[0]!.timeEvents!.timeEvent[0]!.messageEvent!.uncompressedSize, 10n);
    const metrics = decodeMetricsRequestJson(
      '{"metrics":[{"metric_descriptor":{"type":"SUMMARY","label_keys":[{"key":"k"}]},"timeseries":[{"start_timestamp":"1970-01-01T00:00:01Z","label_values":[{"has_value":true}],"points":[{"summary_value":{"snapshot":{"percentile_values":[{"percentile":50,"value":"1.5"}]}}}]}]}]}',
    );
    const ts = metrics.metrics[0]!.timeseries[0]!;
    assert.equal(metrics.metrics[0]!.metricDescriptor!.type, 7);
    assert.equal(ts.startTimestamp, 1_000_000_000n);
    assert.deepStrictEqual(ts.labelValues, [{ value: '', hasValue: true }]);
    assert.deepStrictEqual(ts.points[0]!.value, {
      kind: 'summary',
      value: { count: undefined, sum: undefined, snapshot: { count: undefined, sum: undefined, percentileValues: [{ percentile: 50, value: 1.5 }] } },
    });
  });

  it('reads base64 in both alphabets, with or without padding', () => {
    const id = Buffer.from('fbff3e00fbff3e00fbff3e00fbff3e00', 'hex');
    for (const text of ['+/8+APv/PgD7/z4A+/8+AA==', '-_8-APv_PgD7_z4A-_8-AA==', '-_8-APv_PgD7_z4A-_8-AA', '+/8+APv/PgD7/z4A+/8+AA']) {
      assert.deepStrictEqual(Buffer.from(span0({ traceId: text }).traceId), id, text);
    }
    assert.deepStrictEqual(span0({ spanId: '' }).spanId, new Uint8Array(0));
  });

  it('reads RFC 3339 timestamps exactly: offsets, 0 to 9 fractional digits, lower-case t and z', () => {
    const at = (text: string): bigint | undefined => span0({ startTime: text }).startTime;
    const base = BigInt(Date.UTC(2024, 1, 29, 22, 29, 59)) * 1_000_000n;
    assert.equal(at('2024-02-29T23:59:59.123456789+01:30'), base + 123_456_789n);
    assert.equal(at('2024-02-29t22:29:59.1z'), base + 100_000_000n);
    assert.equal(at('2024-02-29T20:29:59-02:00'), base);
    assert.equal(at('1970-01-01T00:00:00Z'), 0n);
    assert.equal(at('1969-12-31T23:59:59.999999999Z'), -1n);
    assert.equal(at('0001-01-01T00:00:00Z'), -62_135_596_800n * 1_000_000_000n);
    assert.equal(at('2262-04-11T23:47:16.854775807Z'), 2n ** 63n - 1n);
  });

  it('reads 64-bit integers as strings or numbers, exactly', () => {
    const attrs = span0({
      attributes: { attributeMap: { a: { intValue: '-9223372036854775808' }, b: { intValue: 42 }, c: { intValue: '9223372036854775807' } } },
    }).attributes!.attributeMap.map((e) => e.value);
    assert.deepStrictEqual(attrs, [
      { kind: 'int', value: -(2n ** 63n) },
      { kind: 'int', value: 42n },
      { kind: 'int', value: 2n ** 63n - 1n },
    ]);
    assert.equal(span0({ stackTrace: { stackTraceHashId: '18446744073709551615' } }).stackTrace!.stackTraceHashId, 2n ** 64n - 1n);
  });

  it('reads "-0" and -0 as the integer 0 (found by fuzzing: -0 would not survive protobuf)', () => {
    assert.ok(Object.is(span0({ status: { code: '-0' } }).status!.code, 0));
    assert.ok(Object.is(decodeTraceRequestJson('{"spans":[{"kind":-0}]}').spans[0]!.kind, 0));
  });

  it('reads enums by name or number, keeping unknown numbers', () => {
    assert.equal(span0({ kind: 'SERVER' }).kind, 1);
    assert.equal(span0({ kind: 2 }).kind, 2);
    assert.equal(span0({ kind: 9 }).kind, 9);
    const link = span0({ links: { link: [{ type: 'PARENT_LINKED_SPAN' }] } }).links!.link[0]!;
    assert.equal(link.type, 2);
  });

  it('reads wrappers as plain values, present at their default or absent', () => {
    assert.equal(span0({ sameProcessAsParentSpan: false }).sameProcessAsParentSpan, false);
    assert.equal(span0({}).sameProcessAsParentSpan, undefined);
    assert.equal(span0({ childSpanCount: '0' }).childSpanCount, 0);
    assert.equal(span0({ childSpanCount: null }).childSpanCount, undefined);
  });

  it('reads "NaN", "Infinity", "-Infinity" and numeric strings as doubles', () => {
    const values = span0({
      attributes: {
        attributeMap: {
          a: { doubleValue: 'NaN' },
          b: { doubleValue: 'Infinity' },
          c: { doubleValue: '-Infinity' },
          d: { doubleValue: '-0' },
          e: { doubleValue: 2.5 },
        },
      },
    }).attributes!.attributeMap.map((e) => e.value);
    assert.deepStrictEqual(
      values.map((v) => (v.kind === 'double' ? v.value : undefined)),
      [NaN, Infinity, -Infinity, -0, 2.5],
    );
  });

  it('keeps a "__proto__" map key as an ordinary key, both ways, without touching any prototype', () => {
    const json = '{"node":{"attributes":{"__proto__":"x","a":"b"}},"spans":[{"attributes":{"attributeMap":{"__proto__":{"boolValue":true}}}}]}';
    const decoded = decodeTraceRequestJson(json);
    assert.deepStrictEqual(decoded.node!.attributes, [
      { key: '__proto__', value: 'x' },
      { key: 'a', value: 'b' },
    ]);
    assert.deepStrictEqual(decoded.spans[0]!.attributes!.attributeMap, [{ key: '__proto__', value: { kind: 'bool', value: true } }]);
    assert.equal(({} as Record<string, unknown>).boolValue, undefined);
    const encoded = encodeTraceRequestJson(decoded);
    assert.match(encoded, /"attributes":\{"__proto__":"x","a":"b"\}/);
    assert.match(encoded, /"attributeMap":\{"__proto__":\{"boolValue":true\}\}/);
    assert.deepStrictEqual(decodeTraceRequestJson(encoded), decoded);
  });

  it('treats null as absent and ignores unknown fields', () => {
    const decoded = decodeTraceRequestJson(
      '{"node":null,"resource":null,"future":{"x":1},"spans":[{"name":null,"startTime":null,"kind":null,"attributes":{"attributeMap":{"n":null}},"x":[1]}]}',
    );
    assert.equal(decoded.node, undefined);
    assert.deepStrictEqual(decoded.spans[0]!.attributes!.attributeMap, [{ key: 'n', value: { kind: 'unset' } }]);
    assert.equal(decoded.spans[0]!.startTime, undefined);
  });

  it('accepts bytes and a byte order mark', () => {
    const body = Buffer.from('\ufeff{"spans":[{}]}', 'utf8');
    assert.equal(decodeTraceRequestJson(new Uint8Array(body)).spans.length, 1);
    assert.equal(decodeMetricsRequestJson(' {} ').metrics.length, 0);
  });

  it('writes canonical proto3 JSON: lowerCamelCase, defaults left out, 64-bit strings, enum names', () => {
    const json = encodeTraceRequestJson({
      node: undefined,
      resource: undefined,
      spans: [
        {
          ...span0({}),
          spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
          kind: 2,
          startTime: 1_700_000_000_123_000_000n,
          endTime: 0n,
          attributes: { attributeMap: [{ key: 'i', value: { kind: 'int', value: 0n } }], droppedAttributesCount: 0 },
          sameProcessAsParentSpan: false,
        },
      ],
    });
    assert.equal(
      json,
      '{"spans":[{"spanId":"7uGbfsPBsXQ=","kind":"CLIENT","startTime":"2023-11-14T22:13:20.123Z","endTime":"1970-01-01T00:00:00Z",' +
        '"attributes":{"attributeMap":{"i":{"intValue":"0"}}},"sameProcessAsParentSpan":false}]}',
    );
  });

  it('refuses to write a time RFC 3339 cannot hold', () => {
    const request = { node: undefined, resource: undefined, spans: [{ ...span0({}), startTime: 2n ** 64n * 1_000_000_000n }] };
    assert.match(rejection(() => encodeTraceRequestJson(request)), /outside the years 1 to 9999/);
  });

  describe('rejections name the JSON path', () => {
    const cases: [string, unknown, RegExp][] = [
      ['spans not a list', { spans: {} }, /^spans: must be an array, got object/],
      ['a span not an object', { spans: [{}, 3] }, /^spans\[1\]: must be an object, got number/],
      ['bad base64', { spans: [{ traceId: 'not base64!' }] }, /^spans\[0\]\.traceId: is not base64/],
      ['base64 of impossible length', { spans: [{ spanId: 'AAAAA' }] }, /^spans\[0\]\.spanId: is not base64/],
      ['bytes as a number', { spans: [{ spanId: 7 }] }, /^spans\[0\]\.spanId: must be a base64 string, got number/],
      ['not a timestamp', { spans: [{ startTime: '2024-01-01 00:00:00' }] }, /^spans\[0\]\.startTime: not an RFC 3339 timestamp/],
      ['a timestamp as a number', { spans: [{ endTime: 0 }] }, /^spans\[0\]\.endTime: not an RFC 3339 timestamp/],
      ['February 29 of a common year', { spans: [{ start_time: '2023-02-29T00:00:00Z' }] }, /^spans\[0\]\.startTime: not a valid date and time/],
      ['too many fractional digits', { spans: [{ startTime: '2024-01-01T00:00:00.1234567891Z' }] }, /^spans\[0\]\.startTime: not an RFC/],
      ['int64 not an integer', { spans: [{ stackTrace: { stackTraceHashId: '1.5' } }] }, /^spans\[0\]\.stackTrace\.stackTraceHashId: must be a uint64/],
      ['uint64 negative', { spans: [{ stackTrace: { stackTraceHashId: '-1' } }] }, /must be a uint64/],
      [
        'int64 out of range',
        { spans: [{ attributes: { attributeMap: { k: { intValue: '9223372036854775808' } } } }] },
        /^spans\[0\]\.attributes\.attributeMap\["k"\]\.intValue: must be an int64/,
      ],
      ['int32 fractional', { spans: [{ name: { truncatedByteCount: 1.5 } }] }, /^spans\[0\]\.name\.truncatedByteCount: must be an int32/],
      ['uint32 wrapper negative', { spans: [{ childSpanCount: -1 }] }, /^spans\[0\]\.childSpanCount: must be a uint32/],
      ['bool as a string', { spans: [{ sameProcessAsParentSpan: 'true' }] }, /^spans\[0\]\.sameProcessAsParentSpan: must be true or false/],
      ['unknown enum name', { spans: [{ kind: 'PRODUCER' }] }, /^spans\[0\]\.kind: has no value named "PRODUCER"/],
      ['a double as a word', { spans: [{ attributes: { attributeMap: { d: { doubleValue: 'lots' } } } }] }, /\["d"\]\.doubleValue: must be a number/],
      ['two oneof members', { spans: [{ attributes: { attributeMap: { d: { intValue: 1, boolValue: true } } } }] }, /oneof value is already set by intValue/],
      ['a map as a list', { node: { attributes: [] } }, /^node\.attributes: must be an object, got array/],
      ['a map value not a string', { resource: { labels: { a: 1 } } }, /^resource\.labels\["a"\]: must be a string, got number/],
      [
        'a deep timestamp',
        { spans: [{ time_events: { time_event: [{}, { time: 'yesterday' }] } }] },
        /^spans\[0\]\.timeEvents\.timeEvent\[1\]\.time: not an RFC 3339 timestamp: "yesterday"/,
      ],
    ];
    for (const [name, doc, expected] of cases) {
      it(`rejects ${name}`, () => assert.match(rejection(() => decodeTraceRequestJson(JSON.stringify(doc))), expected));
    }

    it('rejects metrics with the path of the bad value', () => {
      const doc = { metrics: [{ timeseries: [{ points: [{ distributionValue: { bucketOptions: { explicit: { bounds: [1, 'x'] } } } }] }] }] };
      assert.match(
        rejection(() => decodeMetricsRequestJson(JSON.stringify(doc))),
        /^metrics\[0\]\.timeseries\[0\]\.points\[0\]\.distributionValue\.bucketOptions\.explicit\.bounds\[1\]: must be a number/,
      );
      const wrapper = { metrics: [{ timeseries: [{ points: [{ summaryValue: { count: 'many' } }] }] }] };
      assert.match(rejection(() => decodeMetricsRequestJson(JSON.stringify(wrapper))), /summaryValue\.count: must be an int64/);
    });

    it('rejects what is not a JSON object', () => {
      assert.match(rejection(() => decodeTraceRequestJson('{"spans":')), /^invalid OpenCensus JSON: /);
      assert.match(rejection(() => decodeTraceRequestJson('[]')), /^request must be a JSON object, got array/);
      assert.match(rejection(() => decodeMetricsRequestJson('null')), /^request must be a JSON object, got null/);
    });
  });
});
