// What the codec micro-benchmarks share (bench/opencensus.ts, bench/zipkin.ts):
// a rate measured on one core after a warm-up, and the heap that decoded
// items keep.

const cpuS = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/**
 * Calls per second of `run` over about `seconds`, after 300 ms of warm-up.
 * `clock: 'cpu'` divides by the process's CPU time instead of wall time, so
 * that a machine shared with other work gives the same figure (calls per
 * CPU-second; GC threads count too).
 */
export function ratePerS(run: () => unknown, seconds: number, clock: 'wall' | 'cpu' = 'wall'): number {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) run();
  const now = clock === 'cpu' ? cpuS : () => performance.now() / 1_000;
  let n = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < seconds) {
    for (let i = 0; i < 10; i++) run();
    n += 10;
    t = now();
  }
  return n / (t - t0);
}

/** Heap bytes one decoded item keeps: hold many decoded copies, compare heap before and after (NaN without --expose-gc). */
export function heapPerItem(decode: () => unknown, items: number, copies = 200): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: unknown[] = [];
  for (let i = 0; i < copies; i++) held.push(decode());
  gc();
  const after = process.memoryUsage().heapUsed;
  if (held.length !== copies) throw new Error('unreachable');
  return (after - before) / (copies * items);
}
