import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Health } from '../../../lib/telemetry/health.js';

void test('not ready until a check is registered, ready once all are ready', () => {
  const health = new Health();
  assert.equal(health.ready, false);
  health.set('kafka', { ready: false, detail: 'connecting' });
  health.set('otlp', { ready: true });
  assert.equal(health.ready, false);
  health.set('kafka', { ready: true });
  assert.equal(health.ready, true);
  assert.deepEqual(health.report(), { status: 'ready', ready: true, components: { kafka: { ready: true }, otlp: { ready: true } } });
});

void test('a failed check keeps the service not ready until set again', () => {
  const health = new Health();
  health.set('redis', { ready: true });
  health.fail('redis', 'auth failed');
  assert.equal(health.ready, false);
  assert.deepEqual(health.report().components.redis, { ready: false, failed: true, detail: 'auth failed' });
  health.set('redis', { ready: true });
  assert.equal(health.ready, true);
});

void test('stopping makes the service not ready but still live', () => {
  const health = new Health();
  health.set('bus', { ready: true });
  health.markStopping();
  assert.equal(health.ready, false);
  assert.equal(health.live, true);
  assert.equal(health.report().stopping, true);
});
