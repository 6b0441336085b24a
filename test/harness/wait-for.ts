// Polling instead of fixed sleeps: wait until a condition holds, bounded in
// time, failing with what was awaited and the last error seen.
export interface WaitForOptions {
  /** Give up after this long (a bound against hangs, not a performance assertion). */
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the timeout error: "timed out waiting for <what>". */
  what?: string;
}

/**
 * Calls `probe` until it returns something other than undefined or false (a
 * throw counts as "not yet"), and resolves with that value.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Exclude<T, undefined | false>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${last}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
