// OpenCensus spans <-> model Traces.
// STUB: signatures only; the translation is being written.
import type { Traces } from '../../model/trace.js';
import type { OcExportTraceRequest } from './types.js';

const todo = (): never => {
  throw new Error('not implemented yet');
};

export function tracesFromOc(_request: OcExportTraceRequest): Traces {
  return todo();
}
export function tracesToOc(_traces: Traces): OcExportTraceRequest[] {
  return todo();
}
