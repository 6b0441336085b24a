// What the service benchmarks share: a real Kafka and Redis (the test
// harness's, on free loopback ports), ocsvc services started as their own
// processes from the CLI, their self-metrics, a hard time bound on the whole
// run, and clean-up whatever happens.
//
// Services run from compiled JavaScript when there is some (tsx compiles on
// load and keeps its own hooks in the process, which would be measured too):
// $OCSVC_BENCH_DIST, else dist/ (npm run build); otherwise from source with tsx,
// and the report says which.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKafka, type KafkaServer } from '../test/harness/kafka.js';
import { startRedis, type RedisServer } from '../test/harness/redis.js';
import { freePorts } from '../test/harness/free-port.js';
import { waitFor } from '../test/harness/wait-for.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

// ---- clean-up and the time bound ----

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;

/** Runs on exit, last registered first. */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

export function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => log(`clean-up: ${String(err)}`));
  })());
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Runs `main` with a hard bound: past `limitS` seconds, or on SIGINT/SIGTERM,
 * everything started is stopped and the process exits non-zero.
 */
export function runBounded(name: string, limitS: number, main: () => Promise<void>): void {
  const fail = (why: string) => {
    log(`${name}: ${why}; stopping everything`);
    void cleanup().finally(() => process.exit(1));
  };
  const watchdog = setTimeout(() => fail(`time limit of ${limitS} s reached`), limitS * 1_000);
  watchdog.unref();
  process.once('SIGINT', () => fail('interrupted'));
  process.once('SIGTERM', () => fail('terminated'));
  main().then(
    () => cleanup().then(() => process.exit(0)),
    (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
  );
}

// ---- Kafka and Redis ----

/** Process IDs of the Kafka broker and Redis this run started (not of ones passed in), to measure them too. */
export const infraPids: { kafka?: number; redis?: number } = {};

/**
 * The first process whose command line contains `needle`, other than this one
 * and other than the harness's `sh` wrapper (whose command line holds the
 * server's, see test/harness/guarded-process.ts).
 */
export function findPid(needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0] !== 'sh' && argv.join(' ').includes(needle)) return pid;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

export async function kafka(brokers: string | undefined): Promise<string[]> {
  if (brokers) return brokers.split(',');
  log('starting Kafka');
  const server: KafkaServer = await startKafka({ properties: { 'log.retention.bytes': String(512 * 1024 * 1024) } });
  onCleanup(() => server.stop());
  // The JVM's command line names its config file in the broker's temp dir.
  infraPids.kafka = findPid(join(dirname(server.logFile), 'server.properties'));
  log(`Kafka ${server.version} on ${server.brokers.join(',')}, pid ${infraPids.kafka}`);
  return server.brokers;
}

export async function redis(url: string | undefined): Promise<string> {
  if (url) return url;
  const server: RedisServer = await startRedis();
  onCleanup(() => server.stop());
  // redis-server rewrites its process title to "redis-server 127.0.0.1:<port>".
  infraPids.redis = findPid(`redis-server 127.0.0.1:${server.port}`);
  log(`Redis on ${server.url}, pid ${infraPids.redis}`);
  return server.url;
}

// ---- services ----

export interface Runtime {
  kind: 'dist' | 'tsx';
  /** node arguments before the role. */
  args: string[];
  note: string;
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** How to run the CLI: compiled if possible (see the file comment). */
export function serviceRuntime(prefer: 'auto' | 'dist' | 'tsx' = 'auto'): Runtime {
  const dist = resolve(ROOT, process.env.OCSVC_BENCH_DIST ?? 'dist');
  const entry = join(dist, 'bin', 'ocsvc.js');
  if (prefer !== 'tsx' && existsSync(entry)) {
    const sources = Math.max(...['agent', 'ingester', 'sampler', 'exporter', 'lib', 'bin'].map((d) => newestMtimeMs(join(ROOT, d))));
    const stale = statSync(entry).mtimeMs < sources ? ' (older than the newest source file: rebuild with npm run build)' : '';
    if (stale) log(`warning: ${entry}${stale}`);
    return { kind: 'dist', args: ['--enable-source-maps', entry], note: `node ${entry}${stale}` };
  }
  if (prefer === 'dist') throw new Error(`no ${entry}: run npm run build (or set OCSVC_BENCH_DIST)`);
  return { kind: 'tsx', args: ['--import', 'tsx', '--enable-source-maps', join(ROOT, 'bin', 'ocsvc.ts')], note: 'node --import tsx bin/ocsvc.ts (no dist/ found)' };
}

export interface ServiceProcess {
  role: string;
  child: ChildProcess;
  pid: number;
  metricsUrl: string;
  output: string[];
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export async function startService(
  role: string,
  env: Record<string, string>,
  runtime: Runtime,
  options: { onSpawn?: (pid: number) => void } = {},
): Promise<ServiceProcess> {
  const [health, metrics] = await freePorts(2);
  // Each agent or ingester its own spool directory (one process per directory), unless named.
  const spool: Record<string, string> = {};
  if ((role === 'agent' || role === 'ingester') && env.OCSVC_SPOOL_DIRECTORY === undefined) {
    const dir = await mkdtemp(join(tmpdir(), `ocsvc-bench-${role}-spool-`));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    spool.OCSVC_SPOOL_DIRECTORY = dir;
  }
  // $OCSVC_BENCH_PROFILE_DIR: a V8 CPU profile of each service, written when it exits.
  const profile = process.env.OCSVC_BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.OCSVC_BENCH_PROFILE_DIR)}`, `--cpu-prof-name=${role}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profile, ...runtime.args, role], {
    cwd: ROOT,
    env: {
      ...process.env,
      OCSVC_LOG_FORMAT: 'json',
      OCSVC_LOG_LEVEL: 'warn',
      OCSVC_ADMIN_HEALTH: `127.0.0.1:${health}`,
      OCSVC_ADMIN_METRICS: `127.0.0.1:${metrics}`,
      OCSVC_ADMIN_OPERATOR: '',
      ...spool,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${role}`);
  options.onSpawn?.(child.pid);
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 500) output.splice(0, output.length - 500);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let done = false;
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => ((done = true), res(code))));
  const stop = async (graceMs = 15_000) => {
    if (!done) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  onCleanup(async () => void (await stop(5_000)));
  const proc: ServiceProcess = { role, child, pid: child.pid, metricsUrl: `http://127.0.0.1:${metrics}/metrics`, output, exited, stop };
  try {
    await waitFor(
      async () => {
        if (done) throw new Error(`${role} exited early`);
        return (await fetch(`http://127.0.0.1:${health}/`)).ok;
      },
      { timeoutMs: 60_000, what: `${role} to become ready`, intervalMs: 100 },
    );
  } catch (err) {
    await stop(2_000);
    throw new Error(`${(err as Error).message}\n--- ${role} output ---\n${output.slice(-30).join('\n')}`, { cause: err });
  }
  return proc;
}

/** A metric's value, summed over the series whose labels include `labels`. */
export async function scrape(proc: ServiceProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(proc.metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** A name no other run uses, for topics, groups and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function machine(): Promise<string> {
  const os = await import('node:os');
  const [l1, l5] = os.loadavg();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, Node ${process.version}, load average ${l1!.toFixed(2)} / ${l5!.toFixed(2)} (1 / 5 min)`;
}
