import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processCollector } from '../../../lib/telemetry/process-collector.js';

void test('process samples have the names dashboards expect and plausible values', () => {
  const samples = processCollector()();
  const byName = new Map(samples.map((s) => [s.name, s]));
  for (const name of [
    'process_resident_memory_bytes',
    'process_cpu_seconds_total',
    'process_heap_bytes',
    'nodejs_eventloop_lag_p99_seconds',
    'process_start_time_seconds',
  ]) {
    assert.ok(byName.has(name), name);
  }
  assert.ok((byName.get('process_resident_memory_bytes')?.value ?? 0) > 0);
  assert.equal(byName.get('process_cpu_seconds_total')?.type, 'counter');
  const start = byName.get('process_start_time_seconds')?.value ?? 0;
  assert.ok(start > 1_600_000_000 && start <= Date.now() / 1_000);
  assert.ok((byName.get('nodejs_eventloop_lag_p99_seconds')?.value ?? -1) >= 0);
});
