// Horizontal scale: three sampler processes in one consumer group share the
// partitions of spans on the real Kafka and Redis; mid-stream one is killed
// with SIGKILL and another started, so partitions move twice while traces
// are half-published. With a policy set that keeps some traces and drops
// others (errors, and half of the rest by trace ID), every trace on
// spans.sampled must be whole (every span it had at the source), every trace
// the policies keep must be there, no dropped trace may have a span there,
// and Redis must hold one decision per trace that agrees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyConfig } from '../../lib/config/policies.js';
import { idToBytes } from '../../lib/model/ids.js';
import { fnv1a64, thresholdFor } from '../../sampler/policies/probabilistic.js';
import { waitFor } from '../harness/wait-for.js';
import { scrape, type ServiceProcess } from '../helpers/service-process.js';
import { assertWholeAndExact, cluster, sampledSpans, sourceTrace, type SourceTrace } from '../sampler/cluster.js';

const POLICIES: PolicyConfig[] = [
  { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  { name: 'half', type: 'probabilistic', probabilistic: { sampling_percentage: 50 } },
];
const shouldKeep = (s: SourceTrace) => s.error || fnv1a64(Buffer.from('default-hash-seed'), idToBytes(s.id)) <= thresholdFor(50);

const BATCHES = 8;
const PER_BATCH = 30;

void test('three samplers, one killed with SIGKILL and one started mid-stream: every kept trace whole, no trace both kept and dropped', { timeout: 300_000 }, async (t) => {
  const c = await cluster(t, { partitions: 6, policies: POLICIES });
  if (!c) return;
  const startedAt = Date.now();
  const batches = Array.from({ length: BATCHES }, (_, b) => Array.from({ length: PER_BATCH }, (_, i) => sourceTrace(3, { error: (b * PER_BATCH + i) % 7 === 0 })));
  const all = batches.flat();
  const live: ServiceProcess[] = await Promise.all([c.startSampler(), c.startSampler(), c.startSampler()]);
  t.diagnostic(`3 samplers ready in ${Date.now() - startedAt} ms`);

  const received = async () => (await Promise.all(live.map((p) => scrape(p, 'ocsvc_component_received_items_total', { component: 'sampler' }).catch(() => 0)))).reduce((a, b) => a + b, 0);
  // Wave w publishes the root of batch w, the first child of batch w-1 and the
  // second child of batch w-2: every trace arrives over three waves.
  let killed: ServiceProcess | undefined;
  for (let wave = 0; wave < BATCHES + 2; wave++) {
    if (wave === 4) {
      killed = live.shift()!;
      await killed.kill();
      t.diagnostic(`wave ${wave}: killed a sampler (SIGKILL)`);
    }
    if (wave === 6) {
      live.push(await c.startSampler());
      t.diagnostic(`wave ${wave}: started a fourth sampler`);
    }
    const parts = [0, 1, 2].flatMap((k) => batches[wave - k]?.map((s) => s.parts[k]!) ?? []);
    const before = await received();
    await c.publish(parts);
    // Paced by the samplers, not a clock: the wave is in before the next goes out.
    await waitFor(async () => (await received()) >= before + parts.length, { timeoutMs: 60_000, what: `wave ${wave} received` });
  }

  const kept = all.filter(shouldKeep);
  assert.ok(kept.length > all.length / 4 && kept.length < all.length, `both kept and dropped traces (${kept.length} of ${all.length} kept)`);
  await waitFor(
    async () => {
      const arrived = sampledSpans(c.sampled);
      return kept.every((s) => arrived.get(s.id)?.size === 3) && (await c.allCommitted());
    },
    { timeoutMs: 90_000, what: `all ${kept.length} kept traces whole on spans.sampled, everything committed` },
  ).catch(async (err: unknown) => {
    const arrived = sampledSpans(c.sampled);
    const missing = kept.filter((s) => arrived.get(s.id)?.size !== 3);
    t.diagnostic(`missing or partial: ${missing.length}: ${missing.slice(0, 5).map((s) => `${s.id}:${arrived.get(s.id)?.size ?? 0}`).join(' ')}; committed: ${await c.allCommitted()}`);
    for (const p of live) t.diagnostic(`--- sampler output ---\n${p.output.slice(-30).join('\n')}`);
    for (const p of live) t.diagnostic(`buffered ${await scrape(p, 'ocsvc_sampler_buffered_traces')}, decisions ${await scrape(p, 'ocsvc_sampler_decisions_total')}, store errors ${await scrape(p, 'ocsvc_sampler_store_errors_total')}`);
    throw err;
  });
  const duplicates = assertWholeAndExact(c.sampled, all, shouldKeep);
  const decisions = await c.decisions(all.map((s) => s.id));
  all.forEach((s, i) => {
    const d = decisions[i];
    assert.equal(d?.verdict, shouldKeep(s) ? 'keep' : 'drop', `trace ${s.id}: one decision in Redis, as the policies say`);
    assert.equal(d?.policy, s.error ? 'errors' : shouldKeep(s) ? 'half' : '(none)');
  });
  t.diagnostic(`${kept.length} of ${all.length} traces kept, all whole; ${duplicates} span copies forwarded twice; ${((Date.now() - startedAt) / 1_000).toFixed(1)} s`);
  for (const p of live) assert.equal(await p.stop(), 0, `a sampler exits 0 on SIGTERM\n${p.output.slice(-20).join('\n')}`);
});
