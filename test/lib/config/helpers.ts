// For the configuration tests: a file to load, and the refusal a load gives.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../lib/config/index.js';

/** Writes `text` to a file named `name` in a new temporary folder; removed after the test when `t` is given. */
export function configFile(name: string, text: string, t?: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-config-'));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError `fn` throws; fails the test when it throws something else or nothing. */
export function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the configuration to be refused');
}

/** The problems of the refusal `fn` throws. */
export function problems(fn: () => unknown): string[] {
  return refusal(fn).problems;
}
