// Markdown rows for docs/performance.md, shared by the service benchmarks.
import type { LoadResult } from './load.js';
import { mib, type ProcessUsage } from './measure.js';

export const TABLE_HEADER = [
  '| service | transport | spans (bytes/span) | load | accepted spans/s | CPU (cores) | spans per CPU-s | RSS mean / peak (MiB) | latency p50 / p99 (ms) | failed requests |',
  '|---|---|---|---|---:|---:|---:|---:|---:|---:|',
].join('\n');

export function tableRow(service: string, r: LoadResult, u: ProcessUsage): string {
  const load = r.mode === 'rate' ? `${r.targetSpansPerS.toLocaleString('en')} spans/s` : `flat out, ${r.concurrency} in flight`;
  const perCpu = u.cpuS > 0 ? Math.round(r.acceptedSpans / u.cpuS).toLocaleString('en') : 'n/a';
  const failed = r.failedRequests === 0 ? '0' : `${r.failedRequests} (${Object.keys(r.errors).join(', ')})`;
  return (
    `| ${service} | OTLP/${r.transport}${r.tls ? ' + TLS' : ''} | ${r.shape} (${Math.round(r.meanRequestBytes / r.spansPerRequest)}) | ${load} | ${Math.round(r.achievedSpansPerS).toLocaleString('en')} | ${u.cores.toFixed(2)} | ${perCpu} | ` +
    `${mib(u.avgRssBytes)} / ${mib(u.peakRssBytes)} | ${r.latency.p50Ms.toFixed(1)} / ${r.latency.p99Ms.toFixed(1)} | ${failed} |`
  );
}
