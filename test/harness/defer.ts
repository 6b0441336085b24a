// node:test runs t.after hooks in the order they were registered (first in,
// first out). Cleanups usually need the reverse: stop the clients before the
// server they talk to, or a client left retrying against a stopped broker
// keeps the test process alive. defer(t) gives a LIFO stack run in one hook;
// every cleanup runs even when one fails.
import type { TestContext } from 'node:test';

export type Defer = (cleanup: () => unknown) => void;

export function deferStack(t: TestContext): Defer {
  const stack: (() => unknown)[] = [];
  t.after(async () => {
    const failures: unknown[] = [];
    for (const cleanup of stack.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} cleanup(s) failed`);
  });
  return (cleanup) => {
    stack.push(cleanup);
  };
}
