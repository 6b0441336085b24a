// Jaeger's span messages as plain values: what the Thrift (jaeger.thrift,
// binary and compact) and protobuf (api_v2 model.proto) decoders produce and
// the encoders take, and what the translation to and from the model reads
// and writes. One shape serves both formats, normalised so that the
// translation is written once:
//
// - IDs are lowercase hex: a trace ID is 32 digits (Thrift's traceIdHigh then
//   traceIdLow, or the proto's 16 bytes), a span ID 16 digits. Zero IDs are
//   kept; the translation refuses them.
// - Times are bigint nanoseconds: Thrift's microseconds times 1000, the
//   proto's Timestamp and Duration exactly. Durations may be negative.
// - Tags are model KeyValues of the five kinds Jaeger has (STRING, BOOL,
//   LONG/INT64, DOUBLE/FLOAT64, BINARY -> string, bool, int, double, bytes),
//   so the translation hands them on without another pass.
// - parentSpanId is Thrift's field (all zeros: no parent); the proto has no
//   such field (undefined): its parent is a reference.
// - process on a span exists only in the proto, where it overrides the
//   batch's; Thrift always has the batch's process.
import type { AnyValue } from '../../model/common.js';

export type JaegerValue = Extract<AnyValue, { kind: 'string' | 'bool' | 'int' | 'double' | 'bytes' }>;

export interface JaegerTag {
  key: string;
  value: JaegerValue;
}

export interface JaegerLog {
  timeUnixNano: bigint;
  fields: JaegerTag[];
}

/** SpanRefType, numbered alike in Thrift and proto. */
export const JaegerRefType = { CHILD_OF: 0, FOLLOWS_FROM: 1 } as const;
export type JaegerRefType = (typeof JaegerRefType)[keyof typeof JaegerRefType];

export interface JaegerSpanRef {
  refType: JaegerRefType;
  traceId: string;
  spanId: string;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerTag[];
}

/** Span.flags bits (jaeger-client conventions). */
export const JaegerFlags = { SAMPLED: 1, DEBUG: 2, FIREHOSE: 8 } as const;

export interface JaegerSpan {
  traceId: string;
  spanId: string;
  /** Thrift only: '0000000000000000' for a root span. undefined from the proto. */
  parentSpanId: string | undefined;
  operationName: string;
  references: JaegerSpanRef[];
  /** uint32 (Thrift's i32 as its bit pattern). */
  flags: number;
  startTimeUnixNano: bigint;
  durationNano: bigint;
  tags: JaegerTag[];
  logs: JaegerLog[];
  /** Proto only: overrides the batch's process. */
  process: JaegerProcess | undefined;
}

export interface JaegerBatch {
  /** Required in Thrift; the proto may leave it out. */
  process: JaegerProcess | undefined;
  spans: JaegerSpan[];
}
