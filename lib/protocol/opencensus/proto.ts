// OpenCensus protobuf codec: bytes <-> the plain messages of types.ts.
// STUB: signatures only; the codec is being written.
import type { OcExportMetricsRequest, OcExportTraceRequest, OcLibraryConfig } from './types.js';

const todo = (): never => {
  throw new Error('not implemented yet');
};

export function decodeTraceRequestProto(_bytes: Uint8Array): OcExportTraceRequest {
  return todo();
}
export function encodeTraceRequestProto(_request: OcExportTraceRequest): Uint8Array {
  return todo();
}
export function decodeMetricsRequestProto(_bytes: Uint8Array): OcExportMetricsRequest {
  return todo();
}
export function encodeMetricsRequestProto(_request: OcExportMetricsRequest): Uint8Array {
  return todo();
}
/** CurrentLibraryConfig and UpdatedLibraryConfig share one wire shape. */
export function decodeLibraryConfigProto(_bytes: Uint8Array): OcLibraryConfig {
  return todo();
}
export function encodeLibraryConfigProto(_config: OcLibraryConfig): Uint8Array {
  return todo();
}
