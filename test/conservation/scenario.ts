// The conservation scenarios' common part (one file per scenario, so that
// each stays within the per-file test timeout). Conservation: every span a
// client saw acknowledged reaches the backend at least once, through agent -> Kafka -> sampler (Redis) -> Kafka -> exporter,
// while the pipeline is being hurt: tiers killed with SIGKILL and restarted,
// the Kafka broker and Redis stopped and restarted, the backend down, slow, or
// losing its acknowledgements. Lost must be zero; duplicates are reported.
//
// The short form runs in CI (about 4 minutes). The long form (`npm run
// soak`) repeats each scenario's faults for OCSVC_SOAK_SECONDS (default 600)
// instead of once.
// Fault timings come from a seeded random source; the seed is printed, and
// OCSVC_CONSERVATION_SEED replays a run.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaBrokers, redisUrl } from '../harness/env.js';
import { waitFor } from '../harness/wait-for.js';
import { startRig, TIERS, type Rig } from './rig.js';
import { arrivals, conservation, Sender } from './sender.js';

const SOAK_MS = process.env.OCSVC_SOAK === '1' ? Number(process.env.OCSVC_SOAK_SECONDS ?? 600) * 1000 : 0;
const SEED = Number(process.env.OCSVC_CONSERVATION_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Fault = (rig: Rig, rnd: () => number, log: (line: string) => void) => Promise<void>;

/** Sends through the rig while `fault` runs (repeatedly in the long form), then checks conservation. */
export async function scenario(t: TestContext, name: string, fault: Fault): Promise<void> {
  const seed = SEED + name.length;
  const rnd = random(seed);
  const events: string[] = [];
  const log = (line: string) => events.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  // The rig starts a broker and a Redis of its own (to stop and crash them),
  // with what the shared ones need: run where those run.
  if (!kafkaBrokers(t) || !redisUrl(t)) return;
  t.diagnostic(`${name}: seed ${seed}`);
  const rig = await startRig(t);
  const sender = new Sender({ endpoint: rig.agentEndpoint });
  sender.start();
  await sleep(2_000); // traffic flowing before the first fault
  const until = Date.now() + SOAK_MS;
  do await fault(rig, rnd, log);
  while (Date.now() < until);
  await sleep(2_000); // traffic after the last fault
  log('sender stopping');
  const report = await sender.stop(90_000);
  log(`sender stopped: ${report.acknowledged.size} acknowledged, ${report.unacknowledged} never acknowledged, retries ${JSON.stringify(report.retries)}`);
  assert.deepEqual(report.refused, [], 'only retryable answers while the pipeline is hurt');
  assert.ok(report.acknowledged.size > 0, 'something was acknowledged');

  const tally = () => conservation(report.acknowledged, arrivals(rig.sink.applied().flatMap((r) => (r.traces ? [r.traces] : []))));
  try {
    await waitFor(() => tally().lost.length === 0, { timeoutMs: 120_000, what: 'every acknowledged span at the backend' });
  } catch (err) {
    const c = tally();
    assert.fail(
      `${name}: ${c.lost.length} of ${c.acknowledged} acknowledged spans lost (first: ${c.lost.slice(0, 10).join(', ')})\n` +
        `${events.join('\n')}\n--- services ---\n${rig.logs()}\n${String(err)}`,
    );
  }
  const c = tally();
  t.diagnostic(`${name}: sent ${sender.sent()}, acknowledged ${c.acknowledged}, lost 0, duplicated ${c.duplicated} (${c.extraCopies} extra copies)`);
  t.diagnostic(`${name}: ${events.join(' | ')}`);
  const codes = await rig.stop();
  for (const tier of TIERS) assert.equal(codes[tier], 0, `${tier} exits 0 on SIGTERM after the faults`);
}

export const between = (rnd: () => number, lowMs: number, highMs: number) => Math.round(lowMs + rnd() * (highMs - lowMs));

