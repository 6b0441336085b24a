// Retries an export with exponential backoff and jitter, the way the
// OpenTelemetry Collector's retry_on_failure does. By default it never gives
// up: Kafka is the durable queue, and an exporter that gave up would have to
// commit (lose) or dead-letter data that the backend might take in a minute.
import { sleep } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import { linkSignals } from './abort.js';
import { ABORTED, type Backend, type ExportResult } from './backend.js';

export interface RetryOptions {
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  /** Each interval is the previous one times this, up to maxIntervalMs. */
  multiplier?: number;
  /** The actual delay is uniform in interval × [1 - f, 1 + f], so that exporters do not retry in lockstep. */
  randomizationFactor?: number;
  /** Give up (return the last retryable result) once this much time has passed; 0 retries forever. */
  maxElapsedMs?: number;
  /** Called before each wait; attempt counts from 1 (the attempt that failed). */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
}

export const RETRY_DEFAULTS = {
  initialIntervalMs: 5_000, // 5 seconds
  maxIntervalMs: 30_000, // 30 seconds
  multiplier: 1.5,
  randomizationFactor: 0.5,
  maxElapsedMs: 0, // forever
} as const;

/**
 * Wraps a backend so that 'retryable' results are retried; 'ok' and 'rejected'
 * return at once. close() aborts waits and calls in flight (they return
 * 'aborted'), then closes the wrapped backend: drain before closing.
 */
export function withRetry(backend: Backend, options: RetryOptions = {}): Backend {
  const settings = { ...RETRY_DEFAULTS, ...options };
  const random = options.random ?? Math.random;
  const closing = new AbortController();

  const delayFor = (intervalMs: number): number => {
    const f = settings.randomizationFactor;
    return Math.round(intervalMs * (1 - f + 2 * f * random()));
  };

  async function retrying(send: (signal: AbortSignal) => Promise<ExportResult>, callerSignal: AbortSignal) {
    const { signal, dispose } = linkSignals([callerSignal, closing.signal]);
    try {
      const startMs = Date.now();
      let intervalMs = settings.initialIntervalMs;
      for (let attempt = 1; ; attempt++) {
        if (signal.aborted) return ABORTED;
        const result = await send(signal);
        if (result.status !== 'retryable') return result;
        if (signal.aborted) return ABORTED;
        const delayMs = Math.max(delayFor(intervalMs), result.retryAfterMs ?? 0);
        if (settings.maxElapsedMs > 0 && Date.now() - startMs + delayMs > settings.maxElapsedMs) {
          return { ...result, reason: `${result.reason} (gave up after ${attempt} attempts)` };
        }
        settings.onRetry?.(attempt, result.reason, delayMs);
        try {
          await sleep(delayMs, signal);
        } catch {
          return ABORTED;
        }
        intervalMs = Math.min(intervalMs * settings.multiplier, settings.maxIntervalMs);
      }
    } finally {
      dispose();
    }
  }

  let closed: Promise<void> | undefined;
  return {
    type: backend.type,
    name: backend.name,
    start: () => backend.start(),
    close: () =>
      (closed ??= (async () => {
        closing.abort();
        await backend.close();
      })()),
    exportTraces: (traces: Traces, signal: AbortSignal) => retrying((s) => backend.exportTraces(traces, s), signal),
    exportMetrics: (metrics: Metrics, signal: AbortSignal) => retrying((s) => backend.exportMetrics(metrics, s), signal),
  };
}
