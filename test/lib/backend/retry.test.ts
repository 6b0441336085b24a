// withRetry: end to end against the OTLP sink, and its backoff schedule
// against a scripted backend (where each answer is chosen by the test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { Backend, ExportResult } from '../../../lib/backend/backend.js';
import { OtlpGrpcBackend } from '../../../lib/backend/otlp-grpc.js';
import { withRetry } from '../../../lib/backend/retry.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';

const live = () => new AbortController().signal;
const fast = { initialIntervalMs: 5, maxIntervalMs: 20 };

/** Answers exports from a script, then 'ok'; records the signals it was given. */
function scripted(answers: ExportResult[]): Backend & { calls: number; closed: number } {
  const backend = {
    type: 'scripted',
    name: 'scripted',
    calls: 0,
    closed: 0,
    start: async () => {},
    close: async () => void backend.closed++,
    exportTraces: async () => {
      backend.calls++;
      return answers.shift() ?? { status: 'ok' as const };
    },
    exportMetrics: async () => backend.exportTraces(),
  };
  return backend;
}

test('recovers after the sink fails twice: exactly three attempts arrive and the content is intact', async (t) => {
  const sink = await OtlpSink.start(t);
  const inner = new OtlpGrpcBackend({ endpoint: sink.grpcEndpoint });
  const retries: [number, string, number][] = [];
  const b = withRetry(inner, { ...fast, onRetry: (attempt, reason, delayMs) => retries.push([attempt, reason, delayMs]) });
  t.after(() => b.close());
  sink.failNext(2, { grpcCode: status.UNAVAILABLE, message: 'restarting' });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.equal(sink.requests.length, 3);
  assert.deepEqual(
    sink.requests.map((r) => r.answer.kind),
    ['failed', 'failed', 'ok'],
  );
  assert.deepEqual(sink.traces(), [sampleTraces()]);
  assert.deepEqual(
    retries.map(([attempt, reason]) => [attempt, reason]),
    [
      [1, 'UNAVAILABLE: restarting'],
      [2, 'UNAVAILABLE: restarting'],
    ],
  );
});

test('a rejection returns at once, without a retry', async (t) => {
  const sink = await OtlpSink.start(t);
  const b = withRetry(new OtlpGrpcBackend({ endpoint: sink.grpcEndpoint }), fast);
  t.after(() => b.close());
  sink.failNext(1, { grpcCode: status.INVALID_ARGUMENT, message: 'bad' });
  assert.deepEqual(await b.exportMetrics(sampleMetrics(), live()), { status: 'rejected', reason: 'INVALID_ARGUMENT: bad' });
  assert.equal(sink.requests.length, 1);
});

test('aborting the signal during a backoff wait returns "aborted" promptly', { timeout: 10_000 }, async (t) => {
  const sink = await OtlpSink.start(t);
  let waiting = false;
  const b = withRetry(new OtlpGrpcBackend({ endpoint: sink.grpcEndpoint }), {
    initialIntervalMs: 3_600_000, // an hour: only the abort can end the wait
    onRetry: () => (waiting = true),
  });
  t.after(() => b.close());
  sink.failNext(1);
  const controller = new AbortController();
  const pending = b.exportTraces(sampleTraces(), controller.signal);
  await sink.waitFor(() => waiting, 'the first retry wait');
  controller.abort();
  assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
  assert.equal(sink.requests.length, 1);
});

test('close aborts a backoff wait and closes the wrapped backend, once', { timeout: 10_000 }, async () => {
  const inner = scripted([{ status: 'retryable', reason: 'down' }]);
  let waiting = false;
  const b = withRetry(inner, { initialIntervalMs: 3_600_000, onRetry: () => (waiting = true) });
  const pending = b.exportTraces(sampleTraces(), live());
  while (!waiting) await new Promise((resolve) => setTimeout(resolve, 5));
  const closing = b.close();
  assert.equal(b.close(), closing);
  await closing;
  assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
  assert.equal(inner.closed, 1);
});

test('intervals grow by the multiplier up to maxIntervalMs, with jitter within the randomization factor', async () => {
  const answers = Array.from({ length: 5 }, (): ExportResult => ({ status: 'retryable', reason: 'down' }));
  const delays: number[] = [];
  const fixed = withRetry(scripted([...answers]), {
    initialIntervalMs: 4,
    multiplier: 2,
    maxIntervalMs: 20,
    randomizationFactor: 0,
    onRetry: (_a, _r, delayMs) => delays.push(delayMs),
  });
  assert.deepEqual(await fixed.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.deepEqual(delays, [4, 8, 16, 20, 20]);

  const jittered: number[] = [];
  let r = 0;
  const randoms = [0, 0.999, 0.5];
  const b = withRetry(scripted(answers.slice(0, 3)), {
    initialIntervalMs: 10,
    multiplier: 1,
    randomizationFactor: 0.5,
    random: () => randoms[r++] ?? 0.5,
    onRetry: (_a, _r, delayMs) => jittered.push(delayMs),
  });
  await b.exportTraces(sampleTraces(), live());
  assert.deepEqual(jittered, [5, 15, 10]);
});

test('a retryAfterMs from the backend is a floor for the next delay', async () => {
  const delays: number[] = [];
  const b = withRetry(scripted([{ status: 'retryable', reason: 'throttled', retryAfterMs: 30 }]), {
    initialIntervalMs: 1,
    onRetry: (_a, _r, delayMs) => delays.push(delayMs),
  });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.ok(delays[0] !== undefined && delays[0] >= 30, `delay ${delays[0]}`);
});

test('with maxElapsedMs it gives up and returns the last retryable result', async () => {
  const inner = scripted(Array.from({ length: 1_000 }, (): ExportResult => ({ status: 'retryable', reason: 'down' })));
  const b = withRetry(inner, { initialIntervalMs: 10, maxIntervalMs: 10, maxElapsedMs: 50 });
  const result = await b.exportTraces(sampleTraces(), live());
  assert.equal(result.status, 'retryable');
  assert.match(result.status === 'retryable' ? result.reason : '', /^down \(gave up after \d+ attempts\)$/);
  assert.ok(inner.calls >= 2 && inner.calls < 1_000);
});
