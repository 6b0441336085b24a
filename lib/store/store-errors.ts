// Errors and argument checks shared by both decision stores, so that both
// fail the same way for the same misuse (the contract suite checks this).
import { OcsvcError } from '../errors.js';

/** Use after close(): a programming error, so not retryable. */
export function storeClosedError(name: string): OcsvcError {
  return new OcsvcError('STORE_CLOSED', `decision store ${name} is closed`);
}

/** Use before start(): a wiring bug that would otherwise show only with Redis. */
export function storeNotStartedError(name: string): OcsvcError {
  return new OcsvcError('STORE_NOT_STARTED', `decision store ${name}: call start() first`);
}

/** TTLs are whole milliseconds >= 1 (Redis PX); anything else is a caller's bug. */
export function validateTtlMs(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`ttlMs must be a whole number of milliseconds >= 1, got ${ttlMs}`);
  }
}

/** Budget requests are checked alike by both stores: a bad one is a caller's bug. */
export function validateBudgetRequest(r: { bucket: string; ratePerSecond: number; burst: number; take: number; refund: number }): void {
  if (typeof r.bucket !== 'string' || r.bucket === '') throw new RangeError('bucket must be a non-empty string');
  if (!(Number.isFinite(r.ratePerSecond) && r.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${r.ratePerSecond}`);
  if (!(Number.isFinite(r.burst) && r.burst > 0)) throw new RangeError(`burst must be > 0, got ${r.burst}`);
  if (!Number.isSafeInteger(r.take) || r.take < 0) throw new RangeError(`take must be a whole number >= 0, got ${r.take}`);
  if (!(Number.isFinite(r.refund) && r.refund >= 0)) throw new RangeError(`refund must be >= 0, got ${r.refund}`);
}
