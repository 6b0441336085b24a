// Runs an ocsvc service as its own process, the way operators run it: the CLI,
// configuration from the environment, health polled until ready, stopped with
// SIGTERM (graceful, exit code checked) or SIGKILL (a crash).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../harness/free-port.js';
import { waitFor } from '../harness/wait-for.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Cleanup {
  after(fn: () => Promise<void> | void): void;
}

export interface ServiceProcess {
  readonly role: string;
  readonly child: ChildProcess;
  /** Log lines so far (stdout and stderr). */
  readonly output: string[];
  readonly healthUrl: string;
  readonly metricsUrl: string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing drained. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export async function startService(
  t: Cleanup,
  role: string,
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const [health, metrics] = await freePorts(2);
  // Each agent or ingester its own spool directory (one process per directory), unless the test names one.
  const spool: Record<string, string> = {};
  if ((role === 'agent' || role === 'ingester') && env.OCSVC_SPOOL_DIRECTORY === undefined) {
    const dir = await mkdtemp(join(tmpdir(), `ocsvc-${role}-spool-`));
    t.after(() => rm(dir, { recursive: true, force: true }));
    spool.OCSVC_SPOOL_DIRECTORY = dir;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', '--enable-source-maps', 'bin/ocsvc.ts', role], {
    cwd: ROOT,
    env: {
      ...process.env,
      OCSVC_LOG_FORMAT: 'json',
      OCSVC_ADMIN_HEALTH: `127.0.0.1:${health}`,
      OCSVC_ADMIN_METRICS: `127.0.0.1:${metrics}`,
      OCSVC_ADMIN_OPERATOR: '',
      ...spool,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const proc: ServiceProcess = {
    role,
    child,
    output,
    healthUrl: `http://127.0.0.1:${health}/`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    exited,
    stop: async () => {
      if (!done) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };
  t.after(() => proc.kill());
  try {
    await waitFor(
      async () => {
        if (done) throw new Error(`${role} exited early`);
        return (await fetch(proc.healthUrl)).ok;
      },
      { timeoutMs: options.readyTimeoutMs ?? 60_000, what: `${role} to become ready` },
    );
  } catch (err) {
    await proc.kill();
    throw new Error(`${(err as Error).message}\n--- ${role} output ---\n${output.slice(-40).join('\n')}`, { cause: err });
  }
  return proc;
}

/** A counter's value from a service's /metrics, summed over label sets that contain `labels`. */
export async function scrape(proc: ServiceProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(proc.metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/**
 * Runs `ocsvc ARGS...` to its end (a start-up expected to fail, a one-shot
 * command), killed after timeoutMs; its exit code and everything it printed.
 * Admin endpoints off, debug logs on, so that what it prints can be searched.
 */
export async function runToExit(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ocsvc.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, OCSVC_LOG_FORMAT: 'json', OCSVC_LOG_LEVEL: 'debug', OCSVC_ADMIN_HEALTH: '', OCSVC_ADMIN_METRICS: '', OCSVC_ADMIN_OPERATOR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}
