// Writes docs/configuration.md from the configuration schemas, so the reference
// cannot drift from the code (test/lib/config/docs.test.ts checks it).
// Usage: tsx scripts/gen-config-docs.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../lib/config/docs.js';

const path = new URL('../docs/configuration.md', import.meta.url);
const text = renderConfigDocs();
if (process.argv.includes('--check')) {
  if (readFileSync(path, 'utf8') !== text) {
    process.stderr.write('docs/configuration.md is stale: run npm run docs:config\n');
    process.exit(1);
  }
} else {
  writeFileSync(path, text);
}
