// Decoder errors, shared by the protocols whose messages have field paths
// (OpenCensus, Jaeger), that say where the problem is, as a path into the message
// (`spans[3].start_time: nanos out of range`). A leaf throws with its field
// name; each enclosing level catches and prepends its own part, so the happy
// path builds no strings. Anything else thrown on the way (a bug, a protobufjs
// surprise) also becomes an InvalidInputError, the decoders' only error.
import { errorMessage, InvalidInputError } from '../errors.js';

export class DecodeError extends InvalidInputError {
  constructor(
    readonly path: string,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(path === '' ? detail : `${path}: ${detail}`, { cause });
  }
}

/** An error at field `path` (relative to the message being read). */
export function fail(path: string, detail: string): DecodeError {
  return new DecodeError(path, detail);
}

function joinPath(part: string, path: string): string {
  if (path === '') return part;
  return path.charCodeAt(0) === 0x5b /* [ */ ? part + path : `${part}.${path}`;
}

/** Re-throws `err` one level further out (`part` is a field name or `spans[3]`). */
export function within(err: unknown, part: string): DecodeError {
  if (err instanceof DecodeError) return new DecodeError(joinPath(part, err.path), err.detail, err.cause);
  if (err instanceof InvalidInputError) return new DecodeError(part, err.message, err.cause ?? err);
  return new DecodeError(part, errorMessage(err), err);
}

/** Reads the sub-message `arg` of field `name` with `fn`, locating any error under `name`. */
export function atField<A, R>(name: string, fn: (arg: A) => R, arg: A): R {
  try {
    return fn(arg);
  } catch (err) {
    throw within(err, name);
  }
}

/** Maps the list of field `name`, locating any error by index (`spans[3]`). */
export function mapAt<A, R>(items: readonly A[], name: string, fn: (item: A) => R): R[] {
  const out = new Array<R>(items.length);
  let i = 0;
  try {
    for (; i < items.length; i++) out[i] = fn(items[i]!);
  } catch (err) {
    throw within(err, `${name}[${i}]`);
  }
  return out;
}

/** The outermost guard: any error becomes an InvalidInputError as it is. */
export function guard<A, R>(fn: (arg: A) => R, arg: A): R {
  try {
    return fn(arg);
  } catch (err) {
    throw err instanceof InvalidInputError ? err : within(err, '');
  }
}
