import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { InvalidInputError, UnavailableError } from '../../../lib/errors.js';
import {
  grpcCodeFor,
  httpStatusFor,
  outcomeFromError,
  retryAfterSeconds,
} from '../../../lib/receiver/outcome.js';

test('each outcome maps to the OTLP status of both transports', () => {
  const table = [
    [{ status: 'ok' }, status.OK, 200],
    [{ status: 'rejected', reason: 'bad span' }, status.INVALID_ARGUMENT, 400],
    [{ status: 'retryable', reason: 'kafka unavailable', retryAfterMs: 1 }, status.UNAVAILABLE, 503],
    [{ status: 'retryable', reason: 'buffer_full', retryAfterMs: 1, exhausted: true }, status.RESOURCE_EXHAUSTED, 429],
    [{ status: 'retryable', reason: 'buffer_full', retryAfterMs: 1, exhausted: false }, status.UNAVAILABLE, 503],
  ] as const;
  for (const [outcome, grpcCode, httpStatus] of table) {
    assert.equal(grpcCodeFor(outcome), grpcCode, JSON.stringify(outcome));
    assert.equal(httpStatusFor(outcome), httpStatus, JSON.stringify(outcome));
  }
});

test('a thrown error becomes retryable unless it says the input is invalid', () => {
  assert.deepEqual(outcomeFromError(new InvalidInputError('no trace id')), { status: 'rejected', reason: 'no trace id' });
  assert.deepEqual(outcomeFromError(new UnavailableError('buffer is full', { code: 'BUFFER_FULL', retryAfterMs: 2_500, exhausted: true })), {
    status: 'retryable',
    reason: 'buffer_full',
    message: 'buffer is full',
    retryAfterMs: 2_500,
    exhausted: true,
  });
  assert.deepEqual(outcomeFromError(new TypeError('oops')), { status: 'retryable', reason: 'internal', retryAfterMs: 1_000 });
});

test('Retry-After is whole seconds and never 0', () => {
  assert.equal(retryAfterSeconds(0), 1);
  assert.equal(retryAfterSeconds(1_000), 1);
  assert.equal(retryAfterSeconds(1_001), 2);
  assert.equal(retryAfterSeconds(Number.NaN), 1);
});
