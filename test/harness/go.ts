// Builds a Go program that tests run (a client of a real third-party Go
// library) once, into .cache/go/<name>-<hash>/ at the repository root, keyed
// by a hash of its go.mod, go.sum and *.go files and the Go version: later
// runs reuse the binary, a changed source builds a new one. The binary is
// built beside its final path and renamed into place, so an interrupted
// build is never mistaken for a finished one and two runs building at once
// do not mix their files.
//
// No Go toolchain is a missing runtime: goProgram(t, ...) skips the test with
// a message locally and fails it under CI (CI=true), as test/harness/env.ts
// does for Kafka and Redis. A failed build is always an error.
//
// Run directly (scripts/setup-test-deps.sh does) to build ahead of the tests,
// with the name the tests use:
//   node --import tsx test/harness/go.ts test/interop/opencensus/go-client ocagent-client
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exists, MissingRuntimeError, prepareFromCommandLine, unlessMissing } from './prepared.js';

const run = promisify(execFile);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE_DIR = join(ROOT, '.cache');
/** A cold module cache downloads the dependencies first; a cold build cache compiles gRPC (~1 minute on 2 cores). */
const BUILD_TIMEOUT_MS = 10 * 60_000;
const PROBE_TIMEOUT_MS = 30_000;

export interface GoBuild {
  /** Absolute path of the binary. */
  binary: string;
  /** False when it came from the cache. */
  built: boolean;
  /** Time spent building (0 from the cache). */
  buildMs: number;
}

/** The `go` command: $GO if set, else `go` on PATH. */
function goCommand(): string {
  return process.env.GO?.trim() || 'go';
}

/** `go version` output, or a MissingRuntimeError saying how to get Go. */
export async function goVersion(): Promise<string> {
  try {
    const { stdout } = await run(goCommand(), ['version'], { timeout: PROBE_TIMEOUT_MS });
    return stdout.trim();
  } catch (err) {
    throw new MissingRuntimeError(`no Go toolchain (\`${goCommand()} version\` failed: ${(err as Error).message.split('\n')[0]}): install Go >= 1.21 and put \`go\` on PATH, or set GO to its path`, { cause: err });
  }
}

/** Hash of the program's sources and of the toolchain that builds them. */
async function sourceHash(dir: string, version: string): Promise<string> {
  const hash = createHash('sha256').update(version).update('\0');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && (e.name === 'go.mod' || e.name === 'go.sum' || e.name.endsWith('.go')))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
  if (!files.includes('go.mod')) throw new Error(`${dir} has no go.mod`);
  for (const file of files) hash.update(file).update('\0').update(await readFile(join(dir, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds the Go program in `sourceDir` unless the cache has it; resolves with
 * its binary. `pkg` is what to build in that module: its own main package by
 * default, or a program it requires (a `tool` line in its go.mod).
 */
export async function ensureGoBinary(sourceDir: string, name = basename(sourceDir), pkg = '.'): Promise<GoBuild> {
  const dir = resolve(sourceDir);
  const version = await goVersion();
  const outDir = join(CACHE_DIR, 'go', `${name}-${await sourceHash(dir, pkg === '.' ? version : `${version}\0${pkg}`)}`);
  const binary = join(outDir, name);
  if (await exists(binary)) return { binary, built: false, buildMs: 0 };

  await mkdir(outDir, { recursive: true });
  const staging = `${binary}.tmp-${randomUUID()}`;
  const startedAt = Date.now();
  const args = ['build', '-trimpath', '-mod=readonly', '-o', staging, pkg];
  try {
    await run(goCommand(), args, {
      cwd: dir,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      // GOTOOLCHAIN=local: build with the Go we found rather than download another.
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
    });
    await rename(staging, binary);
  } catch (err) {
    await rm(staging, { force: true });
    const e = err as { stdout?: string; stderr?: string; killed?: boolean; message: string };
    const why = e.killed ? `timed out after ${BUILD_TIMEOUT_MS} ms` : e.message.split('\n')[0];
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4_000);
    throw new Error(`could not build ${dir} (${goCommand()} ${args.join(' ')}): ${why}\n${output}`, { cause: err });
  }
  await pruneSiblings(join(CACHE_DIR, 'go'), name, basename(outDir));
  return { binary, built: true, buildMs: Date.now() - startedAt };
}

/** Removes the builds of older sources of the same program (best effort). */
export async function pruneSiblings(parent: string, name: string, keep: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  const older = entries.filter((e) => e !== keep && e.startsWith(`${name}-`) && /^[0-9a-f]{16}$/.test(e.slice(name.length + 1)));
  await Promise.all(older.map((e) => rm(join(parent, e), { recursive: true, force: true }).catch(() => undefined)));
}

/**
 * The program's binary for a test, built if needed; undefined after skipping
 * the test when there is no Go toolchain (throws under CI=true instead).
 */
export async function goProgram(t: TestContext, sourceDir: string, name?: string, pkg?: string): Promise<string | undefined> {
  const build = await unlessMissing(t, () => ensureGoBinary(sourceDir, name, pkg));
  if (build?.built) t.diagnostic(`built ${relative(ROOT, build.binary)} in ${build.buildMs} ms`);
  return build?.binary;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [dir, name, pkg] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: node --import tsx test/harness/go.ts <go module dir> [binary name] [package to build, default .]');
  await prepareFromCommandLine(async () => {
    const build = await ensureGoBinary(dir, name, pkg);
    return `${build.built ? `built in ${build.buildMs} ms` : 'cached'}: ${relative(ROOT, build.binary)}`;
  });
}
