// Registry.counter: a counter handle for hot paths must count into the same
// series as add() with the same name and labels, and appear only once used.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '../../../lib/telemetry/stats.js';

void test('a counter handle adds to the series add() writes, and shows in snapshots only once it has counted', () => {
  const registry = new Registry();
  const inc = registry.counter('ocsvc_x_total', 'X.', { policy: 'a' });
  assert.deepEqual(registry.snapshot(), [], 'nothing before the first add');
  inc(2);
  registry.add('ocsvc_x_total', 'X.', { policy: 'a' }, 3);
  inc(1);
  registry.counter('ocsvc_x_total', 'X.', { policy: 'b' })(7);
  assert.equal(registry.total('ocsvc_x_total', { policy: 'a' }), 6);
  assert.equal(registry.total('ocsvc_x_total'), 13);
  assert.equal(registry.snapshot().length, 2);
});
