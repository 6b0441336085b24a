// Conservation under crashes: agent, sampler and exporter killed with SIGKILL
// at random moments and started again (see scenario.ts).
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TIERS, type Tier } from './rig.js';
import { between, scenario } from './scenario.js';

test('tiers killed with SIGKILL at random moments and restarted, several times: nothing acknowledged is lost', async (t) => {
  await scenario(t, 'crashes', async (rig, rnd, log) => {
    // Each tier twice, in a random order.
    const order: Tier[] = [...TIERS, ...TIERS].sort(() => rnd() - 0.5);
    for (const tier of order) {
      await sleep(between(rnd, 500, 3_000));
      log(`kill -9 ${tier}`);
      await rig.crash(tier);
      log(`${tier} back`);
    }
  });
});
