// How a backend's answer maps to an ExportResult, following the OTLP
// specification's lists of retryable codes ("Failures" in otlp.md): anything
// not listed there is a permanent refusal, because retrying it forever would
// block the partition behind data that can never be accepted.
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ExportResult } from './backend.js';

const RETRYABLE_GRPC = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  // The spec retries RESOURCE_EXHAUSTED only with RetryInfo; a throttling
  // server that forgets RetryInfo must not get its data dead-lettered.
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

const RETRYABLE_HTTP = new Set<number>([429, 502, 503, 504]);

const GRPC_NAMES = new Map<number, string>(
  Object.entries(GrpcStatus).flatMap(([name, code]) => (typeof code === 'number' ? [[code, name] as const] : [])),
);

export function grpcStatusName(code: number): string {
  return GRPC_NAMES.get(code) ?? `code ${code}`;
}

export function resultFromGrpcStatus(code: number, details: string, retryAfterMs?: number): ExportResult {
  const reason = details === '' ? grpcStatusName(code) : `${grpcStatusName(code)}: ${details}`;
  if (!RETRYABLE_GRPC.has(code)) return { status: 'rejected', reason };
  return retryAfterMs === undefined ? { status: 'retryable', reason } : { status: 'retryable', reason, retryAfterMs };
}

/** For a non-2xx answer; `message` is the server's explanation, if any. */
export function resultFromHttpStatus(statusCode: number, message: string, retryAfterMs?: number): ExportResult {
  const reason = message === '' ? `HTTP ${statusCode}` : `HTTP ${statusCode}: ${message}`;
  if (!RETRYABLE_HTTP.has(statusCode)) return { status: 'rejected', reason };
  return retryAfterMs === undefined ? { status: 'retryable', reason } : { status: 'retryable', reason, retryAfterMs };
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | undefined, nowMs = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

/** A partial success is still 'ok': the rest was accepted, and retrying would duplicate it. */
export function okResult(partial: { rejected: number; message: string } | undefined): ExportResult {
  if (partial === undefined || (partial.rejected === 0 && partial.message === '')) return { status: 'ok' };
  return { status: 'ok', rejectedItems: partial.rejected, message: partial.message };
}
