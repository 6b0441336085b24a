// A real Zipkin server for interop tests: io.zipkin:zipkin-server's exec jar,
// fetched from Maven Central with mvn once and cached in
// ${OCSVC_CACHE_DIR:-~/.cache/ocsvc}/zipkin-server-<version>/ (a `.complete`
// marker written last, the folder renamed into place, as kafka-jars.ts does),
// run with `java -jar` on a free loopback port (QUERY_PORT) with its default
// in-memory storage and a small heap, ready once /health says UP, stopped
// with SIGTERM. A guarded process (guarded-process.ts), so that a crashed test
// run leaves no JVM behind.
//
// No java, or no mvn while the jar is not cached yet, is a missing runtime:
// zipkinServer(t) skips the test with a message locally and fails it under
// CI=true, as the other harness helpers do.
//
// Run directly (scripts/setup-test-deps.sh does) to fetch the jar ahead of the tests:
//   node --import tsx test/harness/zipkin-server.ts [version]
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { MissingRuntimeError, prepareDir, prepareFromCommandLine, unlessMissing } from './prepared.js';
import { logTail, spawnGuarded, type GuardedProcess } from './guarded-process.js';
import { cacheDir } from './kafka-jars.js';

const run = promisify(execFile);

/** The newest release when this was written (Maven Central, io.zipkin:zipkin-server). */
export const DEFAULT_ZIPKIN_VERSION = '3.6.1';

const MAVEN_TIMEOUT_MS = 10 * 60_000; // the exec jar is ~130 MB
/** A cold JVM starting Spring Boot and Armeria on a loaded 2-core machine: 15-40 s. */
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 250;

export interface ZipkinServer {
  readonly version: string;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The JVM's stdout and stderr. */
  readonly logFile: string;
  /** GET /api/v2/trace/{id}: the trace's spans, or undefined while Zipkin has none (404). */
  trace(traceId: string): Promise<Record<string, unknown>[] | undefined>;
  stop(): Promise<void>;
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The cached exec jar, fetched with mvn first if needed. */
export async function ensureZipkinJar(version = DEFAULT_ZIPKIN_VERSION): Promise<string> {
  const home = join(cacheDir(), `zipkin-server-${version}`);
  const jar = join(home, 'zipkin-server-exec.jar');
  await prepareDir(home, async (staging) => {
    await mkdir(staging, { recursive: true });
    const args = ['-q', '-B', '-Dstyle.color=never', 'dependency:copy', `-Dartifact=io.zipkin:zipkin-server:${version}:jar:exec`, `-DoutputDirectory=${staging}`, '-Dmdep.stripVersion=true'];
    try {
      await run('mvn', args, { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new MissingRuntimeError(`no mvn on PATH to fetch io.zipkin:zipkin-server:${version} (install Maven, or put the exec jar in ${home})`, { cause: err });
      throw new Error(`could not fetch io.zipkin:zipkin-server:${version} with Maven (mvn ${args.join(' ')}): ${e.message}\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4_000)}`, { cause: err });
    }
  });
  return jar;
}

async function javaVersion(): Promise<string> {
  try {
    const { stderr, stdout } = await run(javaCommand(), ['-version'], { timeout: 30_000 });
    return `${stderr}${stdout}`.split('\n')[0]!.trim();
  } catch (err) {
    throw new MissingRuntimeError(`no usable java (\`${javaCommand()} -version\` failed: ${(err as Error).message.split('\n')[0]}): Zipkin 3 needs Java 17+`, { cause: err });
  }
}

export async function startZipkin(options: { version?: string; heapMb?: number } = {}): Promise<ZipkinServer> {
  await javaVersion();
  const version = options.version ?? process.env.OCSVC_ZIPKIN_VERSION ?? DEFAULT_ZIPKIN_VERSION;
  const jar = await ensureZipkinJar(version);
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-zipkin-'));
  const logFile = join(dir, 'zipkin.log');
  const port = await freePort();
  const args = [
    `-Xmx${options.heapMb ?? 256}m`,
    '-Xms32m',
    '-Xss512k',
    // One small heap and quick start-up matter here, not peak throughput.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    '-jar',
    jar,
    // The port list is bound as a whole, so the port is repeated beside the loopback address.
    `--armeria.ports[0].port=${port}`,
    '--armeria.ports[0].ip=127.0.0.1',
    '--armeria.ports[0].protocols[0]=http',
  ];
  let proc: GuardedProcess;
  try {
    proc = await spawnGuarded(javaCommand(), args, {
      logFile,
      cwd: dir,
      cleanupDir: dir,
      env: { ...process.env, QUERY_PORT: String(port), STORAGE_TYPE: 'mem', SELF_TRACING_ENABLED: 'false' },
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const server: ZipkinServer = {
    version,
    port,
    url,
    logFile,
    async trace(traceId) {
      const res = await fetch(`${url}/api/v2/trace/${traceId}`, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`Zipkin GET /api/v2/trace/${traceId}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>[];
    },
    async stop() {
      await proc.stop(STOP_TIMEOUT_MS);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(server, proc);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitReady(server: ZipkinServer, proc: GuardedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (!proc.running) {
      throw new Error(`Zipkin ${server.version} exited during start-up (status ${String(await proc.exited)}); log tail:\n${await logTail(server.logFile)}`);
    }
    try {
      const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.ok && /"status"\s*:\s*"UP"/.test(body)) return;
      last = `HTTP ${res.status} ${body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`Zipkin ${server.version} not healthy after ${READY_TIMEOUT_MS} ms (last: ${last}); log tail:\n${await logTail(server.logFile)}`);
}

/**
 * A Zipkin server for the test, stopped when it ends; undefined after
 * skipping the test when java (or mvn, for a first fetch) is missing
 * (throws under CI=true instead).
 */
export async function zipkinServer(t: TestContext): Promise<ZipkinServer | undefined> {
  const server = await unlessMissing(t, () => startZipkin());
  if (server) t.after(() => server.stop());
  return server;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const version = process.argv[2] ?? process.env.OCSVC_ZIPKIN_VERSION ?? DEFAULT_ZIPKIN_VERSION;
  await prepareFromCommandLine(async () => `Zipkin server ${version}: ${await ensureZipkinJar(version)}`);
}
