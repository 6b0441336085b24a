// The process metrics every Prometheus client library exports, under the same
// names, so existing dashboards and alerts for Node services work unchanged.
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Sample } from './stats.js';

// One histogram per process: it samples the event loop on a timer, so several
// collectors must not each start their own.
let loopDelay: IntervalHistogram | undefined;

/**
 * Returns a collector of process samples. The event loop lag is the p99 since
 * the previous call (the histogram is reset on every read), so each scrape
 * shows the recent lag rather than a figure dominated by start-up.
 */
export function processCollector(): () => Sample[] {
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 10 /* ms */ });
    loopDelay.enable();
  }
  const histogram = loopDelay;
  const startTimeSeconds = performance.timeOrigin / 1_000;
  return () => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    // percentile() is in nanoseconds; 0 before the first sample.
    const lagSeconds = histogram.count > 0 ? histogram.percentile(99) / 1e9 : 0;
    histogram.reset();
    return [
      gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss),
      counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6),
      gauge('process_heap_bytes', 'V8 heap size (total allocated) in bytes.', memory.heapTotal),
      gauge('nodejs_heap_size_used_bytes', 'V8 heap used in bytes.', memory.heapUsed),
      gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of event loop delay since the previous scrape, in seconds.', lagSeconds),
      gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', startTimeSeconds),
    ];
  };
}

function gauge(name: string, help: string, value: number): Sample {
  return { name, help, type: 'gauge', labels: {}, value };
}

function counter(name: string, help: string, value: number): Sample {
  return { name, help, type: 'counter', labels: {}, value };
}
