// Runs a server process (java, redis-server) that cannot outlive the test
// process that started it. A tiny sh wrapper starts the server and then blocks
// reading our stdin pipe: when this Node process exits for any reason (a test
// crash, SIGKILL, Ctrl-C), the pipe closes, the read returns, and the wrapper
// sends the server SIGTERM (then SIGKILL after a grace period). Without that,
// a crashed test run leaves a JVM holding ports and memory behind. In that
// case the wrapper also removes the server's temp dir, which nobody else will.
//
// The wrapper runs in its own process group (detached), so Ctrl-C in a terminal
// reaches only the test runner, which then stops its servers in order.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

const WRAPPER = `
exec 3<&0
"$@" >>"$GUARD_LOG" 2>&1 </dev/null 3<&- &
pid=$!
echo "$pid"
(
  read -r _ <&3
  if [ -n "$GUARD_CLEANUP_DIR" ]; then : >"$GUARD_CLEANUP_DIR/.orphaned"; fi
  kill -TERM "$pid" 2>/dev/null
  sleep "$GUARD_GRACE_S"
  kill -KILL "$pid" 2>/dev/null
) </dev/null >/dev/null 2>&1 &
reader=$!
exec 3<&-
wait "$pid"
status=$?
kill "$reader" 2>/dev/null
if [ -n "$GUARD_CLEANUP_DIR" ] && [ -e "$GUARD_CLEANUP_DIR/.orphaned" ]; then rm -rf "$GUARD_CLEANUP_DIR"; fi
exit "$status"
`;

export interface GuardedProcess {
  /** The server's own pid (not the wrapper's). */
  readonly pid: number;
  /** Resolves with the server's exit status once it has exited. */
  readonly exited: Promise<number | null>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL at once (a crash, for reliability tests); resolves once it has exited. */
  kill(): Promise<void>;
}

export interface GuardOptions {
  /** stdout and stderr of the server are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long the wrapper waits after SIGTERM before SIGKILL when its parent died. */
  orphanGraceMs?: number;
  /** Removed by the wrapper once the server has exited, if its parent died first (the server's temp dir). */
  cleanupDir?: string;
}

export function spawnGuarded(command: string, args: string[], options: GuardOptions): Promise<GuardedProcess> {
  const graceS = Math.ceil((options.orphanGraceMs ?? 20_000) / 1000);
  const wrapper = spawn('sh', ['-c', WRAPPER, 'guard', command, ...args], {
    cwd: options.cwd,
    env: {
      ...(options.env ?? process.env),
      GUARD_LOG: options.logFile,
      GUARD_GRACE_S: String(graceS),
      GUARD_CLEANUP_DIR: options.cleanupDir ?? '',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
    detached: true,
  });
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    wrapper.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? (signal === null ? null : 128));
    });
  });
  // The server must not keep the test process alive: if a test forgets stop(),
  // the process still exits and the closed pipe stops the server.
  wrapper.unref();
  const stdin = wrapper.stdin as unknown as { unref?: () => void } | null;
  stdin?.unref?.();
  wrapper.stdin?.on('error', () => undefined);

  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      wrapper.stdout?.off('data', onData);
      (wrapper.stdout as unknown as { unref?: () => void } | null)?.unref?.();
      const pid = Number(buffered.slice(0, newline).trim());
      if (!Number.isInteger(pid) || pid <= 0) {
        reject(new Error(`could not start ${command}: wrapper printed ${JSON.stringify(buffered)}`));
        return;
      }
      resolve(handle(pid));
    };
    wrapper.stdout?.on('data', onData);
    wrapper.once('error', reject);
    void exited.then((status) => reject(new Error(`${command} exited at once with status ${String(status)}`)));
  });

  function handle(pid: number): GuardedProcess {
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone.
      }
    };
    return {
      pid,
      exited,
      get running() {
        return running;
      },
      async stop(graceMs) {
        if (!running) return;
        wrapper.ref(); // keep this process alive until the server has gone
        signal('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            signal('SIGKILL');
            resolve();
          }, graceMs);
        });
        await Promise.race([exited, deadline]);
        await exited;
        clearTimeout(timer);
      },
      async kill() {
        if (!running) return;
        wrapper.ref();
        signal('SIGKILL');
        await exited;
      },
    };
  }
}

/** The last `maxBytes` of a log file, for error messages; '' if it cannot be read. */
export async function logTail(file: string, maxBytes = 4_000): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
