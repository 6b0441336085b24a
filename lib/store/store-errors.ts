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
