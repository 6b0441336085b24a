// A real Redis for integration tests: Debian's redis-server (installed by
// scripts/setup-test-deps.sh) on a free loopback port, no persistence, a temp
// dir, ready once it answers PING. It can be stopped and started again on the
// same port (`stop({ keepData: true })`, then `start()`) for tests of what a
// client does while Redis is away; without persistence, a restarted Redis is
// empty, as a production Redis without AOF would be.
//
// A private Redis may serve TLS only (`tls`: --tls-port, --port 0, client
// certificates required when asked) and require a password (`password`);
// readiness is then an AUTH and PING over TLS.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
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

export interface RedisOptions {
  /** Serve TLS only, on the port, with these PEM files; clients must present a certificate signed by caFile when authClients. */
  tls?: { certFile: string; keyFile: string; caFile: string; authClients: boolean; clientCertFile?: string; clientKeyFile?: string };
  /** requirepass: the default user's password. */
  password?: string;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, or `rediss://` with TLS (never with the password in it). */
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

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-redis-'));
  try {
    const server = new LocalRedis(dir, await freePort(), options);
    await server.start();
    return server;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** One PING over a raw socket (TLS with `tls`, after AUTH with `password`): true on +PONG. No client library, no retries, no noise. */
export function ping(port: number, timeoutMs = 1_000, options: RedisOptions = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const { tls, password } = options;
    const socket = tls
      ? tlsConnect({
          host: '127.0.0.1',
          port,
          ca: readFileSync(tls.caFile),
          ...(tls.clientCertFile && tls.clientKeyFile ? { cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) } : {}),
        })
      : connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    const auth = password === undefined ? '' : `AUTH ${password}\r\n`;
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(`${auth}PING\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('+PONG') || reply.includes('-')) done(reply.includes('+PONG'));
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
    private readonly options: RedisOptions,
  ) {
    this.url = `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
    this.logFile = join(dir, 'redis.log');
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  async start(): Promise<void> {
    if (this.removed) throw new Error('this Redis was stopped without keepData; start a new one with startRedis()');
    if (this.running) return;
    const { tls, password } = this.options;
    const listen = tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients ? 'yes' : 'no']
      : ['--port', String(this.port)];
    const args = [
      ...listen,
      ...(password === undefined ? [] : ['--requirepass', password]),
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
      if (await ping(this.port, 1_000, this.options)) return;
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
