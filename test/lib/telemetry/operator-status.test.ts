import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Health } from '../../../lib/telemetry/health.js';
import { buildStatus } from '../../../lib/telemetry/operator-status.js';
import { Registry } from '../../../lib/telemetry/stats.js';

void test('status groups component counters by signal and reason, other samples by metric', () => {
  const registry = new Registry();
  registry.component('idle', 'processor');
  const kafka = registry.component('kafka', 'exporter');
  kafka.sent(10, 'traces');
  kafka.sent(5, 'metrics');
  kafka.refused(2, 'queue_full', 'traces');
  kafka.refused(1, 'queue_full', 'traces');
  kafka.dropped(4, 'too_large');
  registry.collect(() => [
    { name: 'lag', help: 'Lag.', type: 'gauge', labels: { partition: '1' }, value: 3 },
    { name: 'lag', help: 'Lag.', type: 'gauge', labels: { partition: '0' }, value: 9 },
  ]);
  const status = buildStatus({ service: 's', version: 'v', registry, health: new Health(), startTimeMs: 0 }, 90_500);
  assert.equal(status.uptimeSeconds, 90);
  assert.equal(status.startTime, '1970-01-01T00:00:00.000Z');
  assert.deepEqual(status.components, [
    { component: 'idle', kind: 'processor', signals: {} },
    {
      component: 'kafka',
      kind: 'exporter',
      signals: {
        traces: { received: 0, sent: 10, refused: { queue_full: 3 }, dropped: {} },
        metrics: { received: 0, sent: 5, refused: {}, dropped: {} },
        any: { received: 0, sent: 0, refused: {}, dropped: { too_large: 4 } },
      },
    },
  ]);
  assert.deepEqual(status.metrics, [
    {
      name: 'lag',
      help: 'Lag.',
      type: 'gauge',
      rows: [
        { labels: { partition: '0' }, value: 9 },
        { labels: { partition: '1' }, value: 3 },
      ],
    },
  ]);
});
