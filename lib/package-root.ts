// The package's root folder (where package.json and proto/ are), found by
// walking up from this file, so the same code works from source (tsx) and from
// the compiled dist/ tree, which has no package.json of its own.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'proto'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the ocsvc package root (package.json and proto/) above ${start}`);
  }
}

export const PACKAGE_ROOT = find();

export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
