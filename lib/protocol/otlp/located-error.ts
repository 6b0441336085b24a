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

/**
 * Maps a decoded list, locating any error by its index ("span 3"), so that
 * every level of every decoder walks its lists the same way.
 */
export function mapLocated<T, R>(items: readonly T[], part: string, fn: (item: T) => R): R[] {
  const out = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = fn(items[i]!);
    } catch (err) {
      throw locate(err, `${part} ${i}`);
    }
  }
  return out;
}
