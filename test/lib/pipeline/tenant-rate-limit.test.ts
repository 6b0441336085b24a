// Per-tenant token buckets in front of the pipeline, on a hand-driven clock:
// each tenant its own budget (anonymous callers share one), refusals that are
// retryable and "out of room" (429 / RESOURCE_EXHAUSTED) with the wait until
// the bucket can take the request, counted by tenant and signal, and a
// request larger than the burst slowed down rather than refused for ever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Outcome, ReceiveContext } from '../../../lib/pipeline/consumer.js';
import { ANONYMOUS_TENANT, TENANT_THROTTLED, withTenantRateLimit, type TenantRateLimit } from '../../../lib/pipeline/tenant-rate-limit.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { sampleMetrics } from '../../helpers/fixtures.js';
import { buildTrace } from '../../helpers/trace-builder.js';
import { RecordingConsumer } from '../receiver/otlp/recording-consumer.js';

const spans = (n: number) => buildTrace({ spans: Array.from({ length: n }, () => ({})) });
const ctx = (tenant?: string): ReceiveContext => ({ protocol: 'otlp/grpc', receivedAtMs: 0, ...(tenant ? { tenant } : {}) });

function limited(limit: TenantRateLimit) {
  let nowMs = 0;
  const inner = new RecordingConsumer();
  const registry = new Registry();
  const consumer = withTenantRateLimit(inner, limit, registry, () => nowMs);
  return { consumer, inner, registry, advance: (ms: number) => void (nowMs += ms) };
}

const status = (o: Outcome) => (o.status === 'retryable' ? `retry ${o.retryAfterMs} ${o.exhausted ? 'exhausted' : ''}`.trim() : o.status);

test('a tenant over its budget of requests is refused out of room with the wait until the next one, another tenant is not', async () => {
  const { consumer, inner, registry, advance } = limited({ unit: 'requests', ratePerSecond: 2, burst: 2 });
  assert.equal(status(await consumer.consumeTraces(spans(3), ctx('acme'))), 'ok');
  assert.equal(status(await consumer.consumeTraces(spans(3), ctx('acme'))), 'ok');
  const refused = await consumer.consumeTraces(spans(3), ctx('acme'));
  assert.equal(status(refused), 'retry 500 exhausted');
  assert.ok(refused.status === 'retryable' && refused.reason === 'tenant_rate_limited');
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx('globex'))), 'ok');
  advance(200);
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx('acme'))), 'retry 300 exhausted');
  advance(300);
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx('acme'))), 'ok');
  assert.equal(inner.traces.length, 4, 'refused requests never reach the pipeline');
  assert.equal(registry.total(TENANT_THROTTLED, { tenant: 'acme', signal: 'traces' }), 3 + 1, 'counted in items');
  assert.equal(registry.total(TENANT_THROTTLED, { tenant: 'globex' }), 0);
});

test('counting items: spans and data points take from the same bucket, a big request leaves it in debt', async () => {
  const { consumer, registry, advance } = limited({ unit: 'items', ratePerSecond: 10, burst: 10 });
  assert.equal(status(await consumer.consumeTraces(spans(6), ctx('acme'))), 'ok');
  const points = sampleMetrics();
  const refused = await consumer.consumeMetrics(points, ctx('acme'));
  assert.equal(refused.status, 'retryable', 'the data points do not fit the 4 items left');
  assert.ok(registry.total(TENANT_THROTTLED, { tenant: 'acme', signal: 'metrics' }) > 0);
  advance(1_000);
  // 25 spans: more than the burst; passes on a full bucket and leaves it 15 in debt.
  assert.equal(status(await consumer.consumeTraces(spans(25), ctx('acme'))), 'ok');
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx('acme'))), 'retry 1600 exhausted');
  advance(1_600);
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx('acme'))), 'ok');
});

test('callers without a tenant share one budget, counted as (anonymous)', async () => {
  const { consumer, registry } = limited({ unit: 'requests', ratePerSecond: 1, burst: 0 });
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx())), 'ok');
  assert.equal(status(await consumer.consumeTraces(spans(2), ctx())), 'retry 1000 exhausted');
  assert.equal(registry.total(TENANT_THROTTLED, { tenant: ANONYMOUS_TENANT }), 2);
});

test('a rate of 0 is no limit: the pipeline itself is used', () => {
  const inner = new RecordingConsumer();
  assert.equal(withTenantRateLimit(inner, { unit: 'items', ratePerSecond: 0, burst: 5 }, new Registry()), inner);
});

test('empty requests pass without taking from the budget', async () => {
  const { consumer } = limited({ unit: 'requests', ratePerSecond: 1, burst: 1 });
  assert.equal(status(await consumer.consumeTraces({ resourceSpans: [] }, ctx('acme'))), 'ok');
  assert.equal(status(await consumer.consumeTraces(spans(1), ctx('acme'))), 'ok');
});
