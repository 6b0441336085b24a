// OpenCensus metrics <-> model Metrics.
// STUB: signatures only; the translation is being written.
import type { Metrics } from '../../model/metrics.js';
import type { OcExportMetricsRequest } from './types.js';

const todo = (): never => {
  throw new Error('not implemented yet');
};

export function metricsFromOc(_request: OcExportMetricsRequest): Metrics {
  return todo();
}
export function metricsToOc(_metrics: Metrics): OcExportMetricsRequest[] {
  return todo();
}
