import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPrometheus } from '../../../lib/telemetry/prometheus.js';
import type { Sample } from '../../../lib/telemetry/stats.js';

void test('renders HELP and TYPE once per name, sorted, with escaped label values', () => {
  const samples: Sample[] = [
    { name: 'ocsvc_lag', help: 'Consumer lag.', type: 'gauge', labels: { topic: 'spans', partition: '1' }, value: 7 },
    { name: 'ocsvc_dropped_items_total', help: 'Dropped.\nBy reason \\ cause.', type: 'counter', labels: { reason: 'bad "span"\nline\\x' }, value: 2 },
    { name: 'ocsvc_lag', help: 'Consumer lag.', type: 'gauge', labels: { topic: 'spans', partition: '0' }, value: 0.5 },
    { name: 'ocsvc_up', help: 'Up.', type: 'gauge', labels: {}, value: NaN },
  ];
  assert.equal(
    renderPrometheus(samples),
    [
      '# HELP ocsvc_dropped_items_total Dropped.\\nBy reason \\\\ cause.',
      '# TYPE ocsvc_dropped_items_total counter',
      'ocsvc_dropped_items_total{reason="bad \\"span\\"\\nline\\\\x"} 2',
      '# HELP ocsvc_lag Consumer lag.',
      '# TYPE ocsvc_lag gauge',
      'ocsvc_lag{topic="spans",partition="0"} 0.5',
      'ocsvc_lag{topic="spans",partition="1"} 7',
      '# HELP ocsvc_up Up.',
      '# TYPE ocsvc_up gauge',
      'ocsvc_up NaN',
      '',
    ].join('\n'),
  );
});

void test('invalid metric and label names are made valid', () => {
  const out = renderPrometheus([{ name: 'bad-name.x', help: 'h', type: 'gauge', labels: { 'a.b': 'v' }, value: Infinity }]);
  assert.match(out, /^bad_name_x\{a_b="v"\} \+Inf$/m);
});

void test('no samples render as an empty page', () => {
  assert.equal(renderPrometheus([]), '');
});
