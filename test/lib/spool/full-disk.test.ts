// A spool on a real, really full file system: a 1 MiB tmpfs (mounting one
// needs root, which CI has; elsewhere the test skips and says so). With Kafka
// down, produce is acknowledged until the disk fills, then refused with the
// retryable SPOOL_DISK_FULL (429 / RESOURCE_EXHAUSTED at the receivers);
// nothing half-written is left; when space returns the spool takes records
// again, and once Kafka is back every acknowledged record arrives, in order.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { ConsumedRecord, OutRecord } from '../../../lib/bus/bus.js';
import { UnavailableError } from '../../../lib/errors.js';
import { SegmentLog } from '../../../lib/spool/segment-log.js';
import { SpoolingBus } from '../../../lib/spool/spooling-bus.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { deferStack, type Defer } from '../../harness/defer.js';
import { skipOrFail, uniqueName } from '../../harness/env.js';
import { waitFor } from '../../harness/wait-for.js';
import { lineCollector } from './helpers.js';
import { SwitchBus } from './switch-bus.js';

const run = promisify(execFile);

/**
 * A fresh 1 MiB tmpfs, unmounted and removed by `defer` (run after everything
 * using it is closed); undefined after skipping where mounting is not allowed
 * (never under CI).
 */
async function smallDisk(t: TestContext, defer: Defer): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-full-disk-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir]);
  } catch (err) {
    return skipOrFail(t, `cannot mount a tmpfs (needs root): ${(err as Error).message.split('\n')[0]}`, err);
  }
  defer(() => run('umount', [dir]));
  return dir;
}

const rec = (n: number): OutRecord => ({ key: Buffer.from(`k${n % 3}`), value: Buffer.concat([Buffer.from(`${n}:`), Buffer.alloc(4_000, n % 256)]) });
const numberOf = (value: Buffer) => Number(value.toString('latin1').split(':')[0]);

test('a full disk refuses produce with a retryable SPOOL_DISK_FULL, corrupts nothing, and the spool recovers when space returns', { timeout: 120_000 }, async (t) => {
  const defer = deferStack(t);
  const disk = await smallDisk(t, defer);
  if (!disk) return;
  const spoolDir = join(disk, 'spool');
  // Most of the disk taken by something else, as on a host where logs filled it.
  const filler = join(disk, 'filler');
  await writeFile(filler, Buffer.alloc(700 * 1024));

  const kafka = new SwitchBus();
  const registry = new Registry();
  const { lines, stream } = lineCollector();
  const bus = new SpoolingBus({
    inner: kafka,
    spool: { directory: spoolDir, maxBytes: 64 * 1024 * 1024, segmentBytes: 64 * 1024, fsync: { mode: 'always' } },
    kafkaTimeoutMs: 200,
    drainBatchRecords: 20,
    drainBatchBytes: 256 * 1024,
    retryBackoffMs: 10,
    maxRetryBackoffMs: 50,
    registry,
    logger: createLogger({ level: 'info', stream }),
  });
  defer(() => bus.close());
  await bus.start();
  const topic = uniqueName('full-disk');
  await bus.ensureTopics([{ topic, partitions: 2 }]);
  kafka.set('refusing');

  const acknowledged: number[] = [];
  let refusal: unknown;
  let n = 0;
  for (; n < 1_000 && refusal === undefined; n++) {
    await bus.produce(topic, [rec(n)]).then(
      () => acknowledged.push(n),
      (err: unknown) => (refusal = err),
    );
  }
  assert.ok(refusal instanceof UnavailableError, `refused with ${String(refusal)}`);
  assert.equal(refusal.code, 'SPOOL_DISK_FULL', refusal.message);
  assert.equal(refusal.exhausted, true, 'receivers answer 429 / RESOURCE_EXHAUSTED');
  assert.ok(acknowledged.length > 20, `${acknowledged.length} records of 4 KB fit in the ~300 KiB left`);
  assert.ok(lines.some((l) => l.includes('spool append failed') && l.includes('ENOSPC')), 'the log says why');
  await assert.rejects(bus.produce(topic, [rec(n++)]), (err: unknown) => err instanceof UnavailableError && err.code === 'SPOOL_DISK_FULL', 'still full');
  const refused = registry.snapshot().find((s) => s.name === 'ocsvc_spool_refused_records_total' && s.labels.reason === 'disk_full');
  assert.equal(refused?.value, 2);

  // Space returns: the spool takes records again, Kafka still down.
  await rm(filler);
  for (const m of [n++, n++, n++]) await bus.produce(topic, [rec(m)]).then(() => acknowledged.push(m));

  // Kafka returns: everything acknowledged arrives, in order.
  const got: ConsumedRecord[] = [];
  kafka.set('up');
  const consumer = bus.consumer({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  defer(() => consumer.close());
  await consumer.start();
  await waitFor(() => got.length >= acknowledged.length, { timeoutMs: 30_000, what: `${acknowledged.length} records` });
  const numbers = got.map((r) => numberOf(r.value));
  assert.deepEqual([...new Set(numbers)].sort((a, b) => a - b), acknowledged);
  for (const key of ['k0', 'k1', 'k2']) {
    const ofKey = got.filter((r) => r.key!.toString() === key).map((r) => numberOf(r.value));
    assert.deepEqual(ofKey, [...ofKey].sort((a, b) => a - b), `key ${key} in order`);
  }
  for (const r of got) assert.ok(r.value.subarray(r.value.indexOf(':') + 1).every((b) => b === numberOf(r.value) % 256), 'values intact');
});

test('a spool cut off by a full disk in the middle of a write recovers with nothing skipped', { timeout: 60_000 }, async (t) => {
  const defer = deferStack(t);
  const disk = await smallDisk(t, defer);
  if (!disk) return;
  const options = { directory: join(disk, 'spool'), maxBytes: 64 * 1024 * 1024, segmentBytes: 100 * 1024, fsync: { mode: 'always' as const }, logger: createLogger({ level: 'error', stream: lineCollector().stream }) };
  const log = new SegmentLog(options);
  await log.open();
  const appended: number[] = [];
  // Appends of odd sizes, several at once, until the disk is full: some writes are cut short.
  for (let i = 0; i < 2_000; i++) {
    const size = 1_000 + ((i * 7919) % 9_000);
    const results = await Promise.allSettled([0, 1, 2].map((j) => log.append([{ topic: 't', key: null, value: Buffer.concat([Buffer.from(`${i * 3 + j}:`), Buffer.alloc(size)]), headers: {} }])));
    results.forEach((r, j) => r.status === 'fulfilled' && appended.push(i * 3 + j));
    if (results.every((r) => r.status === 'rejected')) break;
  }
  assert.ok(log.counters.refusedRecords.disk_full > 0, 'the disk filled');
  await log.close().catch(() => undefined); // the checkpoint may not fit: that is no corruption
  const reopened = new SegmentLog(options);
  await reopened.open();
  defer(() => reopened.close());
  assert.equal(reopened.counters.skippedBytes, 0, 'no partial frame left behind');
  const back = (await reopened.read(1_000_000, 1 << 30)).map((e) => numberOf(e.record.value));
  assert.deepEqual(back, appended);
});
