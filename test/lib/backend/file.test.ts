// FileBackend: OTLP/JSON lines that the codec reads back, appending across
// restarts, numbered rotation, and disk errors reported as retryable.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { FileBackend, type FileOptions } from '../../../lib/backend/file.js';
import { decodeMetricsJson, decodeTracesJson } from '../../../lib/protocol/otlp/index.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';

const live = () => new AbortController().signal;

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ocsvc-file-backend-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function backend(t: TestContext, options: FileOptions): FileBackend {
  const b = new FileBackend(options);
  t.after(() => b.close());
  return b;
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
  return text.slice(0, -1).split('\n');
}

test('writes one OTLP/JSON request per line that the codec decodes back to the same model', async (t) => {
  const file = path.join(await tempDir(t), 'nested', 'dirs', 'out.jsonl');
  const b = backend(t, { path: file, fsync: true });
  await b.start();
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  assert.deepEqual(await b.exportMetrics(sampleMetrics(), live()), { status: 'ok' });
  const [first, second, ...rest] = await lines(file);
  assert.deepEqual(rest, []);
  assert.ok(first?.startsWith('{"resourceSpans":['));
  assert.ok(second?.startsWith('{"resourceMetrics":['));
  assert.deepEqual(decodeTracesJson(first ?? ''), sampleTraces());
  assert.deepEqual(decodeMetricsJson(second ?? ''), sampleMetrics());
});

test('concurrent exports each get a whole line, in call order', async (t) => {
  const file = path.join(await tempDir(t), 'out.jsonl');
  const b = backend(t, { path: file });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b.exportMetrics(sampleMetrics(), live()) : b.exportTraces(sampleTraces(), live()))));
  assert.ok(results.every((r) => r.status === 'ok'));
  const written = await lines(file);
  assert.equal(written.length, 20);
  written.forEach((line, i) => assert.ok(line.startsWith(i % 2 ? '{"resourceMetrics"' : '{"resourceSpans"'), `line ${i}`));
});

test('appends to an existing file, completing a line that a crash left half written', async (t) => {
  const file = path.join(await tempDir(t), 'out.jsonl');
  await writeFile(file, '{"resourceSpans":[]}\n{"resourceSp');
  const b = backend(t, { path: file });
  assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  const written = await lines(file);
  assert.deepEqual(written.slice(0, 2), ['{"resourceSpans":[]}', '{"resourceSp']);
  assert.deepEqual(decodeTracesJson(written[2] ?? ''), sampleTraces());
});

test('rotates before a write would pass rotateBytes, keeping maxBackups numbered files', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'out.jsonl');
  const lineBytes = Buffer.byteLength(`${JSON.stringify(JSON.parse((await exportOne(t, dir)).trim()))}\n`);
  const b = backend(t, { path: file, rotateBytes: lineBytes * 2, maxBackups: 2 });
  for (let i = 0; i < 7; i++) assert.deepEqual(await b.exportTraces(sampleTraces(), live()), { status: 'ok' });
  // 7 lines, 2 per file: out.jsonl has 1, out.jsonl.1 and .2 have 2 each; the oldest 2 are gone.
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('out.')).sort(), ['out.jsonl', 'out.jsonl.1', 'out.jsonl.2']);
  assert.equal((await lines(file)).length, 1);
  assert.equal((await lines(`${file}.1`)).length, 2);
  assert.equal((await lines(`${file}.2`)).length, 2);
  assert.ok((await stat(file)).size <= lineBytes * 2);
});

test('rotation without maxBackups keeps every file', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'out.jsonl');
  const b = backend(t, { path: file, rotateBytes: 1 });
  for (let i = 0; i < 4; i++) await b.exportMetrics(sampleMetrics(), live());
  assert.deepEqual((await readdir(dir)).sort(), ['out.jsonl', 'out.jsonl.1', 'out.jsonl.2', 'out.jsonl.3']);
  for (const name of await readdir(dir)) assert.deepEqual(decodeMetricsJson((await lines(path.join(dir, name)))[0] ?? ''), sampleMetrics());
});

test('a full disk (ENOSPC) is retryable with the reason', { skip: !existsSync('/dev/full') && 'no /dev/full' }, async (t) => {
  const b = backend(t, { path: '/dev/full' });
  const result = await b.exportTraces(sampleTraces(), live());
  assert.equal(result.status, 'retryable');
  assert.match(result.status === 'retryable' ? result.reason : '', /^ENOSPC/);
});

test('a path that cannot be created fails start() and makes exports retryable', async (t) => {
  const dir = await tempDir(t);
  await appendFile(path.join(dir, 'a-file'), 'x');
  const b = backend(t, { path: path.join(dir, 'a-file', 'out.jsonl') });
  // mkdir reports EEXIST for a file in the way, open ENOTDIR.
  await assert.rejects(b.start(), { code: /^(EEXIST|ENOTDIR)$/ });
  const result = await b.exportTraces(sampleTraces(), live());
  assert.equal(result.status, 'retryable');
  assert.match(result.status === 'retryable' ? result.reason : '', /^(EEXIST|ENOTDIR): /);
});

test('close waits for queued writes, is safe twice, and an export after close throws', async (t) => {
  const file = path.join(await tempDir(t), 'out.jsonl');
  const b = new FileBackend({ path: file });
  const writes = [b.exportTraces(sampleTraces(), live()), b.exportTraces(sampleTraces(), live())];
  const closing = b.close();
  assert.equal(b.close(), closing);
  await closing;
  assert.deepEqual(await Promise.all(writes), [{ status: 'ok' }, { status: 'ok' }]);
  assert.equal((await lines(file)).length, 2);
  await assert.rejects(b.exportTraces(sampleTraces(), live()), { code: 'BACKEND_CLOSED' });
});

/** The exact line the backend writes for sampleTraces(), from a scratch file. */
async function exportOne(t: TestContext, dir: string): Promise<string> {
  const scratch = path.join(dir, 'scratch', 'one.jsonl');
  const b = backend(t, { path: scratch });
  await b.exportTraces(sampleTraces(), live());
  await b.close();
  const text = await readFile(scratch, 'utf8');
  await rm(path.dirname(scratch), { recursive: true });
  return text;
}
