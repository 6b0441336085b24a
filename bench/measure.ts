// CPU time and resident memory of another process, read from /proc (Linux):
// utime + stime of /proc/<pid>/stat in clock ticks (getconf CLK_TCK, usually
// 100, so 10 ms resolution), and VmRSS of /proc/<pid>/status. A sampler polls
// RSS over a run for the peak and the time-weighted average; CPU is the
// difference between the first and last reading, so it needs no polling.
//
//   tsx bench/measure.ts --pid 1234 --duration 30     (prints one reading)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

let ticksPerS: number | undefined;

/** Clock ticks per second for /proc times. */
export function clockTicksPerS(): number {
  if (ticksPerS === undefined) {
    try {
      ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerS = NaN;
    }
    if (!(ticksPerS > 0)) ticksPerS = 100; // the Linux USER_HZ on every common architecture
  }
  return ticksPerS;
}

/** User + system CPU seconds the process has used so far (its own threads, not its children). */
export function readCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After ')': field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicksPerS();
}

/** Resident set size in bytes. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export interface ProcessUsage {
  pid: number;
  wallS: number;
  cpuS: number;
  /** cpuS / wallS: 1.0 is one core busy throughout. */
  cores: number;
  peakRssBytes: number;
  /** Time-weighted mean of the RSS samples. */
  avgRssBytes: number;
  lastRssBytes: number;
  samples: number;
}

export interface UsageSampler {
  /** Usage since start, without stopping. */
  read(): ProcessUsage;
  /** Stops polling and returns the usage since start. */
  stop(): ProcessUsage;
}

/** Starts measuring `pid` now: RSS every `intervalMs` (default 200 ms), CPU from now on. */
export function sampleUsage(pid: number, intervalMs = 200): UsageSampler {
  const cpu0 = readCpuS(pid);
  const t0 = performance.now();
  let lastT = t0;
  let lastRss = readRssBytes(pid);
  let peak = lastRss;
  let weighted = 0;
  let samples = 1;
  let lastCpu = cpu0;
  let gone = false;
  const poll = () => {
    if (gone) return;
    try {
      const rss = readRssBytes(pid);
      lastCpu = readCpuS(pid);
      const t = performance.now();
      weighted += lastRss * (t - lastT); // the previous sample held until now
      lastT = t;
      lastRss = rss;
      peak = Math.max(peak, rss);
      samples++;
    } catch {
      gone = true; // the process exited: keep what was read
    }
  };
  const timer = setInterval(poll, intervalMs);
  timer.unref();
  const read = (): ProcessUsage => {
    poll();
    const wallS = (lastT - t0) / 1_000;
    const cpuS = lastCpu - cpu0;
    return {
      pid,
      wallS,
      cpuS,
      cores: wallS > 0 ? cpuS / wallS : 0,
      peakRssBytes: peak,
      avgRssBytes: lastT > t0 ? weighted / (lastT - t0) : lastRss,
      lastRssBytes: lastRss,
      samples,
    };
  };
  return {
    read,
    stop: () => {
      const usage = read();
      clearInterval(timer);
      return usage;
    },
  };
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => (bytes / MiB).toFixed(0);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pid: { type: 'string' }, duration: { type: 'string', default: '10' } } });
  const pid = Number(values.pid);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('usage: tsx bench/measure.ts --pid PID [--duration S]');
  const durationS = Math.min(3_600, Number(values.duration));
  const sampler = sampleUsage(pid);
  await new Promise((resolve) => setTimeout(resolve, durationS * 1_000));
  const u = sampler.stop();
  process.stdout.write(
    `pid ${pid}: ${u.cpuS.toFixed(2)} CPU-s in ${u.wallS.toFixed(1)} s (${(u.cores * 100).toFixed(1)}% of a core); ` +
      `RSS peak ${mib(u.peakRssBytes)} MiB, mean ${mib(u.avgRssBytes)} MiB\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`measure: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
