// A real Redis for integration tests: Debian's redis-server (installed by
// scripts/setup-test-deps.sh) on a free loopback port, no persistence, a temp
// dir, ready once it answers PING. It can be stopped and started again on the
// same port (`stop({ keepData: true })`, then `start()`) for tests of what a
// client does while Redis is away; without persistence, a restarted Redis is
// empty, as a production Redis without AOF would be.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { logTail, spawnGuarded, type GuardedProcess } from './guarded-process.js';

export interface RedisStopOptions {
  /** Keep the temp dir and port so that start() can bring Redis back (default false). */
  keepData?: boolean;
  /** SIGKILL at once, as a crash, instead of SIGTERM. */
  kill?: boolean;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  readonly running: boolean;
  /** Starts Redis again on the same port after stop({ keepData: true }). */
  start(): Promise<void>;
  stop(options?: RedisStopOptions): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;

export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-redis-'));
  try {
    const server = new LocalRedis(dir, await freePort());
    await server.start();
    return server;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** One PING over a raw socket: true on +PONG. No client library, no retries, no noise. */
export function ping(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

class LocalRedis implements RedisServer {
  readonly url: string;
  readonly logFile: string;
  private process: GuardedProcess | undefined;
  private removed = false;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
    this.logFile = join(dir, 'redis.log');
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  async start(): Promise<void> {
    if (this.removed) throw new Error('this Redis was stopped without keepData; start a new one with startRedis()');
    if (this.running) return;
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--protected-mode', 'no',
      '--loglevel', 'warning',
    ];
    const proc = await spawnGuarded(process.env.OCSVC_REDIS_SERVER ?? 'redis-server', args, { logFile: this.logFile, cwd: this.dir, cleanupDir: this.dir });
    this.process = proc;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!proc.running) {
        const status = String(await proc.exited);
        const hint = status === '127' ? ' (not installed? run scripts/setup-test-deps.sh)' : '';
        throw new Error(`redis-server exited during start-up with status ${status}${hint}; log tail:\n${await logTail(this.logFile)}`);
      }
      if (await ping(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    await proc.stop(STOP_TIMEOUT_MS);
    throw new Error(`redis-server not answering PING on ${this.port} after ${READY_TIMEOUT_MS} ms; log tail:\n${await logTail(this.logFile)}`);
  }

  async stop(options: RedisStopOptions = {}): Promise<void> {
    const proc = this.process;
    if (proc?.running) {
      if (options.kill) await proc.kill();
      else await proc.stop(STOP_TIMEOUT_MS);
    }
    if (!options.keepData && !this.removed) {
      this.removed = true;
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}
