// One place that turns a consumer's Outcome into each transport's answer, so
// that gRPC and HTTP receivers (OTLP now, Jaeger, Zipkin, OpenCensus later)
// push back the same way. The rules follow the OTLP specification
// (protocol/otlp.md, "Failures" and "Throttling"):
//   ok        -> gRPC OK                  / HTTP 200
//   rejected  -> gRPC INVALID_ARGUMENT    / HTTP 400 (never retried by clients)
//   retryable -> gRPC UNAVAILABLE         / HTTP 503, or, when out of room
//                (`exhausted`: a full buffer or a limit),
//                gRPC RESOURCE_EXHAUSTED  / HTTP 429; both with a retry delay.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { InvalidInputError, UnavailableError } from '../errors.js';
import type { Outcome } from '../pipeline/consumer.js';

export type RetryableOutcome = Extract<Outcome, { status: 'retryable' }>;

/** The delay suggested when a consumer throws something unexpected. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * The Outcome for a consumer that threw instead of answering. A throw is a
 * bug or an unexpected failure: asking the client to retry loses nothing,
 * whereas rejecting would drop the data for good.
 */
export function outcomeFromError(err: unknown): Outcome {
  if (err instanceof InvalidInputError) return { status: 'rejected', reason: err.message };
  if (err instanceof UnavailableError) {
    return { status: 'retryable', reason: err.code.toLowerCase(), message: err.message, retryAfterMs: err.retryAfterMs, exhausted: err.exhausted };
  }
  // The reason becomes a metric label: keep it a fixed word, not the message.
  return { status: 'retryable', reason: 'internal', retryAfterMs: DEFAULT_RETRY_AFTER_MS };
}

export function grpcCodeFor(outcome: Outcome): GrpcStatus {
  switch (outcome.status) {
    case 'ok':
      return GrpcStatus.OK;
    case 'rejected':
      return GrpcStatus.INVALID_ARGUMENT;
    case 'retryable':
      return outcome.exhausted ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.UNAVAILABLE;
  }
}

export function httpStatusFor(outcome: Outcome): 200 | 400 | 429 | 503 {
  switch (outcome.status) {
    case 'ok':
      return 200;
    case 'rejected':
      return 400;
    case 'retryable':
      return outcome.exhausted ? 429 : 503;
  }
}

/** Retry-After in whole seconds, at least 1 so that clients never retry in a tight loop. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Number.isFinite(retryAfterMs) ? Math.max(1, Math.ceil(retryAfterMs / 1_000)) : 1;
}

/** The message a client sees: for a rejection the reason says what was wrong. */
export function outcomeMessage(outcome: Outcome): string {
  switch (outcome.status) {
    case 'ok':
      return '';
    case 'rejected':
      return outcome.reason;
    case 'retryable':
      return `temporarily unable to accept data (${outcome.message ?? outcome.reason}); retry later`;
  }
}
