// A small structured logger: one JSON object per line (or readable text for a
// terminal), written synchronously to a stream. No dependency, because logging
// is on every path and must never be the thing that fails.
import type { Writable } from 'node:stream';

export const LOG_LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;
export type LogFormat = 'json' | 'text';
export type Fields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger whose lines all carry `bindings` (e.g. { component: 'otlp' }). */
  child(bindings: Fields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Defaults to process.stdout: containers collect stdout. */
  stream?: Writable;
  bindings?: Fields;
}

// Keys every line starts with; fields may not overwrite them.
const RESERVED = new Set(['time', 'level', 'msg']);

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'json';
  const stream = options.stream ?? process.stdout;
  return makeLogger(level, format, stream, options.bindings ?? {});
}

function makeLogger(level: LogLevel, format: LogFormat, stream: Writable, bindings: Fields): Logger {
  const threshold = LOG_LEVELS[level];
  const write = (lineLevel: LogLevel) => (msg: string, fields?: Fields) => {
    if (LOG_LEVELS[lineLevel] < threshold) return;
    const merged = fields ? { ...bindings, ...fields } : bindings;
    const line =
      format === 'json' ? jsonLine(lineLevel, msg, merged, level === 'debug') : textLine(lineLevel, msg, merged, level === 'debug');
    stream.write(line + '\n');
  };
  return {
    level,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => makeLogger(level, format, stream, { ...bindings, ...more }),
  };
}

function jsonLine(level: LogLevel, msg: string, fields: Fields, fullStack: boolean): string {
  const out: Fields = { time: new Date().toISOString(), level, msg };
  for (const [key, value] of Object.entries(fields)) {
    out[RESERVED.has(key) ? `field_${key}` : key] = toLoggable(value, fullStack);
  }
  return safeStringify(out);
}

function textLine(level: LogLevel, msg: string, fields: Fields, fullStack: boolean): string {
  const parts = [new Date().toISOString(), level.toUpperCase().padEnd(5), msg];
  for (const [key, value] of Object.entries(fields)) {
    const v = toLoggable(value, fullStack);
    const text = typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : safeStringify(v);
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ');
}

/**
 * Errors become plain objects (JSON.stringify would give `{}`). The full stack
 * only at debug level; otherwise the first frame, which says where without
 * flooding the log when a backend is down.
 */
export function serializeError(err: Error, fullStack = false, depth = 0): Fields {
  const out: Fields = { type: err.name, message: err.message };
  const { code, retryable } = err as { code?: unknown; retryable?: unknown };
  if (code !== undefined) out.code = code;
  if (retryable !== undefined) out.retryable = retryable;
  const frames = err.stack?.split('\n').filter((l) => l.trimStart().startsWith('at ')) ?? [];
  if (fullStack && err.stack) out.stack = err.stack;
  else if (frames[0]) out.at = frames[0].trim().slice(3);
  if (err instanceof AggregateError) out.errors = err.errors.length;
  if (err.cause !== undefined && depth < 3) {
    out.cause = err.cause instanceof Error ? serializeError(err.cause, fullStack, depth + 1) : String(err.cause);
  }
  return out;
}

function toLoggable(value: unknown, fullStack: boolean): unknown {
  if (value instanceof Error) return serializeError(value, fullStack);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

// A log call must never throw: cycles and BigInts deep inside fields are replaced.
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  }
}
