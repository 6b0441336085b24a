// What the harness prepares once for many runs (Kafka's jars, the Zipkin
// server, Go binaries, Python environments), in one way: a folder is filled
// beside its final path and renamed into place with a `.complete` marker
// written last, so an interrupted preparation is never mistaken for a
// finished one and two runs preparing at once do not mix their files. A
// runtime that is not installed (no java, go, python) is a
// MissingRuntimeError: the test skips locally and fails under CI.
import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { skipOrFail } from './env.js';

export class MissingRuntimeError extends Error {
  readonly code = 'MISSING_RUNTIME';
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `dir` holds a finished preparation. */
export function isComplete(dir: string): Promise<boolean> {
  return exists(join(dir, '.complete'));
}

/**
 * Fills `dir` with `fill(staging)` unless it is complete already: a staging
 * folder beside it, marked complete and renamed into place. When another run
 * finished first, its copy is kept.
 */
export async function prepareDir(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  if (await isComplete(dir)) return;
  await mkdir(dirname(dir), { recursive: true });
  const staging = `${dir}.tmp-${randomUUID()}`;
  try {
    await fill(staging);
    await writeFile(join(staging, '.complete'), `${new Date().toISOString()}\n`);
    // Left by something else, unfinished: not ours to trust.
    if ((await exists(dir)) && !(await isComplete(dir))) await rm(dir, { recursive: true, force: true });
    try {
      await rename(staging, dir);
    } catch (err) {
      if (!(await isComplete(dir))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `prepare()`'s result; undefined after skipping the test when a runtime is missing (throws under CI=true instead). */
export async function unlessMissing<T>(t: TestContext, prepare: () => Promise<T>): Promise<T | undefined> {
  try {
    return await prepare();
  } catch (err) {
    if (!(err instanceof MissingRuntimeError)) throw err;
    return skipOrFail(t, err.message, err);
  }
}

/** For the command-line entry points: a missing runtime is an error under CI, a warning elsewhere. */
export async function prepareFromCommandLine(prepare: () => Promise<string>): Promise<void> {
  try {
    console.log(await prepare());
  } catch (err) {
    if (!(err instanceof MissingRuntimeError) || process.env.CI === 'true') throw err;
    console.warn(`warning: ${err.message}; the tests that need it will skip`);
  }
}
