// Conservation under a failing backend: down, losing acknowledgements, slow
// (see scenario.ts).
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { between, scenario } from './scenario.js';

test('the backend down for a while, losing acknowledgements, then slow: nothing acknowledged is lost', async (t) => {
  await scenario(t, 'backend', async (rig, rnd, log) => {
    await sleep(between(rnd, 500, 2_000));
    log('backend down');
    rig.sink.behaviour.down = true;
    await sleep(between(rnd, 3_000, 6_000));
    rig.sink.behaviour.down = false;
    log('backend up, losing every 3rd acknowledgement');
    rig.sink.behaviour.loseAckEvery = 3;
    await sleep(between(rnd, 3_000, 5_000));
    rig.sink.behaviour.loseAckEvery = 0;
    log('backend slow (800 ms per request)');
    rig.sink.behaviour.delayMs = 800;
    await sleep(between(rnd, 3_000, 5_000));
    rig.sink.behaviour.delayMs = 0;
    log('backend healthy');
  });
});
