// Decoder errors that say where the problem is ("span 3 of scope 0 of resource
// 1: trace ID must be 16 bytes, got 5 bytes"). Each loop level of a decoder
// catches and re-throws with its own position appended, so the happy path
// builds no strings at all.
import { errorMessage, InvalidInputError } from '../../errors.js';

export class LocatedError extends InvalidInputError {
  constructor(
    readonly where: string,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`${where}: ${detail}`, { cause });
  }
}

/** Re-throw `err` as a LocatedError one level further out (`part` is e.g. "span 3"). */
export function locate(err: unknown, part: string): LocatedError {
  if (err instanceof LocatedError) return new LocatedError(`${err.where} of ${part}`, err.detail, err.cause);
  if (err instanceof InvalidInputError) return new LocatedError(part, err.message, err.cause);
  return new LocatedError(part, errorMessage(err), err);
}

export function invalid(message: string): InvalidInputError {
  return new InvalidInputError(message);
}
