// The .proto schemas must match the OpenTelemetry specification field for
// field: a wrong number breaks every client silently. This table is checked
// against the published opentelemetry-proto v1.x definitions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRequestType, TraceRequestType } from '../../../../lib/protocol/otlp/proto-root.js';

const EXPECTED: Record<string, Record<string, [number, string]>> = {
  'opentelemetry.proto.common.v1.AnyValue': {
    stringValue: [1, 'string'], boolValue: [2, 'bool'], intValue: [3, 'int64'], doubleValue: [4, 'double'],
    arrayValue: [5, 'ArrayValue'], kvlistValue: [6, 'KeyValueList'], bytesValue: [7, 'bytes'],
  },
  'opentelemetry.proto.common.v1.InstrumentationScope': {
    name: [1, 'string'], version: [2, 'string'], attributes: [3, 'KeyValue'], droppedAttributesCount: [4, 'uint32'],
  },
  'opentelemetry.proto.resource.v1.Resource': {
    attributes: [1, 'opentelemetry.proto.common.v1.KeyValue'], droppedAttributesCount: [2, 'uint32'],
    entityRefs: [3, 'opentelemetry.proto.common.v1.EntityRef'],
  },
  'opentelemetry.proto.trace.v1.Span': {
    traceId: [1, 'bytes'], spanId: [2, 'bytes'], traceState: [3, 'string'], parentSpanId: [4, 'bytes'], flags: [16, 'fixed32'],
    name: [5, 'string'], kind: [6, 'SpanKind'], startTimeUnixNano: [7, 'fixed64'], endTimeUnixNano: [8, 'fixed64'],
    attributes: [9, 'opentelemetry.proto.common.v1.KeyValue'], droppedAttributesCount: [10, 'uint32'], events: [11, 'Event'],
    droppedEventsCount: [12, 'uint32'], links: [13, 'Link'], droppedLinksCount: [14, 'uint32'], status: [15, 'Status'],
  },
  'opentelemetry.proto.trace.v1.Span.Link': {
    traceId: [1, 'bytes'], spanId: [2, 'bytes'], traceState: [3, 'string'], attributes: [4, 'opentelemetry.proto.common.v1.KeyValue'],
    droppedAttributesCount: [5, 'uint32'], flags: [6, 'fixed32'],
  },
  'opentelemetry.proto.trace.v1.Status': { message: [2, 'string'], code: [3, 'StatusCode'] },
  'opentelemetry.proto.metrics.v1.Metric': {
    name: [1, 'string'], description: [2, 'string'], unit: [3, 'string'], gauge: [5, 'Gauge'], sum: [7, 'Sum'],
    histogram: [9, 'Histogram'], exponentialHistogram: [10, 'ExponentialHistogram'], summary: [11, 'Summary'],
    metadata: [12, 'opentelemetry.proto.common.v1.KeyValue'],
  },
  'opentelemetry.proto.metrics.v1.NumberDataPoint': {
    attributes: [7, 'opentelemetry.proto.common.v1.KeyValue'], startTimeUnixNano: [2, 'fixed64'], timeUnixNano: [3, 'fixed64'],
    asDouble: [4, 'double'], asInt: [6, 'sfixed64'], exemplars: [5, 'Exemplar'], flags: [8, 'uint32'],
  },
  'opentelemetry.proto.metrics.v1.HistogramDataPoint': {
    attributes: [9, 'opentelemetry.proto.common.v1.KeyValue'], startTimeUnixNano: [2, 'fixed64'], timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'], sum: [5, 'double'], bucketCounts: [6, 'fixed64'], explicitBounds: [7, 'double'], exemplars: [8, 'Exemplar'],
    flags: [10, 'uint32'], min: [11, 'double'], max: [12, 'double'],
  },
  'opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint': {
    attributes: [1, 'opentelemetry.proto.common.v1.KeyValue'], startTimeUnixNano: [2, 'fixed64'], timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'], sum: [5, 'double'], scale: [6, 'sint32'], zeroCount: [7, 'fixed64'], positive: [8, 'Buckets'],
    negative: [9, 'Buckets'], flags: [10, 'uint32'], exemplars: [11, 'Exemplar'], min: [12, 'double'], max: [13, 'double'],
    zeroThreshold: [14, 'double'],
  },
  'opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets': { offset: [1, 'sint32'], bucketCounts: [2, 'uint64'] },
  'opentelemetry.proto.metrics.v1.SummaryDataPoint': {
    attributes: [7, 'opentelemetry.proto.common.v1.KeyValue'], startTimeUnixNano: [2, 'fixed64'], timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'], sum: [5, 'double'], quantileValues: [6, 'ValueAtQuantile'], flags: [8, 'uint32'],
  },
  'opentelemetry.proto.metrics.v1.Exemplar': {
    filteredAttributes: [7, 'opentelemetry.proto.common.v1.KeyValue'], timeUnixNano: [2, 'fixed64'], asDouble: [3, 'double'],
    asInt: [6, 'sfixed64'], spanId: [4, 'bytes'], traceId: [5, 'bytes'],
  },
  'opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess': { rejectedSpans: [1, 'int64'], errorMessage: [2, 'string'] },
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess': {
    rejectedDataPoints: [1, 'int64'], errorMessage: [2, 'string'],
  },
};

describe('OTLP .proto schemas', () => {
  const root = TraceRequestType.root;
  for (const [typeName, fields] of Object.entries(EXPECTED)) {
    it(`${typeName} has the specification's field numbers and types`, () => {
      const type = root.lookupType(typeName);
      const actual = Object.fromEntries(type.fieldsArray.map((f) => [f.name, [f.id, f.type]]));
      assert.deepStrictEqual(actual, fields);
    });
  }

  it('loads both services from one root', () => {
    assert.equal(MetricsRequestType.root, root);
    assert.ok(root.lookupService('opentelemetry.proto.collector.trace.v1.TraceService').methods.Export);
    assert.ok(root.lookupService('opentelemetry.proto.collector.metrics.v1.MetricsService').methods.Export);
  });
});
