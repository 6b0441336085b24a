// Golden files: compare text with test/golden/<name>; UPDATE_GOLDEN=1 rewrites
// them instead (review the diff before committing). Node 20 has no snapshot
// assertions, hence this helper.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

export function goldenPath(name: string): string {
  return join(GOLDEN_DIR, name);
}

export function readGolden(name: string): string {
  return readFileSync(goldenPath(name), 'utf8');
}

export function assertGolden(t: TestContext, name: string, actual: string): void {
  const path = goldenPath(name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    t.diagnostic(`updated golden file ${name}`);
    return;
  }
  if (!existsSync(path)) assert.fail(`golden file ${name} is missing: run the test with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

/** Hex of bytes, 64 digits a line, for readable binary golden files. */
export function hexLines(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n`;
}
