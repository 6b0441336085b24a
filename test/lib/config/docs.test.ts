import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigDocs } from '../../../lib/config/docs.js';
import { leaves, SERVICE_NAMES } from '../../../lib/config/index.js';

test('docs/configuration.md is what the schemas generate (run npm run docs:config)', () => {
  const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderConfigDocs());
});

test('the reference lists every key of every service with its variable', () => {
  const text = renderConfigDocs();
  for (const service of SERVICE_NAMES) {
    for (const leaf of leaves(service)) {
      assert.ok(text.includes(`| \`${leaf.path}\` |`), `${leaf.path} missing`);
      assert.ok(text.includes(`\`${leaf.env}\``), `${leaf.env} missing`);
    }
  }
});
