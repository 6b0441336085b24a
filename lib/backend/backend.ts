// The contract every exporter backend implements. Expected outcomes are
// results, not exceptions: the exporter commits Kafka offsets on 'ok', retries
// (or leaves offsets uncommitted) on 'retryable', and dead-letters on
// 'rejected'. A backend throws only for the unexpected (a bug, use after close).
import type { Component } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';

export type ExportResult =
  | {
      status: 'ok';
      /** Items the backend accepted the request but refused (OTLP partial success); counted as dropped. */
      rejectedItems?: number;
      /** The backend's explanation of a partial success. */
      message?: string;
    }
  | { status: 'retryable'; reason: string; retryAfterMs?: number }
  | { status: 'rejected'; reason: string };

export interface Backend extends Component {
  /** The registry name of the implementation: 'otlp', 'otlphttp', 'file', 'debug'. */
  readonly type: string;
  exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult>;
  exportMetrics(metrics: Metrics, signal: AbortSignal): Promise<ExportResult>;
}

/** What a factory gets besides its options. */
export interface BackendDeps {
  log: (line: string) => void;
  /** Told when a backend's changed TLS files are unusable (it keeps the previous ones). */
  onTlsError?: (err: Error) => void;
}

export type BackendFactory<Options> = (options: Options, deps: BackendDeps) => Backend;

/** The result an export returns when its signal aborted before it finished. */
export const ABORTED: ExportResult = Object.freeze({ status: 'retryable', reason: 'aborted' });

export function isAbortedResult(result: ExportResult): boolean {
  return result.status === 'retryable' && result.reason === 'aborted';
}
