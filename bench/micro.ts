// What the codec micro-benchmarks share (bench/opencensus.ts, bench/zipkin.ts):
// a rate measured on one core after a warm-up, and the heap that decoded
// items keep.

/** Calls per second of `run` over about `seconds`, after 300 ms of warm-up. */
export function ratePerS(run: () => unknown, seconds: number): number {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) run();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1_000;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 10; i++) run();
    n += 10;
    now = performance.now();
  }
  return n / ((now - t0) / 1_000);
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
