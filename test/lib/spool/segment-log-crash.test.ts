// Crash recovery as a property: any sequence of appends (several at once, so
// that batches share a write and an fsync) and acknowledged drains, stopped by
// a crash at any byte written, recovers a contiguous run of the appended
// records, each exactly as appended, starting no later than the first record
// not acknowledged as drained, and holding every append that resolved.
//
// Two crash models: the process dies (every byte it wrote survives: the
// kernel had it; the write in progress is torn), or the machine loses power
// (what was not fsynced may be lost from any point, even with a run of zeros
// in it). Under a power loss only the `always` policy promises that resolved
// appends survive; the rest holds for both policies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FsyncPolicy } from '../../../lib/spool/segment-log.js';
import { UnavailableError } from '../../../lib/errors.js';
import { SegmentLog } from '../../../lib/spool/segment-log.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { CrashError, MemoryFs } from '../../helpers/memory-fs.js';
import { assertSameRecord, numbered, numberOf } from './arbitraries.js';
import { DIR, lineCollector } from './helpers.js';

type Op = { kind: 'append'; sizes: number[][] } | { kind: 'drain'; max: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.array(fc.integer({ min: 4, max: 180 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }).map((sizes) => ({ kind: 'append' as const, sizes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((max) => ({ kind: 'drain' as const, max })) },
);

const scenarioArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 25 }),
  fsync: fc.constantFrom<FsyncPolicy>({ mode: 'always' }, { mode: 'interval', intervalMs: 3_600_000 }),
  model: fc.constantFrom('process' as const, 'power' as const),
  segmentBytes: fc.integer({ min: 150, max: 900 }),
  crashAfterBytes: fc.nat(9_000),
  losses: fc.array(fc.record({ keep: fc.double({ min: 0, max: 1, noNaN: true }), zeroAt: fc.double({ min: 0, max: 1, noNaN: true }), zeroLength: fc.nat(40) }), { minLength: 8, maxLength: 8 }),
});

function silentLogger() {
  return createLogger({ level: 'error', stream: lineCollector().stream });
}

test('after a crash at any byte, recovery gives a contiguous, uncorrupted run of the appends that keeps every acknowledged one', async () => {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (s) => {
      const fs = new MemoryFs({ crashAfterBytes: s.crashAfterBytes });
      const options = { directory: DIR, maxBytes: 1024 * 1024, segmentBytes: s.segmentBytes, fsync: s.fsync, logger: silentLogger() };
      const log = new SegmentLog({ ...options, fs });
      await log.open();
      const appended = [] as ReturnType<typeof numbered>[];
      const acknowledged: number[] = [];
      // Records Kafka took: the drainer acknowledges them to the log (ack). An ack the
      // crash interrupted may or may not have taken effect: both are right.
      let drained = 0;
      for (const op of s.ops) {
        if (fs.crashed) break;
        if (op.kind === 'append') {
          // Issued together: they go to the disk in one batch.
          const calls = op.sizes.map((sizes) => {
            const first = appended.length;
            const records = sizes.map((size, i) => numbered(first + i, size, (first + i) % 3 === 0 ? 'metrics' : 'spans'));
            appended.push(...records);
            return log.append(records).then(
              () => acknowledged.push(...records.map((_, i) => first + i)),
              (err: unknown) => assert.ok(err instanceof CrashError || fs.crashed, `an append failed with ${String(err)} before any crash`),
            );
          });
          await Promise.all(calls);
        } else {
          try {
            const entries = await log.read(op.max, 1024 * 1024);
            if (entries.length === 0) continue;
            assert.deepEqual(entries.map((e) => numberOf(e.record)), entries.map((_, i) => drained + i), 'the drainer reads in order from its position');
            drained += entries.length;
            await log.ack(entries.at(-1)!.next);
          } catch (err) {
            assert.ok(err instanceof CrashError, String(err));
          }
        }
      }
      // No close: the process is gone.
      let loss = 0;
      const after = fs.afterCrash(s.model, (unsynced) => {
        const l = s.losses[loss++ % s.losses.length]!;
        const zeroFrom = Math.floor(l.zeroAt * unsynced);
        return { keep: Math.floor(l.keep * (unsynced + 1)), zeroFrom, zeroTo: zeroFrom + l.zeroLength };
      });
      const recovered = new SegmentLog({ ...options, fs: after, logger: silentLogger() });
      await recovered.open();
      const entries = await recovered.read(1_000_000, 1 << 30);
      const got = entries.map((e) => numberOf(e.record));
      entries.forEach((e, j) => assertSameRecord(e.record, appended[got[j]!]!, `recovered record ${got[j]}`));
      got.forEach((n, j) => assert.equal(n, got[0]! + j, `contiguous: ${JSON.stringify(got)}`));
      const start = got[0] ?? Infinity;
      const end = got.length > 0 ? got.at(-1)! + 1 : -Infinity;
      assert.ok(end <= appended.length);
      if (got.length > 0) assert.ok(start <= drained, `recovered from ${start}, but only ${drained} were drained`);
      if (s.model === 'process' || s.fsync.mode === 'always') {
        for (const n of acknowledged) {
          if (n >= drained) assert.ok(n >= start && n < end, `acknowledged record ${n} lost (recovered ${start}..${end}, drained ${drained})`);
        }
      }
      // And the recovered log takes new appends after what it holds.
      const next = numbered(appended.length);
      await recovered.append([next]);
      const all = await recovered.read(1_000_000, 1 << 30);
      assertSameRecord(all.at(-1)!.record, next, 'a new append after recovery');
      await recovered.close();
    }),
    { numRuns: Number(process.env.OCSVC_SPOOL_CRASH_RUNS ?? 400) },
  );
});

test('a disk that fills at any byte: refused appends leave nothing behind, and once space returns the spool holds exactly the acknowledged records', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.array(fc.integer({ min: 4, max: 180 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 20 }),
      fc.nat(5_000),
      fc.nat(20),
      fc.integer({ min: 150, max: 900 }),
      async (groups, capacityBytes, spaceReturnsAt, segmentBytes) => {
        const fs = new MemoryFs({ capacityBytes });
        const options = { directory: DIR, maxBytes: 1024 * 1024, segmentBytes, fsync: { mode: 'always' as const }, logger: silentLogger() };
        const log = new SegmentLog({ ...options, fs });
        await log.open();
        const acknowledged: ReturnType<typeof numbered>[] = [];
        let n = 0;
        for (const [i, group] of groups.entries()) {
          if (i === spaceReturnsAt) fs.capacityBytes = Infinity;
          await Promise.all(
            group.map((sizes) => {
              const records = sizes.map((size) => numbered(n++, size));
              return log.append(records).then(
                () => acknowledged.push(...records),
                (err: unknown) => assert.ok(err instanceof UnavailableError && err.code === 'SPOOL_DISK_FULL' && err.exhausted, String(err)),
              );
            }),
          );
        }
        assert.deepEqual((await log.read(1_000_000, 1 << 30)).map((e) => numberOf(e.record)), acknowledged.map(numberOf), 'read back before a restart');
        fs.capacityBytes = Infinity;
        await log.close();
        const reopened = new SegmentLog({ ...options, fs });
        await reopened.open();
        const entries = await reopened.read(1_000_000, 1 << 30);
        assert.deepEqual(entries.map((e) => numberOf(e.record)), acknowledged.map(numberOf), 'after a restart');
        entries.forEach((e, j) => assertSameRecord(e.record, acknowledged[j]!));
        assert.equal(reopened.counters.skippedBytes, 0, 'no partial frame was left anywhere');
        await reopened.close();
      },
    ),
    { numRuns: 200 },
  );
});
