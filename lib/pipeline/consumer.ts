// What a receiver hands decoded data to. The outcome tells the receiver what to
// answer its client: accepted, try again later, or never (bad data).
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';

export type Outcome =
  | { status: 'ok' }
  | {
      status: 'retryable';
      /** A short fixed word (it becomes a metric label), e.g. 'bus_full'. */
      reason: string;
      /** What the client is told; defaults to the reason. */
      message?: string;
      retryAfterMs: number;
      /** Out of room rather than a dependency down: RESOURCE_EXHAUSTED / 429 instead of UNAVAILABLE / 503. */
      exhausted?: boolean;
    }
  | { status: 'rejected'; reason: string };

export interface ReceiveContext {
  /** Source protocol and transport, e.g. 'otlp/grpc', 'otlp/http'. */
  protocol: string;
  /** The peer address, when known. */
  peer?: string;
  receivedAtMs: number;
  /** The tenant of the bearer token the client authenticated with (receivers.auth); absent when anonymous. */
  tenant?: string;
}

export interface TelemetryConsumer {
  consumeTraces(traces: Traces, ctx: ReceiveContext): Promise<Outcome>;
  consumeMetrics(metrics: Metrics, ctx: ReceiveContext): Promise<Outcome>;
}
