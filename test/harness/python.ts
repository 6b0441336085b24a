// A Python virtual environment for tests that drive real third-party Python
// libraries, created once into .cache/python/<name>-<hash>/ at the repository
// root, keyed by a hash of its pinned requirements.txt and the Python
// version: later runs reuse it, changed pins make a new one. It is created
// and filled beside its final path and renamed into place with a
// `.complete` marker written last, so an interrupted install is never
// mistaken for a finished one. (Only its bin/python is used afterwards: a
// venv's scripts keep their creation path, its interpreter does not.)
//
// No python3, or one without the venv module, is a missing runtime:
// pythonEnv(t, ...) skips the test with a message locally and fails it under
// CI (CI=true), as test/harness/env.ts does for Kafka and Redis. A failed
// pip install is always an error.
//
// Run directly (scripts/setup-test-deps.sh does) to create it ahead of the
// tests, with the name the tests use:
//   node --import tsx test/harness/python.ts test/interop/opencensus/python-client/requirements.txt opencensus-python
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// Shared with the Go helper: the cache folder and the missing-runtime handling.
import { CACHE_DIR, pruneSiblings } from './go.js';
import { isComplete, MissingRuntimeError, prepareDir, prepareFromCommandLine, unlessMissing } from './prepared.js';

const run = promisify(execFile);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** pip downloads and unpacks the wheels (grpcio is ~6 MB). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const PROBE_TIMEOUT_MS = 60_000;

export interface PythonEnv {
  /** Absolute path of the venv's interpreter. */
  python: string;
  /** False when it came from the cache. */
  created: boolean;
  /** Time spent creating it (0 from the cache). */
  setupMs: number;
}

/** The interpreter the venv is made from: $PYTHON if set, else `python3` on PATH. */
function pythonCommand(): string {
  return process.env.PYTHON?.trim() || 'python3';
}

function failure(what: string, err: unknown): Error {
  const e = err as { stdout?: string; stderr?: string; killed?: boolean; message: string };
  const why = e.killed ? 'timed out' : e.message.split('\n')[0];
  const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4_000);
  return new Error(`${what}: ${why}\n${output}`, { cause: err });
}

/** `sys.version` of the base interpreter, or a MissingRuntimeError saying how to get Python. */
export async function pythonVersion(): Promise<string> {
  try {
    const { stdout } = await run(pythonCommand(), ['-c', 'import sys, venv; print(sys.version)'], { timeout: PROBE_TIMEOUT_MS });
    return stdout.trim();
  } catch (err) {
    throw new MissingRuntimeError(
      `no usable Python (\`${pythonCommand()} -c "import venv"\` failed: ${(err as Error).message.split('\n')[0]}): install Python >= 3.8 with its venv module (Debian: python3-venv), or set PYTHON to its path`,
      { cause: err },
    );
  }
}

/** Creates (unless cached) a venv with the pinned `requirements` installed; resolves with its interpreter. */
export async function ensurePythonEnv(requirements: string, name = basename(dirname(resolve(requirements)))): Promise<PythonEnv> {
  const file = resolve(requirements);
  const version = await pythonVersion();
  const hash = createHash('sha256').update(version).update('\0').update(await readFile(file)).digest('hex').slice(0, 16);
  const home = join(CACHE_DIR, 'python', `${name}-${hash}`);
  const python = join(home, 'bin', 'python');
  if (await isComplete(home)) return { python, created: false, setupMs: 0 };

  const startedAt = Date.now();
  await prepareDir(home, async (staging) => {
    try {
      await run(pythonCommand(), ['-m', 'venv', staging], { timeout: PROBE_TIMEOUT_MS });
    } catch (err) {
      // Debian's python3 without python3-venv has the module but not ensurepip.
      throw new MissingRuntimeError(`${pythonCommand()} -m venv failed (Debian: install python3-venv): ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    const pip = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', '--requirement', file];
    try {
      await run(join(staging, 'bin', 'python'), pip, { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      throw failure(`could not install ${relative(ROOT, file)} (python ${pip.join(' ')})`, err);
    }
  });
  await pruneSiblings(dirname(home), name, basename(home));
  return { python, created: true, setupMs: Date.now() - startedAt };
}

/**
 * The venv's interpreter for a test, created if needed; undefined after
 * skipping the test when there is no usable Python (throws under CI=true instead).
 */
export async function pythonEnv(t: TestContext, requirements: string, name?: string): Promise<string | undefined> {
  const env = await unlessMissing(t, () => ensurePythonEnv(requirements, name));
  if (env?.created) t.diagnostic(`created ${relative(ROOT, dirname(dirname(env.python)))} in ${env.setupMs} ms`);
  return env?.python;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, name] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node --import tsx test/harness/python.ts <requirements.txt> [venv name]');
  await prepareFromCommandLine(async () => {
    const env = await ensurePythonEnv(file, name);
    return `${env.created ? `created in ${env.setupMs} ms` : 'cached'}: ${relative(ROOT, dirname(dirname(env.python)))}`;
  });
}
