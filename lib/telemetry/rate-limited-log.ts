// When a backend or Kafka is down, every batch fails the same way. Logging each
// failure floods the log and costs CPU exactly when the service is under
// pressure, so repeated lines are logged once per interval, and the next line
// that gets through says how many were suppressed in between.
import type { Fields, Logger, LogLevel } from './log.js';

export interface RateLimitOptions {
  /** What makes two lines "the same". Default: level, message, and the message and code of any error field. */
  key?: (level: LogLevel, msg: string, fields: Fields | undefined) => string;
  /** Distinct keys remembered; the oldest is forgotten beyond this. */
  maxKeys?: number;
  /** Clock, for tests. */
  nowMs?: () => number;
}

interface Window {
  loggedAtMs: number;
  suppressed: number;
}

export function rateLimited(logger: Logger, intervalMs: number, options: RateLimitOptions = {}): Logger {
  const keyOf = options.key ?? defaultKey;
  const maxKeys = options.maxKeys ?? 1_000;
  const nowMs = options.nowMs ?? Date.now;
  const windows = new Map<string, Window>();

  const write = (level: LogLevel) => (msg: string, fields?: Fields) => {
    const key = keyOf(level, msg, fields);
    const now = nowMs();
    const window = windows.get(key);
    if (window && now - window.loggedAtMs < intervalMs) {
      window.suppressed++;
      return;
    }
    const suppressed = window?.suppressed ?? 0;
    windows.delete(key); // re-insert so that Map order is least recently logged first
    windows.set(key, { loggedAtMs: now, suppressed: 0 });
    if (windows.size > maxKeys) {
      const oldest = windows.keys().next();
      if (!oldest.done) windows.delete(oldest.value);
    }
    logger[level](msg, suppressed > 0 ? { ...fields, suppressed } : fields);
  };

  return {
    level: logger.level,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => rateLimited(logger.child(bindings), intervalMs, options),
  };
}

function defaultKey(level: LogLevel, msg: string, fields: Fields | undefined): string {
  let key = `${level}\u0000${msg}`;
  for (const value of Object.values(fields ?? {})) {
    if (value instanceof Error) key += `\u0000${String((value as { code?: unknown }).code ?? '')}:${value.message}`;
  }
  return key;
}
