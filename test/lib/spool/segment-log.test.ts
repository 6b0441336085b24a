// The segment log: appends are durable when they resolve and read back in
// order; segments roll and are deleted once drained; a restart resumes at the
// checkpoint; recovery cuts a torn or corrupt tail and keeps everything else;
// the bound and a full disk refuse with retryable errors and corrupt nothing.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidInputError, UnavailableError } from '../../../lib/errors.js';
import { parseCheckpoint } from '../../../lib/spool/checkpoint.js';
import { encodeFrame } from '../../../lib/spool/frame.js';
import { segmentName } from '../../../lib/spool/recovery.js';
import { MemoryFs } from '../../helpers/memory-fs.js';
import { assertSameRecord, numbered, numberOf } from './arbitraries.js';
import { DIR, drainAll, openLog, peekAll, tempDir } from './helpers.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const segmentFiles = (fs: MemoryFs) => [...fs.files.keys()].filter((p) => p.endsWith('.seg')).sort();

function isRefusal(code: string, exhausted: boolean) {
  return (err: unknown) => {
    assert.ok(err instanceof UnavailableError, `expected UnavailableError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.exhausted, exhausted);
    assert.equal(err.retryable, true);
    return true;
  };
}

test('appended records read back in order with their content, and acknowledged ones are not read again', async (t) => {
  const { log } = await openLog(t, { fs: new MemoryFs() });
  const records = range(0, 10).map((n) => numbered(n));
  await log.append(records.slice(0, 4));
  await log.append(records.slice(4));
  assert.equal(log.pending, 10);
  const first = await log.read(3, 1 << 20);
  assert.deepEqual(first.map((e) => numberOf(e.record)), [0, 1, 2]);
  assert.deepEqual((await log.read(3, 1 << 20)).map((e) => numberOf(e.record)), [0, 1, 2], 'read does not move the position; ack does');
  await log.ack(first.at(-1)!.next);
  assert.equal(log.pending, 7);
  const rest = await drainAll(log);
  rest.forEach((r, i) => assertSameRecord(r, records[i + 3]!, `record ${i + 3}`));
  assert.equal(log.pending, 0);
});

test('a read stops at maxBytes but always returns at least one record', async (t) => {
  const { log } = await openLog(t, { fs: new MemoryFs(), segmentBytes: 64 * 1024 });
  await log.append(range(0, 5).map((n) => numbered(n, 1_000)));
  assert.equal((await log.read(100, 2_500)).length, 2);
  assert.equal((await log.read(100, 10)).length, 1);
});

test('segments roll at segmentBytes, and each is deleted once everything in it is acknowledged', async (t) => {
  const fs = new MemoryFs();
  const { log } = await openLog(t, { fs, segmentBytes: 400 });
  for (const n of range(0, 20)) await log.append([numbered(n, 100)]);
  const files = segmentFiles(fs);
  assert.ok(files.length >= 6, `20 frames of ~150 bytes in segments of 400: ${files.length} segments`);
  for (const f of files) assert.ok(fs.files.get(f)!.data.length <= 400, `${f} stays within segmentBytes`);
  assert.equal(log.segmentCount, files.length);
  const some = await log.read(7, 1 << 20);
  await log.ack(some.at(-1)!.next);
  assert.ok(segmentFiles(fs).length < files.length, 'fully drained segments are gone');
  assert.deepEqual(segmentFiles(fs), files.slice(files.length - segmentFiles(fs).length), 'the oldest went first');
  assert.deepEqual((await drainAll(log)).map(numberOf), range(7, 20));
  assert.deepEqual(segmentFiles(fs), [], 'a fully drained spool holds no segment, not even the one last written');
  assert.equal(log.bytes, 0);
  await log.append([numbered(20)]);
  assert.deepEqual((await drainAll(log)).map(numberOf), [20], 'appends after a full drain start a new segment');
});

test('a restart resumes after the last acknowledged record (checkpoint), after a clean close and after a crash', async (t) => {
  const fs = new MemoryFs();
  const first = await openLog(undefined, { fs, segmentBytes: 300 });
  await first.log.append(range(0, 12).map((n) => numbered(n)));
  const batch = await first.log.read(5, 1 << 20);
  await first.log.ack(batch.at(-1)!.next);
  await first.log.close();
  const checkpoint = parseCheckpoint(fs.files.get(join(DIR, 'checkpoint'))!.data.toString('latin1'));
  assert.deepEqual(checkpoint, { status: 'ok', seq: 5 });

  const second = await openLog(undefined, { fs, segmentBytes: 300 });
  assert.equal(second.log.pending, 7);
  assert.equal(second.log.counters.recoveredRecords, 7);
  const more = await second.log.read(4, 1 << 20);
  assert.deepEqual(more.map((e) => numberOf(e.record)), [5, 6, 7, 8]);
  await second.log.ack(more.at(-1)!.next);
  // No close: what a new process finds after kill -9.
  const third = await openLog(t, { fs: fs.afterCrash('process'), segmentBytes: 300 });
  assert.deepEqual((await drainAll(third.log)).map(numberOf), [9, 10, 11]);
});

test('a torn final frame is cut at recovery: the frames before it are kept, the cut is counted and logged once', async (t) => {
  const fs = new MemoryFs();
  const first = await openLog(undefined, { fs, segmentBytes: 64 * 1024 });
  await first.log.append(range(0, 5).map((n) => numbered(n)));
  const [file] = segmentFiles(fs);
  const data = fs.files.get(file!)!;
  const frameBytes = data.data.length / 5;
  data.data = data.data.subarray(0, data.data.length - 7); // a crash in the middle of the last write

  const crashed = fs.afterCrash('process');
  const second = await openLog(undefined, { fs: crashed, segmentBytes: 64 * 1024 });
  assert.deepEqual((await peekAll(second.log)).map(numberOf), [0, 1, 2, 3]);
  assert.equal(second.log.counters.skippedBytes, frameBytes - 7);
  assert.equal(second.log.counters.cutSegments, 1);
  assert.ok(second.lines.some((l) => l.includes('spool segment cut at a bad frame') && l.includes('torn frame')), second.lines.join(''));
  await second.log.close();

  const third = await openLog(t, { fs: crashed, segmentBytes: 64 * 1024 });
  assert.equal(third.log.counters.skippedBytes, 0, 'the torn bytes were cut off the file: not reported again');
  assert.deepEqual((await peekAll(third.log)).map(numberOf), [0, 1, 2, 3]);
});

test('a flipped byte in the middle of a segment loses the rest of that segment only; other segments are intact', async (t) => {
  const fs = new MemoryFs();
  const first = await openLog(undefined, { fs, segmentBytes: 500 });
  for (const n of range(0, 30)) await first.log.append([numbered(n)]);
  await first.log.close();
  const files = segmentFiles(fs);
  assert.ok(files.length >= 3);
  const victim = fs.files.get(files[1]!)!.data;
  const frameBytes = encodeFrame(numbered(0)).length;
  const perSegment = victim.length / frameBytes;
  assert.equal(fs.files.get(files[0]!)!.data.length, victim.length, 'equal segments');
  // The third frame of the second segment: its value.
  victim[2 * frameBytes + 30] = victim[2 * frameBytes + 30]! ^ 0x40;

  const { log, lines } = await openLog(t, { fs, segmentBytes: 500 });
  const got = (await peekAll(log)).map(numberOf);
  const lost = range(perSegment + 2, 2 * perSegment);
  assert.deepEqual(got, range(0, 30).filter((n) => !lost.includes(n)));
  assert.equal(log.counters.skippedBytes, victim.length - 2 * frameBytes);
  assert.equal(log.counters.cutSegments, 1);
  assert.ok(lines.some((l) => l.includes('checksum mismatch')));
});

test('a frame that reads back corrupt while running: the rest of its segment is skipped, counted and logged, and the drain goes on', async (t) => {
  const fs = new MemoryFs();
  const { log, lines } = await openLog(t, { fs, segmentBytes: 500 });
  for (const n of range(0, 12)) await log.append([numbered(n)]);
  const [first] = segmentFiles(fs);
  const frameBytes = encodeFrame(numbered(0)).length;
  const data = fs.files.get(first!)!.data;
  const perSegment = data.length / frameBytes;
  data[frameBytes + 20] = data[frameBytes + 20]! ^ 1; // the second frame of the first segment: the disk changed it
  const entries = await log.read(100, 1 << 20);
  assert.deepEqual(entries.map((e) => numberOf(e.record)), [0], 'stops before the bad frame');
  await log.ack(entries.at(-1)!.next);
  const rest = await drainAll(log);
  assert.deepEqual(rest.map(numberOf), range(perSegment, 12), 'the other segments are sent');
  assert.equal(log.counters.skippedBytes, data.length - frameBytes);
  assert.equal(log.pending, 0, 'the lost records are not waited for');
  assert.ok(lines.some((l) => l.includes('spool segment reads back corrupt')));
});

test('segments and records left from before the checkpoint are not sent again; an empty segment is removed, other files are left alone', async (t) => {
  const fs = new MemoryFs();
  const first = await openLog(undefined, { fs, segmentBytes: 300 });
  await first.log.append(range(0, 10).map((n) => numbered(n)));
  const entries = await first.log.read(6, 1 << 20);
  // The checkpoint moves, but the process dies before the segments behind it are deleted.
  const before = new Map([...fs.files].map(([p, f]) => [p, Buffer.from(f.data)]));
  await first.log.ack(entries.at(-1)!.next);
  const crashed = fs.afterCrash('process');
  for (const [p, data] of before) if (p.endsWith('.seg')) crashed.files.set(p, { data, synced: data.length });
  crashed.files.set(join(DIR, 'README'), { data: Buffer.from('hello'), synced: 5 });
  const empty = join(DIR, segmentName(1_000)); // created, then the process died before writing to it
  crashed.files.set(empty, { data: Buffer.alloc(0), synced: 0 });
  const { log } = await openLog(t, { fs: crashed, segmentBytes: 300 });
  assert.deepEqual((await drainAll(log)).map(numberOf), [6, 7, 8, 9]);
  assert.ok(crashed.files.has(join(DIR, 'README')));
  assert.ok(!crashed.files.has(empty));
});

test('an unreadable checkpoint sends the whole spool again rather than skipping anything', async (t) => {
  const fs = new MemoryFs();
  const first = await openLog(undefined, { fs });
  await first.log.append(range(0, 4).map((n) => numbered(n)));
  const entries = await first.log.read(2, 1 << 20);
  await first.log.ack(entries.at(-1)!.next);
  await first.log.close();
  fs.files.get(join(DIR, 'checkpoint'))!.data = Buffer.from('ocsvc-spool-checkpoint 1 3 deadbeef\n');
  const { log, lines } = await openLog(t, { fs });
  assert.deepEqual((await peekAll(log)).map(numberOf), [0, 1, 2, 3]);
  assert.ok(lines.some((l) => l.includes('checkpoint unreadable')));
});

test('past maxBytes an append is refused at once (SPOOL_FULL, exhausted), writes nothing, and is taken again after a drain', async (t) => {
  const fs = new MemoryFs();
  const { log } = await openLog(t, { fs, maxBytes: 2_000, segmentBytes: 1_000, retryAfterMs: 750 });
  const big = (n: number) => numbered(n, 400);
  await log.append([big(0), big(1), big(2), big(3)]);
  const used = fs.usedBytes();
  await assert.rejects(log.append([big(4)]), (err: unknown) => isRefusal('SPOOL_FULL', true)(err) && (err as UnavailableError).retryAfterMs === 750);
  assert.equal(fs.usedBytes(), used, 'nothing written');
  assert.equal(log.counters.refusedRecords.full, 1);
  await drainAll(log);
  await log.append([big(4)]);
  assert.deepEqual((await drainAll(log)).map(numberOf), [4]);
});

test('an append that can never fit is refused for good (InvalidInputError)', async (t) => {
  const { log } = await openLog(t, { fs: new MemoryFs(), maxBytes: 1_000, segmentBytes: 500 });
  await assert.rejects(log.append([numbered(0, 2_000)]), InvalidInputError);
});

test('a full disk refuses the append (SPOOL_DISK_FULL, exhausted) without leaving a partial frame, and appends work again once there is room', async (t) => {
  const fs = new MemoryFs();
  const { log, lines } = await openLog(t, { fs, segmentBytes: 64 * 1024 });
  await log.append(range(0, 3).map((n) => numbered(n, 100)));
  const [file] = segmentFiles(fs);
  const good = fs.files.get(file!)!.data.length;
  fs.capacityBytes = fs.usedBytes() + 150; // the next two frames do not fit: the write is cut short
  await assert.rejects(log.append([numbered(3, 100), numbered(4, 100)]), isRefusal('SPOOL_DISK_FULL', true));
  assert.equal(fs.files.get(file!)!.data.length, good, 'the partial write was cut off');
  assert.equal(log.counters.refusedRecords.disk_full, 2);
  assert.ok(lines.some((l) => l.includes('spool append failed')));
  await assert.rejects(log.append([numbered(3, 100), numbered(4, 100)]), isRefusal('SPOOL_DISK_FULL', true), 'still full');
  fs.capacityBytes = Infinity; // space returns
  await log.append([numbered(3, 100), numbered(4, 100)]);
  assert.deepEqual((await peekAll(log)).map(numberOf), [0, 1, 2, 3, 4]);
  const restarted = await openLog(t, { fs: fs.afterCrash('power'), segmentBytes: 64 * 1024 });
  assert.equal(restarted.log.counters.skippedBytes, 0, 'no corruption');
  assert.deepEqual((await peekAll(restarted.log)).map(numberOf), [0, 1, 2, 3, 4]);
});

test('when a failed append cannot even be cut back, the segment is closed and the next appends go to a new one', async (t) => {
  let failTruncate = true;
  const fs = new MemoryFs({ inject: (op) => (op === 'truncate' && failTruncate ? 'EIO' : undefined) });
  const { log } = await openLog(undefined, { fs, segmentBytes: 64 * 1024 });
  await log.append([numbered(0, 100)]);
  fs.capacityBytes = fs.usedBytes() + 50;
  await assert.rejects(log.append([numbered(1, 100)]), isRefusal('SPOOL_DISK_FULL', true));
  fs.capacityBytes = Infinity;
  await log.append([numbered(2, 100)]);
  assert.equal(segmentFiles(fs).length, 2, 'a new segment after the one with garbage at its end');
  assert.deepEqual((await peekAll(log)).map(numberOf), [0, 2], 'the garbage is never read');
  await log.close();
  failTruncate = false;
  const restarted = await openLog(t, { fs, segmentBytes: 64 * 1024 });
  assert.deepEqual((await peekAll(restarted.log)).map(numberOf), [0, 2]);
  assert.equal(restarted.log.counters.skippedBytes, 50, 'recovery cuts the partial frame');
});

test('a failed fsync refuses the whole batch (SPOOL_IO_ERROR, not exhausted) and takes it back', async (t) => {
  let failSync = false;
  const fs = new MemoryFs({ inject: (op) => (op === 'sync' && failSync ? 'EIO' : undefined) });
  const { log } = await openLog(t, { fs, segmentBytes: 64 * 1024 });
  await log.append([numbered(0)]);
  failSync = true;
  await assert.rejects(log.append([numbered(1)]), isRefusal('SPOOL_IO_ERROR', false));
  failSync = false;
  await log.append([numbered(2)]);
  assert.deepEqual((await peekAll(log)).map(numberOf), [0, 2]);
});

test('fsync always: an append resolves only once its bytes are synced, and concurrent appends share syncs', async (t) => {
  let syncs = 0;
  const fs = new MemoryFs({ inject: (op) => void (op === 'sync' && syncs++) });
  const { log } = await openLog(t, { fs, segmentBytes: 1024 * 1024 });
  await Promise.all(
    range(0, 50).map(async (n) => {
      await log.append([numbered(n)]);
      const [file] = segmentFiles(fs);
      const f = fs.files.get(file!)!;
      assert.ok(f.synced >= (n + 1) * (f.data.length / 50) || f.synced === f.data.length, `record ${n} acknowledged before it was synced`);
    }),
  );
  assert.ok(syncs < 50, `group commit: ${syncs} syncs for 50 appends`);
  assert.deepEqual((await peekAll(log)).map(numberOf), range(0, 50));
});

test('fsync interval: an append resolves once written, and the data is synced within the interval', async (t) => {
  const fs = new MemoryFs();
  const { log } = await openLog(t, { fs, fsync: { mode: 'interval', intervalMs: 20 } });
  await log.append([numbered(0)]);
  const [file] = segmentFiles(fs);
  const f = fs.files.get(file!)!;
  assert.equal(f.synced, 0, 'not synced when acknowledged');
  const deadline = Date.now() + 5_000;
  while (f.synced < f.data.length) {
    assert.ok(Date.now() < deadline, 'synced within the interval');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});

test('on a real directory: appends, a torn tail cut at restart, and the lock that keeps a second process out', async (t) => {
  const dir = await tempDir(t);
  const first = await openLog(undefined, { directory: dir, segmentBytes: 64 * 1024 });
  await first.log.append(range(0, 5).map((n) => numbered(n)));
  const locked = (err: unknown) => err instanceof UnavailableError && err.code === 'SPOOL_LOCKED';
  await assert.rejects(openLog(undefined, { directory: dir }), locked, 'a second log in this process');
  await first.log.close();
  await writeFile(join(dir, 'LOCK'), `${process.ppid}\n`); // another process that is alive: the test runner
  await assert.rejects(openLog(undefined, { directory: dir }), locked, 'a log of another live process');
  const [segment] = (await readdir(dir)).filter((n) => n.endsWith('.seg'));
  const path = join(dir, segment!);
  const size = (await stat(path)).size;
  await truncate(path, size - 3);
  await writeFile(join(dir, 'LOCK'), '999999999\n'); // a lock left by a process that is gone
  const second = await openLog(t, { directory: dir, segmentBytes: 64 * 1024 });
  assert.deepEqual((await drainAll(second.log)).map(numberOf), [0, 1, 2, 3]);
  assert.equal(second.log.counters.skippedBytes, size / 5 - 3);
  assert.match(await readFile(join(dir, 'checkpoint'), 'utf8'), /^ocsvc-spool-checkpoint 1 \d+ [0-9a-f]+\n$/);
});
