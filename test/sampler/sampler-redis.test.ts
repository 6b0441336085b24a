// The sampler on a real Redis (the bus in memory, so that only Redis is
// real): while Redis is down nothing is decided, the failed rounds are
// counted and the traces wait (a trace is never decided by one sampler alone,
// so never split); once Redis is back on the same port, every trace is
// decided and forwarded whole. And the Lua token bucket makes rate_limiting
// one budget for samplers on separate connections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyConfig } from '../../lib/config/policies.js';
import { RedisDecisionStore } from '../../lib/store/redis-store.js';
import { redisUrl, uniqueName } from '../harness/env.js';
import { startRedis } from '../harness/redis.js';
import { waitFor } from '../harness/wait-for.js';
import { traceIdN } from '../helpers/fixtures.js';
import { PolicySet } from '../../sampler/policy-set.js';
import { T0, part, traceOf, whole } from './harness.js';
import { WAIT, WAIT_MS, setup } from './rig.js';

const gauge = (registry: { snapshot(): { name: string; value: number }[] }, name: string) => registry.snapshot().find((s) => s.name === name)?.value;

void test('Redis stopped: no decision, failed rounds counted, traces wait; Redis back: every trace decided once and forwarded whole', { timeout: 120_000 }, async (t) => {
  if (!redisUrl(t)) return; // gated like the shared Redis: a --unit run starts no server
  const redis = await startRedis();
  t.after(() => redis.stop());
  const store = new RedisDecisionStore({ url: redis.url, keyPrefix: `${uniqueName('outage')}:`, maxReconnectDelayMs: 200, commandTimeoutMs: 1_000 });
  const rig = await setup(t, { partitions: 2, store });
  const { sampler, registry, logs } = await rig.start({ tickMs: 50 });

  // Half of each trace before the outage, the rest during it.
  for (let n = 0; n < 10; n++) await rig.publish(part(n, 0));
  await waitFor(() => sampler.bufferedTraces() === 10, { ...WAIT, what: '10 traces buffered' });
  await redis.stop({ keepData: true });
  for (let n = 0; n < 10; n++) await rig.publish(part(n, 1));
  rig.clock.set(T0 + WAIT_MS);
  await waitFor(() => registry.total('ocsvc_sampler_store_errors_total') >= 3, { ...WAIT, what: 'rounds failing while Redis is down' });
  assert.equal(rig.sampledCount(), 0, 'nothing forwarded without a decision');
  assert.equal(sampler.bufferedTraces(), 10, 'every trace still waits');
  assert.equal(gauge(registry, 'ocsvc_sampler_store_up'), 0);
  assert.equal(logs.count('decision store unavailable; traces wait'), 1, 'logged once');

  await redis.start();
  await waitFor(() => new Set(rig.sampled.map(traceOf)).size === 10 && rig.sampled.length === 20, { timeoutMs: 30_000, what: 'every trace forwarded once Redis is back' });
  assert.equal(gauge(registry, 'ocsvc_sampler_store_up'), 1);
  assert.equal(logs.count('decision store back'), 1);
  const perTrace = new Map<string, number>();
  for (const r of rig.sampled) perTrace.set(traceOf(r), (perTrace.get(traceOf(r)) ?? 0) + 1);
  assert.ok([...perTrace.values()].every((records) => records === 2), 'each trace whole: both its records');
  const stored = await store.get(Array.from({ length: 10 }, (_, n) => traceIdN(n)));
  assert.ok(stored.every((d) => d?.verdict === 'keep' && d.policy === 'always_sample'));
});

void test('over Redis, rate_limiting is one budget for two samplers on their own connections', { timeout: 60_000 }, async (t) => {
  const url = redisUrl(t);
  if (!url) return;
  const keyPrefix = `${uniqueName('rate')}:`;
  const policies: PolicyConfig[] = [{ name: 'rate', type: 'rate_limiting', rate_limiting: { spans_per_second: 20 } }]; // a bucket of 40 spans
  const rig = await setup(t, { store: new RedisDecisionStore({ url, keyPrefix }) });
  const other = new RedisDecisionStore({ url, keyPrefix });
  t.after(() => other.close());
  await other.start();
  const a = await rig.start({ policies: PolicySet.fromConfig(policies), tickMs: 20 });
  const b = await rig.start({ policies: PolicySet.fromConfig(policies), tickMs: 20, store: other });
  const count = 40;
  for (let n = 0; n < count; n++) await rig.publish(whole(n)); // 3 spans each
  await waitFor(() => a.sampler.bufferedTraces() + b.sampler.bufferedTraces() === count && a.sampler.bufferedTraces() > 0 && b.sampler.bufferedTraces() > 0, { ...WAIT, what: 'traces split between the samplers' });
  const startedAt = Date.now();
  rig.clock.set(T0 + WAIT_MS);
  const decided = (s: typeof a) => s.registry.total('ocsvc_sampler_decisions_total');
  await waitFor(() => decided(a) + decided(b) === count, { ...WAIT, what: 'all decided' });
  const elapsedS = (Date.now() - startedAt) / 1_000;
  const keptSpans = 3 * (a.registry.total('ocsvc_sampler_decisions_total', { verdict: 'keep' }) + b.registry.total('ocsvc_sampler_decisions_total', { verdict: 'keep' }));
  t.diagnostic(`kept ${keptSpans} spans in ${elapsedS.toFixed(2)} s`);
  assert.ok(keptSpans >= 36, `at least the bucket, less one trace: ${keptSpans}`);
  assert.ok(keptSpans <= 40 + Math.ceil(20 * elapsedS), `at most the bucket and its refill: ${keptSpans} in ${elapsedS} s (two budgets would keep ~80)`);
});
