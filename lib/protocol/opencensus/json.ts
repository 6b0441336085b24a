// OpenCensus JSON (the protobuf JSON mapping, as the HTTP/JSON gateway takes it).
// STUB: signatures only; the codec is being written.
import type { OcExportMetricsRequest, OcExportTraceRequest } from './types.js';

const todo = (): never => {
  throw new Error('not implemented yet');
};

export function decodeTraceRequestJson(_body: Uint8Array | string): OcExportTraceRequest {
  return todo();
}
export function encodeTraceRequestJson(_request: OcExportTraceRequest): string {
  return todo();
}
export function decodeMetricsRequestJson(_body: Uint8Array | string): OcExportMetricsRequest {
  return todo();
}
export function encodeMetricsRequestJson(_request: OcExportMetricsRequest): string {
  return todo();
}
