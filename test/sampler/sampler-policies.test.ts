// The sampler with real policy sets: kept traces forwarded whole and named
// by their deciding policy (header, store, metrics), dropped ones counted;
// every decision explained on the operator page; and a rate_limiting budget
// that is one global rate across samplers, not one per sampler.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyConfig } from '../../lib/config/policies.js';
import { idToBytes, type TraceId } from '../../lib/model/ids.js';
import { Panels } from '../../lib/telemetry/panels.js';
import type { ExplainedDecision } from '../../sampler/decision-log.js';
import { fnv1a64, thresholdFor } from '../../sampler/policies/probabilistic.js';
import { PolicySet } from '../../sampler/policy-set.js';
import { SAMPLED_BY_HEADER } from '../../sampler/sampler.js';
import { waitFor } from '../harness/wait-for.js';
import { traceIdN } from '../helpers/fixtures.js';
import { buildTrace, randomTraceId } from '../helpers/trace-builder.js';
import { T0, traceOf, whole } from './harness.js';
import { WAIT, WAIT_MS, decisions, setup, tickUntil, total } from './rig.js';

const MIXED: PolicyConfig[] = [
  { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  { name: 'half', type: 'probabilistic', probabilistic: { sampling_percentage: 50 } },
  { name: 'no-noisy', type: 'drop', drop: { drop_sub_policy: [{ name: 'noisy', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['noisy'] } }] } },
];

const keptByHalf = (id: TraceId) => fnv1a64(Buffer.from('default-hash-seed'), idToBytes(id)) <= thresholdFor(50);

void test('a mixed policy set: kept traces are forwarded whole with the deciding policy in ocsvc.sampled_by and the store; dropped ones are counted; votes are counted per policy', async (t) => {
  const rig = await setup(t);
  const { sampler, registry } = await rig.start({ policies: PolicySet.fromConfig(MIXED) });
  const traces = Array.from({ length: 40 }, (_, i) => {
    const id = randomTraceId();
    const service = i % 5 === 0 ? 'noisy' : 'web';
    const error = i % 3 === 0;
    return { id, service, error, spec: buildTrace({ id, resource: { 'service.name': service }, spans: [{ status: error ? 'ERROR' : 'OK' }, { child: true }, { child: true }] }) };
  });
  for (const tr of traces) await rig.publish(tr.spec);
  await waitFor(() => sampler.bufferedTraces() === 40, { ...WAIT, what: '40 traces buffered' });
  rig.clock.set(T0 + WAIT_MS);
  const ends = rig.endOf(rig.topics.spans);
  await tickUntil(sampler, () => ends.every((end, p) => end === 0n || rig.committed(p) === end), 'all decided and committed');

  const want = new Map(traces.map((tr) => [tr.id, tr.service === 'noisy' ? { verdict: 'drop', policy: 'no-noisy' } : tr.error ? { verdict: 'keep', policy: 'errors' } : keptByHalf(tr.id) ? { verdict: 'keep', policy: 'half' } : { verdict: 'drop', policy: '(none)' }]));
  const kept = [...want].filter(([, w]) => w.verdict === 'keep');
  assert.ok(kept.some(([, w]) => w.policy === 'half') && [...want.values()].some((w) => w.policy === '(none)'), 'probabilistic both kept and dropped some');
  await waitFor(() => rig.sampled.length === kept.length, { ...WAIT, what: `${kept.length} kept traces` });
  for (const r of rig.sampled) assert.equal(r.headers[SAMPLED_BY_HEADER], want.get(traceOf(r) as TraceId)!.policy);
  assert.deepEqual(new Set(rig.sampled.map(traceOf)), new Set(kept.map(([id]) => id)));

  const stored = await rig.store.get(traces.map((tr) => tr.id));
  traces.forEach((tr, i) => assert.deepEqual({ verdict: stored[i]!.verdict, policy: stored[i]!.policy }, want.get(tr.id), `trace ${i}`));
  for (const w of new Set([...want.values()].map((v) => JSON.stringify(v)))) {
    const { verdict, policy } = JSON.parse(w) as { verdict: string; policy: string };
    assert.equal(decisions(registry, { verdict, policy }), [...want.values()].filter((v) => v.verdict === verdict && v.policy === policy).length, w);
  }
  assert.equal(total(registry, 'dropped', { reason: 'sampled_out' }), 3 * (40 - kept.length));
  const votes = (policy: string, vote: string) => registry.total('ocsvc_sampler_policy_votes_total', { policy, vote });
  assert.equal(votes('errors', 'sampled') + votes('errors', 'not_sampled'), 40, 'errors votes on every trace (it comes before the drop)');
  assert.equal(votes('no-noisy', 'dropped'), 8);
});

void test('explained decisions: the operator page lists the last decisions, newest first, with the deciding policy, what triggered it and the trace\'s summary', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const panels = new Panels();
  const { sampler } = await rig.start({ panels, recentDecisions: 5 });
  for (let n = 0; n < 7; n++) await rig.publish(whole(n));
  await waitFor(() => sampler.bufferedTraces() === 7, { ...WAIT, what: '7 buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.sampled.length === 7, 'all forwarded');

  const [panel] = panels.list();
  assert.equal(panel?.id, 'sampler-decisions');
  const data = panel.data as ExplainedDecision[];
  assert.deepEqual(data.map((d) => d.traceId), [6, 5, 4, 3, 2].map(traceIdN), 'the last 5, newest first');
  assert.deepEqual(data[0], {
    traceId: traceIdN(6),
    verdict: 'keep',
    policy: 'always_sample',
    trigger: 'decision_wait',
    followed: false,
    decidedAt: new Date(T0 + WAIT_MS).toISOString(),
    partition: 0,
    rootService: 'frontend',
    rootOperation: 'op-6-0',
    spans: 3,
    durationMs: 4,
    error: true,
  });
  assert.equal(panel.rows.length, 5);
  assert.deepEqual(panel.rows[0]!.slice(0, 6), [new Date(T0 + WAIT_MS).toISOString(), traceIdN(6), 'keep', 'always_sample', 'decision_wait', false]);
  await sampler.close();
  assert.deepEqual(panels.list(), [], 'the panel goes with the sampler');
});

void test('a decision another sampler took first is followed, and shown as followed', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const panels = new Panels();
  const { sampler, registry } = await rig.start({ panels });
  await rig.store.decide([{ traceId: traceIdN(1), decision: { verdict: 'drop', policy: 'elsewhere', decidedAtMs: 1 } }], 60_000);
  await rig.publish(whole(1));
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.committed(0) === 1n, 'decided');
  assert.equal(rig.sampledCount(), 0);
  const [d] = panels.list()[0]!.data as ExplainedDecision[];
  assert.deepEqual([d!.verdict, d!.policy, d!.followed], ['drop', 'elsewhere', true]);
  assert.equal(registry.total('ocsvc_sampler_decisions_followed_total'), 1);
});

void test('rate_limiting is one budget for all samplers: two samplers together keep what one bucket allows, not twice that', async (t) => {
  const rig = await setup(t);
  const policies: PolicyConfig[] = [{ name: 'rate', type: 'rate_limiting', rate_limiting: { spans_per_second: 10 } }]; // a bucket of 20 spans
  const a = await rig.start({ policies: PolicySet.fromConfig(policies) });
  const b = await rig.start({ policies: PolicySet.fromConfig(policies) });
  const count = 30;
  for (let n = 0; n < count; n++) await rig.publish(whole(n)); // 3 spans each
  await waitFor(() => a.sampler.bufferedTraces() + b.sampler.bufferedTraces() === count && a.sampler.bufferedTraces() > 0 && b.sampler.bufferedTraces() > 0, { ...WAIT, what: 'traces split between the two samplers' });
  rig.clock.set(T0 + WAIT_MS); // the store's clock too: no refill while they decide
  const ends = rig.endOf(rig.topics.spans);
  await waitFor(
    async () => {
      await Promise.all([a.sampler.tick(), b.sampler.tick()]);
      return ends.every((end, p) => end === 0n || rig.committed(p) === end);
    },
    { ...WAIT, intervalMs: 5, what: 'all decided' },
  );
  await waitFor(() => rig.sampled.length === 6, { ...WAIT, what: '6 traces kept' });
  const keptBy = (s: typeof a) => s.registry.total('ocsvc_sampler_decisions_total', { verdict: 'keep' });
  assert.equal(keptBy(a) + keptBy(b), 6, '6 traces of 3 spans fit in 20 tokens, whichever sampler asked');
  assert.equal(decisions(a.registry, { verdict: 'drop' }) + decisions(b.registry, { verdict: 'drop' }), count - 6);
});
