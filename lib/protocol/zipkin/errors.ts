// Decoder errors that say where the problem is as a path into the request, in
// the notation of the JSON body: `[3].annotations[0].timestamp: must be ...`.
// Each nesting level catches and re-throws with its own prefix, so the happy
// path builds no strings. Errors of other kinds (a Thrift buffer underrun, a
// bug) are wrapped too: a decoder throws only InvalidInputError.
import { errorMessage, InvalidInputError } from '../../errors.js';

export class ZipkinInputError extends InvalidInputError {
  constructor(
    readonly path: string,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(path === '' ? detail : `${path}: ${detail}`, { cause });
  }
}

export function invalid(path: string, detail: string): ZipkinInputError {
  return new ZipkinInputError(path, detail);
}

function join(prefix: string, path: string): string {
  if (path === '') return prefix;
  if (prefix === '' || path.startsWith('[')) return `${prefix}${path}`;
  return `${prefix}.${path}`;
}

/** `err` re-thrown one level further out: `prefix` is e.g. "[3]" or "localEndpoint". */
export function within(err: unknown, prefix: string): ZipkinInputError {
  if (err instanceof ZipkinInputError) return new ZipkinInputError(join(prefix, err.path), err.detail, err.cause);
  if (err instanceof InvalidInputError) return new ZipkinInputError(prefix, err.message, err);
  const text = errorMessage(err);
  const detail = text === '' || text === 'undefined' ? (err instanceof Error ? err.name : String(err)) : text;
  return new ZipkinInputError(prefix, `malformed input (${detail})`, err);
}

/** Maps a list, locating any error by its index: `name[i]` ("[i]" at the top). */
export function mapAt<T, R>(items: readonly T[], name: string, fn: (item: T) => R): R[] {
  const out = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = fn(items[i]!);
    } catch (err) {
      throw within(err, `${name}[${i}]`);
    }
  }
  return out;
}

/** Runs `fn`, locating any error under `prefix`. */
export function at<R>(prefix: string, fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    throw within(err, prefix);
  }
}
