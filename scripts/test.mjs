// The test runner: `node scripts/test.mjs [--unit] [node --test flags] [files or dirs...]`.
//
// Node 20's test runner neither expands globs nor finds .ts files, so this
// collects every *.test.ts under test/ (or under the dirs given), and fails on
// an empty list rather than passing on zero tests. Unless --unit, it starts one
// real Kafka and one real Redis for the whole run (test/harness/up.ts), hands
// their addresses to the tests in OCSVC_TEST_KAFKA_BROKERS and
// OCSVC_TEST_REDIS_URL, and stops them afterwards whatever happens, Ctrl-C
// included. If both variables are already set, those services are used as they
// are. Exits with the test run's status; node's spec reporter prints the
// closing `ℹ tests / ℹ pass / ℹ fail` counts.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TEST_DIR = join(ROOT, 'test');
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist']);
const SERVICES_START_TIMEOUT_MS = 15 * 60_000; // a cold Maven cache downloads Kafka first
const SERVICES_STOP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 300_000; // per test; bounded, but generous for a loaded 2-core machine

function log(message) {
  process.stderr.write(`[test.mjs] ${message}\n`);
}

function collect(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) collect(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

function parseArgs(argv) {
  let unit = false;
  const nodeFlags = [];
  const targets = [];
  for (const arg of argv) {
    if (arg === '--unit') unit = true;
    else if (arg.startsWith('--')) nodeFlags.push(arg);
    else targets.push(arg);
  }
  return { unit, nodeFlags, targets };
}

function testFiles(targets) {
  const files = [];
  for (const target of targets.length > 0 ? targets : [TEST_DIR]) {
    const path = resolve(target);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new Error(`no such test file or folder: ${target}`);
    }
    if (stat.isDirectory()) collect(path, files);
    else files.push(path);
  }
  return [...new Set(files)].sort().map((file) => relative(ROOT, file));
}

/** Spawns the harness and resolves with its JSON line, or rejects with what it printed. */
function startServices() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/harness/up.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    // Its own process group: Ctrl-C reaches us, and we stop it in order.
    detached: true,
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal)));
  const ready = new Promise((resolveReady, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`Kafka and Redis not up after ${SERVICES_START_TIMEOUT_MS} ms`)), SERVICES_START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolveReady(JSON.parse(buffered.slice(0, newline)));
      } catch (err) {
        reject(new Error(`harness printed ${JSON.stringify(buffered)}: ${err.message}`));
      }
    });
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`the test harness exited with ${status} before Kafka and Redis were up`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SERVICES_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return { ready, stop };
}

function runTests(files, nodeFlags, env) {
  const args = [
    '--import', 'tsx',
    '--enable-source-maps',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    ...nodeFlags,
    ...files,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env });
  const done = new Promise((resolveDone) => {
    child.once('exit', (code, signal) => resolveDone(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
    child.once('error', (err) => {
      log(`could not run node --test: ${err.message}`);
      resolveDone(1);
    });
  });
  return { child, done };
}

async function main() {
  const { unit, nodeFlags, targets } = parseArgs(process.argv.slice(2));
  let files;
  try {
    files = testFiles(targets);
  } catch (err) {
    log(err.message);
    return 1;
  }
  if (files.length === 0) {
    log(`no *.test.ts files found under ${targets.length > 0 ? targets.join(' ') : 'test/'}: refusing to pass on zero tests`);
    return 1;
  }

  const env = { ...process.env };
  let services;
  let tests;
  let interrupted = false;
  let onInterrupt;
  const interruption = new Promise((resolveInterrupt) => (onInterrupt = resolveInterrupt));
  const onSignal = (signal) => {
    if (interrupted) {
      log(`${signal} again: forcing exit`);
      process.exit(130);
    }
    interrupted = true;
    onInterrupt();
    log(`${signal}: stopping the tests, then Kafka and Redis`);
    tests?.child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    if (unit) {
      log(`--unit: no Kafka or Redis; ${files.length} file(s)`);
    } else if (env.OCSVC_TEST_KAFKA_BROKERS && env.OCSVC_TEST_REDIS_URL) {
      log(`using Kafka at ${env.OCSVC_TEST_KAFKA_BROKERS} and Redis at ${env.OCSVC_TEST_REDIS_URL} from the environment`);
    } else {
      log('starting Kafka and Redis ...');
      const startedAtMs = Date.now();
      services = startServices();
      services.ready.catch(() => undefined); // awaited below; this only marks it handled
      const up = await Promise.race([services.ready, interruption.then(() => undefined)]);
      if (up === undefined || interrupted) return 130;
      env.OCSVC_TEST_KAFKA_BROKERS = up.kafkaBrokers.join(',');
      env.OCSVC_TEST_REDIS_URL = up.redisUrl;
      log(`Kafka ${up.kafkaVersion} at ${env.OCSVC_TEST_KAFKA_BROKERS}, Redis at ${up.redisUrl} (up in ${Date.now() - startedAtMs} ms)`);
    }
    tests = runTests(files, nodeFlags, env);
    const status = await tests.done;
    return interrupted ? Math.max(status, 1) : status;
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    if (services) {
      await services.stop().catch((err) => log(`stopping Kafka and Redis: ${err.message}`));
      log('stopped Kafka and Redis');
    }
  }
}

process.exitCode = await main();
