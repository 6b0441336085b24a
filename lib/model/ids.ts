// Trace and span identifiers cross every protocol, so they are normalised once,
// here, to lowercase hex of fixed width: 32 digits for a trace, 16 for a span.
// Zipkin's 64-bit trace IDs are left-padded with zeros to 128 bits.

export type TraceId = string & { readonly __brand: 'TraceId' };
export type SpanId = string & { readonly __brand: 'SpanId' };

/** The empty span ID: a span without a parent has this as its parentSpanId. */
export const NO_SPAN_ID = '' as SpanId;

const HEX = /^[0-9a-f]*$/;

export function traceIdFromBytes(bytes: Uint8Array): TraceId {
  if (bytes.length !== 16 && bytes.length !== 8) {
    throw new RangeError(`trace ID must be 8 or 16 bytes, got ${bytes.length}`);
  }
  return traceIdFromHex(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex'));
}

export function traceIdFromHex(hex: string): TraceId {
  const lower = hex.toLowerCase();
  if ((lower.length !== 32 && lower.length !== 16) || !HEX.test(lower)) {
    throw new RangeError(`trace ID must be 16 or 32 hex digits, got ${JSON.stringify(hex)}`);
  }
  return lower.padStart(32, '0') as TraceId;
}

export function spanIdFromBytes(bytes: Uint8Array): SpanId {
  if (bytes.length === 0) return NO_SPAN_ID;
  if (bytes.length !== 8) throw new RangeError(`span ID must be 8 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex') as SpanId;
}

export function spanIdFromHex(hex: string): SpanId {
  if (hex === '') return NO_SPAN_ID;
  const lower = hex.toLowerCase();
  if (lower.length !== 16 || !HEX.test(lower)) {
    throw new RangeError(`span ID must be 16 hex digits, got ${JSON.stringify(hex)}`);
  }
  return lower as SpanId;
}

export function idToBytes(id: TraceId | SpanId): Buffer {
  return Buffer.from(id, 'hex');
}

export function isValidTraceId(id: TraceId): boolean {
  return id !== '00000000000000000000000000000000';
}
