// Zipkin's span models as the codecs read and write them, between the wire
// formats and the OTLP-shaped model: v2 spans (what JSON v2 and proto3 carry,
// and what v1 spans are converted into) and v1 spans (JSON v1 and Thrift).
// Absent values are '' / 0n / undefined, as proto3 reads them: Zipkin gives
// zero and the empty string no meaning of their own.

export const ZipkinKind = { CLIENT: 'CLIENT', SERVER: 'SERVER', PRODUCER: 'PRODUCER', CONSUMER: 'CONSUMER' } as const;
export type ZipkinKind = (typeof ZipkinKind)[keyof typeof ZipkinKind];

export interface ZipkinEndpoint {
  serviceName: string;
  /** Dotted-quad text; '' when absent. */
  ipv4: string;
  /** IPv6 text; '' when absent. */
  ipv6: string;
  /** 1..65535; 0 when absent. */
  port: number;
}

export function isEmptyEndpoint(e: ZipkinEndpoint): boolean {
  return e.serviceName === '' && e.ipv4 === '' && e.ipv6 === '' && e.port === 0;
}

export interface ZipkinAnnotation {
  /** Microseconds since the Unix epoch. */
  timestamp: bigint;
  value: string;
}

export interface ZipkinSpan {
  /** 16 or 32 lowercase hex digits, not all zeros. */
  traceId: string;
  /** 16 lowercase hex digits, not all zeros. */
  id: string;
  /** '' for a root span. */
  parentId: string;
  kind: ZipkinKind | undefined;
  name: string;
  /** Microseconds since the Unix epoch; 0n when absent. */
  timestamp: bigint;
  /** Microseconds; 0n when absent. */
  duration: bigint;
  localEndpoint: ZipkinEndpoint | undefined;
  remoteEndpoint: ZipkinEndpoint | undefined;
  annotations: ZipkinAnnotation[];
  /** A Map: insertion order is kept and no key (not even "__proto__") is special. */
  tags: Map<string, string>;
  debug: boolean;
  shared: boolean;
}

export interface V1Annotation {
  timestamp: bigint;
  value: string;
  endpoint: ZipkinEndpoint | undefined;
}

export interface V1BinaryAnnotation {
  key: string;
  /** undefined for an address annotation ("ca", "sa", "ma" with the value true). */
  value: string | undefined;
  endpoint: ZipkinEndpoint | undefined;
}

export interface V1Span {
  traceId: string;
  id: string;
  parentId: string;
  name: string;
  timestamp: bigint;
  duration: bigint;
  debug: boolean;
  annotations: V1Annotation[];
  binaryAnnotations: V1BinaryAnnotation[];
}

/**
 * The largest microsecond count whose nanoseconds fit the model's uint64.
 * Readers reject larger times (and a timestamp + duration beyond it), so that
 * the translation to the model can never overflow.
 */
export const MAX_MICROS = 18_446_744_073_709_551n;
