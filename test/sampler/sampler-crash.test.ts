// A sampler killed with SIGKILL loses nothing. The committed offset is the
// low watermark (the first record of the oldest trace not yet decided and
// acknowledged), so the next sampler re-reads from there, rebuilds the traces
// the dead one had buffered, and follows the decisions already in Redis. Run
// as operators run it: the CLI, on the real Kafka and Redis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_POLICIES } from '../../lib/config/policies.js';
import { waitFor } from '../harness/wait-for.js';
import { scrape } from '../helpers/service-process.js';
import { assertWholeAndExact, cluster, sampledSpans, sourceTrace } from './cluster.js';

void test('a sampler killed with SIGKILL loses nothing: the next one rebuilds the traces it had buffered and follows the decisions taken', { timeout: 240_000 }, async (t) => {
  // A long decision wait: the kill must land while the second half is undecided.
  const c = await cluster(t, { partitions: 4, policies: DEFAULT_POLICIES, env: { OCSVC_SAMPLER_DECISION_WAIT_MS: '4000' } });
  if (!c) return;
  const traces = Array.from({ length: 40 }, () => sourceTrace(3));
  const first = await c.startSampler();

  // Traces 0-19: whole, decided and forwarded by the first sampler.
  await c.publish(traces.slice(0, 20).flatMap((tr) => tr.parts));
  await waitFor(() => sampledSpans(c.sampled).size === 20, { timeoutMs: 60_000, what: 'the first 20 traces forwarded' });

  // Traces 20-39: their roots reach the first sampler, which dies before deciding them.
  await c.publish(traces.slice(20).map((tr) => tr.parts[0]!));
  await waitFor(async () => (await scrape(first, 'ocsvc_sampler_buffered_traces')) === 20, { timeoutMs: 30_000, what: 'the 20 roots buffered' });
  const received = await scrape(first, 'ocsvc_component_received_items_total', { component: 'sampler' });
  assert.equal(await scrape(first, 'ocsvc_sampler_decisions_total'), 20, 'only the first 20 decided before the kill');
  await first.kill();
  assert.equal(received, 80);

  // Their children arrive while no sampler runs; then a new sampler starts.
  await c.publish(traces.slice(20).flatMap((tr) => tr.parts.slice(1)));
  const second = await c.startSampler();
  await waitFor(async () => sampledSpans(c.sampled).size === 40 && (await c.allCommitted()), { timeoutMs: 90_000, what: 'all 40 traces forwarded and committed' });
  await waitFor(() => [...sampledSpans(c.sampled).values()].every((spans) => spans.size === 3), { timeoutMs: 30_000, what: 'every trace whole' });

  const duplicates = assertWholeAndExact(c.sampled, traces, () => true);
  t.diagnostic(`span copies forwarded twice (at least once, after the crash): ${duplicates}`);
  const decisions = await c.decisions(traces.map((tr) => tr.id));
  assert.ok(decisions.every((d) => d?.verdict === 'keep'), 'every trace decided keep in Redis');
  assert.equal(await second.stop(), 0, `exits 0 on SIGTERM\n${second.output.slice(-20).join('\n')}`);
});
