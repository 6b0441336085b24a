// What the codec micro-benchmarks share (opencensus.ts, jaeger.ts, zipkin.ts):
// a rate measured on one core after a warm-up, and the heap that decoded
// items keep.

export interface Case {
  name: string;
  what: string;
  run: () => unknown;
}

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

/**
 * The best of `rounds` interleaved measurements of each case (calls per
 * second): on a shared machine another process's burst then slows one round of
 * every case rather than all of one case, so the cases stay comparable.
 */
export function bestRates(cases: readonly Case[], seconds: number, rounds: number): number[] {
  const best = cases.map(() => 0);
  for (let r = 0; r < rounds; r++) cases.forEach((c, i) => (best[i] = Math.max(best[i]!, ratePerS(c.run, seconds))));
  return best;
}

/** A markdown table row: rate for `items` per call (measured now, or given), and the heap per item when asked. */
export function caseRow(c: Case, items: number, seconds: number, heap: boolean, callsPerS?: number): string {
  const perS = (callsPerS ?? ratePerS(c.run, seconds)) * items;
  const bytes = heap ? heapPerItem(c.run, items) : NaN;
  const line = `| ${c.name} | ${c.what} | ${Math.round(perS).toLocaleString('en')} | ${Number.isNaN(bytes) ? '' : Math.round(bytes).toLocaleString('en')} |`;
  process.stderr.write(`${line}\n`);
  return line;
}

