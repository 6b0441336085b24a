// The OpenCensus .proto schemas must match opencensus-proto v0.4.1 field for
// field: a wrong number breaks every client silently. Map fields appear as the
// repeated entry messages proto-root.ts turns them into (same wire format).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import {
  OcLibraryConfigType,
  OcMetricsRequestType,
  OcTraceRequestType,
} from '../../../../lib/protocol/opencensus/proto-root.js';

const T = 'opencensus.proto.trace.v1';
const M = 'opencensus.proto.metrics.v1';
const EXPECTED: Record<string, Record<string, [number, string, string?]>> = {
  'opencensus.proto.agent.trace.v1.ExportTraceServiceRequest': {
    node: [1, 'opencensus.proto.agent.common.v1.Node'], spans: [2, `${T}.Span`, 'repeated'],
    resource: [3, 'opencensus.proto.resource.v1.Resource'],
  },
  'opencensus.proto.agent.trace.v1.UpdatedLibraryConfig': {
    node: [1, 'opencensus.proto.agent.common.v1.Node'], config: [2, `${T}.TraceConfig`],
  },
  'opencensus.proto.agent.metrics.v1.ExportMetricsServiceRequest': {
    node: [1, 'opencensus.proto.agent.common.v1.Node'], metrics: [2, `${M}.Metric`, 'repeated'],
    resource: [3, 'opencensus.proto.resource.v1.Resource'],
  },
  'opencensus.proto.agent.common.v1.Node': {
    identifier: [1, 'ProcessIdentifier'], libraryInfo: [2, 'LibraryInfo'], serviceInfo: [3, 'ServiceInfo'],
    attributes: [4, 'AttributesEntry', 'repeated'],
  },
  'opencensus.proto.agent.common.v1.ProcessIdentifier': {
    hostName: [1, 'string'], pid: [2, 'uint32'], startTimestamp: [3, 'google.protobuf.Timestamp'],
  },
  'opencensus.proto.resource.v1.Resource': { type: [1, 'string'], labels: [2, 'LabelsEntry', 'repeated'] },
  [`${T}.Span`]: {
    traceId: [1, 'bytes'], spanId: [2, 'bytes'], tracestate: [15, 'Tracestate'], parentSpanId: [3, 'bytes'],
    name: [4, 'TruncatableString'], kind: [14, 'SpanKind'], startTime: [5, 'google.protobuf.Timestamp'],
    endTime: [6, 'google.protobuf.Timestamp'], attributes: [7, 'Attributes'], stackTrace: [8, 'StackTrace'],
    timeEvents: [9, 'TimeEvents'], links: [10, 'Links'], status: [11, 'Status'],
    resource: [16, 'opencensus.proto.resource.v1.Resource'],
    sameProcessAsParentSpan: [12, 'google.protobuf.BoolValue'], childSpanCount: [13, 'google.protobuf.UInt32Value'],
  },
  [`${T}.Span.Attributes.AttributeMapEntry`]: { key: [1, 'string'], value: [2, 'AttributeValue'] },
  [`${T}.AttributeValue`]: {
    stringValue: [1, 'TruncatableString'], intValue: [2, 'int64'], boolValue: [3, 'bool'], doubleValue: [4, 'double'],
  },
  [`${T}.Span.TimeEvent.MessageEvent`]: {
    type: [1, 'Type'], id: [2, 'uint64'], uncompressedSize: [3, 'uint64'], compressedSize: [4, 'uint64'],
  },
  [`${T}.TraceConfig`]: {
    probabilitySampler: [1, 'ProbabilitySampler'], constantSampler: [2, 'ConstantSampler'],
    rateLimitingSampler: [3, 'RateLimitingSampler'], maxNumberOfAttributes: [4, 'int64'],
    maxNumberOfAnnotations: [5, 'int64'], maxNumberOfMessageEvents: [6, 'int64'], maxNumberOfLinks: [7, 'int64'],
  },
  [`${T}.ProbabilitySampler`]: { samplingProbability: [1, 'double'] },
  [`${M}.LabelValue`]: { value: [1, 'string'], hasValue: [2, 'bool'] },
  [`${M}.Point`]: {
    timestamp: [1, 'google.protobuf.Timestamp'], int64Value: [2, 'int64'], doubleValue: [3, 'double'],
    distributionValue: [4, 'DistributionValue'], summaryValue: [5, 'SummaryValue'],
  },
  [`${M}.DistributionValue`]: {
    count: [1, 'int64'], sum: [2, 'double'], sumOfSquaredDeviation: [3, 'double'], bucketOptions: [4, 'BucketOptions'],
    buckets: [5, 'Bucket', 'repeated'],
  },
  [`${M}.DistributionValue.Exemplar`]: {
    value: [1, 'double'], timestamp: [2, 'google.protobuf.Timestamp'], attachments: [3, 'AttachmentsEntry', 'repeated'],
  },
  [`${M}.SummaryValue`]: { count: [1, 'google.protobuf.Int64Value'], sum: [2, 'google.protobuf.DoubleValue'], snapshot: [3, 'Snapshot'] },
};

describe('OpenCensus .proto schemas', () => {
  const root = OcTraceRequestType.root;
  for (const [typeName, fields] of Object.entries(EXPECTED)) {
    it(`${typeName} has opencensus-proto's field numbers and types`, () => {
      const type = root.lookupType(typeName);
      const actual = Object.fromEntries(
        type.fieldsArray.map((f) => [f.name, f.repeated ? [f.id, f.type, 'repeated'] : [f.id, f.type]]),
      );
      assert.deepStrictEqual(actual, fields);
    });
  }

  it('has no map fields left: every map is a list of key/value entries', () => {
    const maps: string[] = [];
    const walk = (ns: protobuf.NamespaceBase): void => {
      for (const n of ns.nestedArray) {
        if (n instanceof protobuf.Type) maps.push(...n.fieldsArray.filter((f) => f.map).map((f) => f.fullName));
        if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) walk(n);
      }
    };
    walk(root);
    assert.deepStrictEqual(maps, []);
  });

  it('loads both services and the config messages into one root', () => {
    assert.equal(OcMetricsRequestType.root, root);
    assert.equal(OcLibraryConfigType.root, root);
    const trace = root.lookupService('opencensus.proto.agent.trace.v1.TraceService');
    assert.deepStrictEqual(Object.keys(trace.methods).sort(), ['Config', 'Export']);
    assert.ok(root.lookupService('opencensus.proto.agent.metrics.v1.MetricsService').methods.Export);
  });
});
