// The contract of every long-lived part: start(), and close() that drains within
// a deadline, is safe without start(), safe to call twice, and returns the same
// promise each time.

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Wraps a close implementation so that every call returns the first call's promise. */
export function closeOnce(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= fn());
}

/**
 * Starts components in order; closes them in reverse. If one fails to start,
 * the ones already started are closed. close() runs every cleanup even when
 * one fails, then throws an AggregateError of the failures.
 */
export class Group implements Component {
  readonly name: string;
  private readonly parts: Component[];
  private started: Component[] = [];
  readonly close: () => Promise<void>;

  constructor(name: string, parts: Component[]) {
    this.name = name;
    this.parts = parts;
    this.close = closeOnce(() => closeAll(this.started.slice().reverse()));
  }

  async start(): Promise<void> {
    for (const part of this.parts) {
      try {
        await part.start();
      } catch (err) {
        await closeAll(this.started.slice().reverse()).catch(() => undefined);
        throw err;
      }
      this.started.push(part);
    }
  }
}

export async function closeAll(parts: readonly Component[]): Promise<void> {
  const failures: unknown[] = [];
  for (const part of parts) {
    try {
      await part.close();
    } catch (err) {
      failures.push(new Error(`closing ${part.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} part(s) failed to close`);
}

/** Resolves after ms, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
