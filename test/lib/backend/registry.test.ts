// The backend registry: each configuration name builds its implementation.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { backendFactories, backendTypes, createBackend, isBackendType } from '../../../lib/backend/registry.js';
import { sampleTraces } from '../../helpers/fixtures.js';

test('every registered name builds a backend of that type', async () => {
  const deps = { log: () => {} };
  const built = [
    backendFactories.otlp({ endpoint: '127.0.0.1:4317' }, deps),
    backendFactories.otlphttp({ endpoint: 'http://127.0.0.1:4318' }, deps),
    backendFactories.file({ path: path.join(os.tmpdir(), 'ocsvc-registry-unused.jsonl') }, deps),
    backendFactories.debug({}, deps),
    backendFactories.zipkin({ endpoint: 'http://127.0.0.1:9411' }, deps),
  ];
  assert.deepEqual(
    built.map((b) => b.type),
    ['otlp', 'otlphttp', 'file', 'debug', 'zipkin'],
  );
  assert.deepEqual([...backendTypes].sort(), ['debug', 'file', 'jaeger', 'opencensus', 'otlp', 'otlphttp', 'zipkin']);
  for (const b of built) await b.close();
});

test('the debug backend logs through deps.log unless given its own log', async () => {
  const lines: string[] = [];
  const b = createBackend('debug', { name: 'dbg' }, { log: (line) => lines.push(line) });
  await b.exportTraces(sampleTraces({ traceCount: 1 }), new AbortController().signal);
  assert.deepEqual(lines, ['dbg: Traces {resource spans: 2, spans: 3}']);
});

test('isBackendType accepts registered names only', () => {
  assert.equal(isBackendType('otlphttp'), true);
  assert.equal(isBackendType('zipkin'), true);
  assert.equal(isBackendType('smtp'), false);
  assert.equal(isBackendType('toString'), false);
});

test('otlphttp without an endpoint or URLs fails at construction with a clear error', () => {
  assert.throws(() => createBackend('otlphttp', {}, { log: () => {} }), { code: 'INVALID_CONFIG', message: /endpoint/ });
});
