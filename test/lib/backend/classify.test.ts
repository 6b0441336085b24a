// Classification of backend answers, as the OTLP specification lists them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { okResult, parseRetryAfterMs, resultFromGrpcStatus, resultFromHttpStatus } from '../../../lib/backend/classify.js';

test('gRPC codes: the spec retryable ones are retryable, every other is rejected', () => {
  const retryable = ['CANCELLED', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS'];
  for (const [name, code] of Object.entries(status)) {
    if (typeof code !== 'number' || code === status.OK) continue;
    const expected = retryable.includes(name) ? 'retryable' : 'rejected';
    assert.equal(resultFromGrpcStatus(code, 'x').status, expected, name);
  }
  assert.deepEqual(resultFromGrpcStatus(status.UNAVAILABLE, '', 1_500), { status: 'retryable', reason: 'UNAVAILABLE', retryAfterMs: 1_500 });
});

test('HTTP statuses: 429, 502, 503, 504 are retryable, every other failure is rejected', () => {
  for (let code = 300; code < 600; code++) {
    const expected = [429, 502, 503, 504].includes(code) ? 'retryable' : 'rejected';
    assert.equal(resultFromHttpStatus(code, '').status, expected, `HTTP ${code}`);
  }
  assert.deepEqual(resultFromHttpStatus(503, 'busy', 3_000), { status: 'retryable', reason: 'HTTP 503: busy', retryAfterMs: 3_000 });
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfterMs('120'), 120_000);
  assert.equal(parseRetryAfterMs(' 0 '), 0);
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfterMs('Mon, 01 Jan 2024 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfterMs('Sun, 31 Dec 2023 23:00:00 GMT', now), 0);
  assert.equal(parseRetryAfterMs('soon'), undefined);
  assert.equal(parseRetryAfterMs(undefined), undefined);
});

test('a partial success is ok; an empty one is a plain ok', () => {
  assert.deepEqual(okResult(undefined), { status: 'ok' });
  assert.deepEqual(okResult({ rejected: 0, message: '' }), { status: 'ok' });
  assert.deepEqual(okResult({ rejected: 0, message: 'warning' }), { status: 'ok', rejectedItems: 0, message: 'warning' });
  assert.deepEqual(okResult({ rejected: 5, message: '' }), { status: 'ok', rejectedItems: 5, message: '' });
});
