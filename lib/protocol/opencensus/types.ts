// The OpenCensus agent protocol's messages as plain values: what the protobuf
// and JSON decoders produce and the protobuf encoder takes, and what the
// translation to and from the model reads and writes. The shapes follow
// proto/opencensus (v0.4.1) with three normalisations:
//
// - times are bigint nanoseconds since the epoch, undefined when the
//   Timestamp is absent (a present Timestamp of 0 s 0 ns is 0n);
// - int64/uint64 are bigint; IDs are the raw bytes as sent (their length is
//   checked by the translation, not the decoder);
// - proto maps are arrays of entries in wire order, so that a round trip
//   keeps the order and no key (such as "__proto__") is special.
//
// Optional wrapper fields (google.protobuf.BoolValue etc.) are undefined when
// absent; every other field has its proto3 default when absent.

export interface OcTruncatableString {
  value: string;
  truncatedByteCount: number;
}

export interface OcProcessIdentifier {
  hostName: string;
  pid: number;
  startTimestamp: bigint | undefined;
}

/** LibraryInfo.Language numbers; unknown numbers are kept as they are. */
export const OcLanguage = {
  LANGUAGE_UNSPECIFIED: 0,
  CPP: 1,
  C_SHARP: 2,
  ERLANG: 3,
  GO_LANG: 4,
  JAVA: 5,
  NODE_JS: 6,
  PHP: 7,
  PYTHON: 8,
  RUBY: 9,
  WEB_JS: 10,
} as const;

export interface OcLibraryInfo {
  language: number;
  exporterVersion: string;
  coreLibraryVersion: string;
}

export interface OcNode {
  identifier: OcProcessIdentifier | undefined;
  libraryInfo: OcLibraryInfo | undefined;
  serviceInfo: { name: string } | undefined;
  attributes: OcStringEntry[];
}

export interface OcStringEntry {
  key: string;
  value: string;
}

export interface OcResource {
  type: string;
  labels: OcStringEntry[];
}

// --- traces ---

export type OcAttributeValue =
  | { kind: 'string'; value: OcTruncatableString }
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'double'; value: number }
  /** An AttributeValue with no member of its oneof set. */
  | { kind: 'unset' };

export interface OcAttributes {
  attributeMap: { key: string; value: OcAttributeValue }[];
  droppedAttributesCount: number;
}

/** Span.SpanKind */
export const OcSpanKind = { SPAN_KIND_UNSPECIFIED: 0, SERVER: 1, CLIENT: 2 } as const;
/** MessageEvent.Type */
export const OcMessageEventType = { TYPE_UNSPECIFIED: 0, SENT: 1, RECEIVED: 2 } as const;
/** Link.Type */
export const OcLinkType = { TYPE_UNSPECIFIED: 0, CHILD_LINKED_SPAN: 1, PARENT_LINKED_SPAN: 2 } as const;

export interface OcAnnotation {
  description: OcTruncatableString | undefined;
  attributes: OcAttributes | undefined;
}

export interface OcMessageEvent {
  type: number;
  id: bigint;
  uncompressedSize: bigint;
  compressedSize: bigint;
}

export interface OcTimeEvent {
  time: bigint | undefined;
  /** Neither set is allowed on the wire (an empty oneof). */
  annotation: OcAnnotation | undefined;
  messageEvent: OcMessageEvent | undefined;
}

export interface OcTimeEvents {
  timeEvent: OcTimeEvent[];
  droppedAnnotationsCount: number;
  droppedMessageEventsCount: number;
}

export interface OcLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  type: number;
  attributes: OcAttributes | undefined;
  tracestate: OcTracestate | undefined;
}

export interface OcLinks {
  link: OcLink[];
  droppedLinksCount: number;
}

export interface OcTracestate {
  entries: OcStringEntry[];
}

export interface OcModule {
  module: OcTruncatableString | undefined;
  buildId: OcTruncatableString | undefined;
}

export interface OcStackFrame {
  functionName: OcTruncatableString | undefined;
  originalFunctionName: OcTruncatableString | undefined;
  fileName: OcTruncatableString | undefined;
  lineNumber: bigint;
  columnNumber: bigint;
  loadModule: OcModule | undefined;
  sourceVersion: OcTruncatableString | undefined;
}

export interface OcStackTrace {
  stackFrames: { frame: OcStackFrame[]; droppedFramesCount: number } | undefined;
  stackTraceHashId: bigint;
}

export interface OcStatus {
  /** A gRPC status code: 0 is OK. */
  code: number;
  message: string;
}

export interface OcSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  tracestate: OcTracestate | undefined;
  /** Empty for a root span. */
  parentSpanId: Uint8Array;
  name: OcTruncatableString | undefined;
  kind: number;
  startTime: bigint | undefined;
  endTime: bigint | undefined;
  attributes: OcAttributes | undefined;
  stackTrace: OcStackTrace | undefined;
  timeEvents: OcTimeEvents | undefined;
  links: OcLinks | undefined;
  status: OcStatus | undefined;
  /** Overrides the request's resource for this span. */
  resource: OcResource | undefined;
  sameProcessAsParentSpan: boolean | undefined;
  childSpanCount: number | undefined;
}

export interface OcExportTraceRequest {
  node: OcNode | undefined;
  spans: OcSpan[];
  resource: OcResource | undefined;
}

// --- trace config ---

/** ConstantSampler.ConstantDecision */
export const OcConstantDecision = { ALWAYS_OFF: 0, ALWAYS_ON: 1, ALWAYS_PARENT: 2 } as const;

export type OcSampler =
  | { kind: 'probability'; samplingProbability: number }
  | { kind: 'constant'; decision: number }
  | { kind: 'rateLimiting'; qps: bigint };

export interface OcTraceConfig {
  sampler: OcSampler | undefined;
  maxNumberOfAttributes: bigint;
  maxNumberOfAnnotations: bigint;
  maxNumberOfMessageEvents: bigint;
  maxNumberOfLinks: bigint;
}

/** CurrentLibraryConfig and UpdatedLibraryConfig have the same shape. */
export interface OcLibraryConfig {
  node: OcNode | undefined;
  config: OcTraceConfig | undefined;
}

// --- metrics ---

/** MetricDescriptor.Type */
export const OcMetricType = {
  UNSPECIFIED: 0,
  GAUGE_INT64: 1,
  GAUGE_DOUBLE: 2,
  GAUGE_DISTRIBUTION: 3,
  CUMULATIVE_INT64: 4,
  CUMULATIVE_DOUBLE: 5,
  CUMULATIVE_DISTRIBUTION: 6,
  SUMMARY: 7,
} as const;

export interface OcLabelKey {
  key: string;
  description: string;
}

export interface OcLabelValue {
  value: string;
  /** False for a label without a value, which is not the empty string. */
  hasValue: boolean;
}

export interface OcMetricDescriptor {
  name: string;
  description: string;
  unit: string;
  type: number;
  labelKeys: OcLabelKey[];
}

export interface OcExemplar {
  value: number;
  timestamp: bigint | undefined;
  attachments: OcStringEntry[];
}

export interface OcBucket {
  count: bigint;
  exemplar: OcExemplar | undefined;
}

export interface OcDistributionValue {
  count: bigint;
  sum: number;
  sumOfSquaredDeviation: number;
  /** undefined when bucket_options is absent; explicit bounds otherwise. */
  bucketOptions: { explicit: { bounds: number[] } | undefined } | undefined;
  buckets: OcBucket[];
}

export interface OcSummaryValue {
  count: bigint | undefined;
  sum: number | undefined;
  snapshot:
    | {
        count: bigint | undefined;
        sum: number | undefined;
        percentileValues: { percentile: number; value: number }[];
      }
    | undefined;
}

export type OcPointValue =
  | { kind: 'int64'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'distribution'; value: OcDistributionValue }
  | { kind: 'summary'; value: OcSummaryValue }
  | { kind: 'unset' };

export interface OcPoint {
  timestamp: bigint | undefined;
  value: OcPointValue;
}

export interface OcTimeSeries {
  startTimestamp: bigint | undefined;
  labelValues: OcLabelValue[];
  points: OcPoint[];
}

export interface OcMetric {
  metricDescriptor: OcMetricDescriptor | undefined;
  timeseries: OcTimeSeries[];
  /** Overrides the request's resource for this metric. */
  resource: OcResource | undefined;
}

export interface OcExportMetricsRequest {
  node: OcNode | undefined;
  metrics: OcMetric[];
  resource: OcResource | undefined;
}
