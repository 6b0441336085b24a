// The OpenCensus protobuf codec: lossless round trips of every message kind,
// exact 64-bit values and Timestamps, presence of wrappers and oneofs, maps in
// wire order, and rejections that name where the problem is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';
import {
  decodeLibraryConfigProto,
  decodeMetricsRequestProto,
  decodeTraceRequestProto,
  encodeLibraryConfigProto,
  encodeMetricsRequestProto,
  encodeTraceRequestProto,
  type OcExportMetricsRequest,
  type OcSpan,
} from '../../../../lib/protocol/opencensus/index.js';
import { OcMetricsRequestType, OcTraceRequestType } from '../../../../lib/protocol/opencensus/proto-root.js';
import { ocLibraryConfig, ocMetricsRequest, ocTraceRequest } from '../../../helpers/opencensus-arbitraries.js';

const TRACE_ID = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN_ID = Buffer.from('eee19b7ec3c1b174', 'hex');
const RUNS = 150;

/** A span with every field at its proto3 default. */
function emptySpan(): OcSpan {
  return {
    traceId: new Uint8Array(0),
    spanId: new Uint8Array(0),
    tracestate: undefined,
    parentSpanId: new Uint8Array(0),
    name: undefined,
    kind: 0,
    startTime: undefined,
    endTime: undefined,
    attributes: undefined,
    stackTrace: undefined,
    timeEvents: undefined,
    links: undefined,
    status: undefined,
    resource: undefined,
    sameProcessAsParentSpan: undefined,
    childSpanCount: undefined,
  };
}

/** Encodes protobufjs-shaped plain objects, bypassing our encoder. */
const rawSpans = (...spans: Record<string, unknown>[]): Uint8Array => OcTraceRequestType.encode({ spans }).finish();
const rawMetrics = (...metrics: Record<string, unknown>[]): Uint8Array => OcMetricsRequestType.encode({ metrics }).finish();

function rejection(decode: () => unknown): string {
  try {
    decode();
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    return err.message;
  }
  return assert.fail('expected InvalidInputError');
}

describe('OpenCensus protobuf codec', () => {
  it('round-trips any valid trace request unchanged', () => {
    fc.assert(
      fc.property(ocTraceRequest(), (m) => assert.deepStrictEqual(decodeTraceRequestProto(encodeTraceRequestProto(m)), m)),
      { numRuns: RUNS },
    );
  });

  it('round-trips any valid metrics request unchanged', () => {
    fc.assert(
      fc.property(ocMetricsRequest(), (m) => assert.deepStrictEqual(decodeMetricsRequestProto(encodeMetricsRequestProto(m)), m)),
      { numRuns: RUNS },
    );
  });

  it('round-trips any library config unchanged', () => {
    fc.assert(
      fc.property(ocLibraryConfig(), (m) => assert.deepStrictEqual(decodeLibraryConfigProto(encodeLibraryConfigProto(m)), m)),
      { numRuns: RUNS },
    );
  });

  it('round-trips what is valid on the wire but not for the translation', () => {
    const span: OcSpan = {
      ...emptySpan(),
      traceId: new Uint8Array([1, 2, 3]),
      kind: 7, // unknown enum numbers are kept
      startTime: -999_999_995n, // before the epoch: seconds -1, nanos 5
      attributes: { attributeMap: [{ key: 'u', value: { kind: 'unset' } }], droppedAttributesCount: -1 },
      timeEvents: {
        timeEvent: [{ time: undefined, annotation: undefined, messageEvent: undefined }],
        droppedAnnotationsCount: 0,
        droppedMessageEventsCount: 0,
      },
    };
    const request = { node: undefined, spans: [span], resource: undefined };
    assert.deepStrictEqual(decodeTraceRequestProto(encodeTraceRequestProto(request)), request);
    const metrics: OcExportMetricsRequest = {
      node: { identifier: undefined, libraryInfo: { language: -1, exporterVersion: '', coreLibraryVersion: '' }, serviceInfo: undefined, attributes: [] },
      metrics: [
        {
          metricDescriptor: undefined,
          timeseries: [{ startTimestamp: undefined, labelValues: [], points: [{ timestamp: 0n, value: { kind: 'unset' } }] }],
          resource: undefined,
        },
      ],
      resource: undefined,
    };
    assert.deepStrictEqual(decodeMetricsRequestProto(encodeMetricsRequestProto(metrics)), metrics);
  });

  it('writes nothing for defaults, but keeps present empty messages, wrappers and a zero Timestamp', () => {
    assert.equal(Buffer.from(encodeTraceRequestProto({ node: undefined, spans: [emptySpan()], resource: undefined })).toString('hex'), '1200');
    const span: OcSpan = { ...emptySpan(), startTime: 0n, sameProcessAsParentSpan: false, childSpanCount: 0 };
    const bytes = encodeTraceRequestProto({ node: undefined, spans: [span], resource: undefined });
    // span (field 2) { start_time (5) {}, same_process_as_parent_span (12) {}, child_span_count (13) {} }
    assert.equal(Buffer.from(bytes).toString('hex'), '12062a0062006a00');
    assert.deepStrictEqual(decodeTraceRequestProto(bytes).spans[0], span);
  });

  it('keeps 64-bit values exactly, uint64 above 2^63 included', () => {
    const decoded = decodeTraceRequestProto(
      rawSpans({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        startTime: { seconds: '9223372036', nanos: 854_775_807 },
        attributes: {
          attributeMap: [
            { key: 'min', value: { intValue: '-9223372036854775808' } },
            { key: 'max', value: { intValue: '9223372036854775807' } },
          ],
        },
        stackTrace: { stackTraceHashId: '18446744073709551615' },
        timeEvents: { timeEvent: [{ messageEvent: { id: '9223372036854775808' } }] },
      }),
    );
    const span = decoded.spans[0]!;
    assert.equal(span.startTime, 2n ** 63n - 1n);
    assert.deepStrictEqual(
      span.attributes!.attributeMap.map((e) => e.value),
      [
        { kind: 'int', value: -(2n ** 63n) },
        { kind: 'int', value: 2n ** 63n - 1n },
      ],
    );
    assert.equal(span.stackTrace!.stackTraceHashId, 2n ** 64n - 1n);
    assert.equal(span.timeEvents!.timeEvent[0]!.messageEvent!.id, 2n ** 63n);
  });

  it('keeps map entries in wire order, duplicates and "__proto__" included', () => {
    const decoded = decodeTraceRequestProto(
      rawSpans({
        attributes: {
          attributeMap: [
            { key: 'b', value: { boolValue: true } },
            { key: '2', value: { intValue: 2 } },
            { key: '__proto__', value: { doubleValue: 1.5 } },
            { key: '1', value: {} },
            { key: 'b', value: { boolValue: false } },
          ],
        },
        resource: { labels: [{ key: '__proto__', value: 'x' }, { key: '0', value: 'y' }] },
      }),
    );
    const span = decoded.spans[0]!;
    assert.deepStrictEqual(
      span.attributes!.attributeMap.map((e) => e.key),
      ['b', '2', '__proto__', '1', 'b'],
    );
    assert.deepStrictEqual(span.resource!.labels, [
      { key: '__proto__', value: 'x' },
      { key: '0', value: 'y' },
    ]);
    assert.equal(Object.getPrototypeOf(span.attributes!.attributeMap[2]), Object.prototype);
  });

  it('copies IDs out of the input buffer', () => {
    const bytes = Buffer.from(rawSpans({ traceId: TRACE_ID, spanId: SPAN_ID }));
    const span = decodeTraceRequestProto(bytes).spans[0]!;
    bytes.fill(0);
    assert.deepStrictEqual(Buffer.from(span.traceId), TRACE_ID);
    assert.deepStrictEqual(Buffer.from(span.spanId), SPAN_ID);
    assert.ok(!Buffer.isBuffer(span.traceId), 'a plain Uint8Array, like the arbitraries make');
  });

  it('reads an UpdatedLibraryConfig as well (same wire shape)', () => {
    const type = OcTraceRequestType.root.lookupType('opencensus.proto.agent.trace.v1.UpdatedLibraryConfig');
    const bytes = type.encode({ config: { constantSampler: { decision: 2 }, maxNumberOfLinks: 32 } }).finish();
    assert.deepStrictEqual(decodeLibraryConfigProto(bytes), {
      node: undefined,
      config: {
        sampler: { kind: 'constant', decision: 2 },
        maxNumberOfAttributes: 0n,
        maxNumberOfAnnotations: 0n,
        maxNumberOfMessageEvents: 0n,
        maxNumberOfLinks: 32n,
      },
    });
  });

  describe('rejections', () => {
    it('rejects Timestamp nanos outside [0, 1e9), naming the field', () => {
      const bad = { seconds: 1, nanos: 1_000_000_000 };
      assert.match(rejection(() => decodeTraceRequestProto(rawSpans({}, { startTime: bad }))), /^spans\[1\]\.start_time: nanos out of range/);
      assert.match(
        rejection(() => decodeTraceRequestProto(rawSpans({ timeEvents: { timeEvent: [{}, { time: { nanos: -1 } }] } }))),
        /^spans\[0\]\.time_events\.time_event\[1\]\.time: nanos out of range \[0, 1e9\): -1/,
      );
      assert.match(
        rejection(() =>
          decodeTraceRequestProto(OcTraceRequestType.encode({ node: { identifier: { startTimestamp: bad } } }).finish()),
        ),
        /^node\.identifier\.start_timestamp: /,
      );
      assert.match(
        rejection(() => decodeMetricsRequestProto(rawMetrics({ timeseries: [{ points: [{}, { timestamp: bad }] }] }))),
        /^metrics\[0\]\.timeseries\[0\]\.points\[1\]\.timestamp: /,
      );
      const exemplar = { distributionValue: { buckets: [{}, { exemplar: { timestamp: bad } }] } };
      assert.match(
        rejection(() => decodeMetricsRequestProto(rawMetrics({ timeseries: [{ points: [exemplar] }] }))),
        /^metrics\[0\]\.timeseries\[0\]\.points\[0\]\.distribution_value\.buckets\[1\]\.exemplar\.timestamp: /,
      );
    });

    it('rejects a broken wire format as invalid OpenCensus protobuf', () => {
      for (const bytes of [[0x12, 0x05, 0x0a], [0xff], [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
        const input = Uint8Array.from(bytes);
        assert.match(rejection(() => decodeTraceRequestProto(input)), /^invalid OpenCensus protobuf: /);
        assert.match(rejection(() => decodeMetricsRequestProto(input)), /^invalid OpenCensus protobuf: /);
        assert.match(rejection(() => decodeLibraryConfigProto(input)), /^invalid OpenCensus protobuf: /);
      }
    });
  });
});
