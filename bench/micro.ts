// What the in-process codec benchmarks (opencensus.ts, jaeger.ts) share:
// operations per second over a time budget after a warm-up, and the heap one
// decoded item holds.

export interface Case {
  name: string;
  what: string;
  run: () => unknown;
}

/** Calls of `run` per second over `seconds`, after 300 ms of warm-up. */
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

/** Heap bytes one decoded item keeps: hold many decoded copies, compare heap before and after (needs --expose-gc; NaN without). */
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
