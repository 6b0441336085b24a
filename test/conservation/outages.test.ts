// Conservation under outages: the Kafka broker and Redis stopped or killed
// mid-stream and started again (see scenario.ts).
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { between, scenario } from './scenario.js';

test('the Kafka broker and Redis stopped mid-stream and started again: nothing acknowledged is lost', async (t) => {
  await scenario(t, 'outages', async (rig, rnd, log) => {
    await sleep(between(rnd, 500, 2_000));
    log('kafka stop');
    await rig.kafka.stop({ keepData: true });
    await sleep(between(rnd, 3_000, 6_000));
    await rig.kafka.start();
    log('kafka back');
    await sleep(between(rnd, 2_000, 4_000));
    log('redis stop');
    await rig.redis.stop({ keepData: true });
    await sleep(between(rnd, 2_000, 4_000));
    await rig.redis.start();
    log('redis back');
    await sleep(between(rnd, 1_000, 2_000));
    log('kafka crash (SIGKILL)');
    await rig.kafka.stop({ keepData: true, kill: true });
    await sleep(between(rnd, 1_000, 3_000));
    await rig.kafka.start();
    log('kafka back');
  });
});
