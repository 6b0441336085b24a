// Start-up of a spool directory: read the checkpoint, scan every segment frame
// by frame, cut each one at its first bad frame (a torn tail after a crash, or
// corruption), count and log what was cut, and drop segments that hold
// nothing still to send. A corrupt tail never stops the service from
// starting: what is before it is kept and sent. Frames are checked (length,
// CRC), not decoded: a body that checks but does not decode is caught when
// the drainer reads it, and skipped the same way.
import { join } from 'node:path';
import type { Logger } from '../telemetry/log.js';
import { CHECKPOINT_TMP_FILE, readCheckpoint } from './checkpoint.js';
import { scanFrames } from './frame-reader.js';
import type { SpoolFs } from './spool-fs.js';

const SEGMENT_NAME = /^(\d{20})\.seg$/;
const SCAN_BATCH_RECORDS = 4_096;
const SCAN_BATCH_BYTES = 4 * 1024 * 1024;

export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`;
}

export interface RecoveredSegment {
  base: number;
  path: string;
  /** Bytes of good frames (the file is cut to this). */
  size: number;
  records: number;
}

export interface Recovery {
  segments: RecoveredSegment[];
  /** Where the drainer starts in the first segment. */
  cursor: { offset: number; index: number };
  /** The sequence number the next new segment may start at. */
  nextBase: number;
  /** Records still to send. */
  records: number;
  skippedBytes: number;
  /** Segments cut at a bad frame. */
  cutSegments: number;
  checkpoint: number;
}

export async function recover(fs: SpoolFs, dir: string, maxBodyBytes: number, log: Logger): Promise<Recovery> {
  const checkpointRead = await readCheckpoint(fs, dir);
  if (checkpointRead.status === 'bad') {
    log.warn('spool checkpoint unreadable; sending the whole spool again', { reason: checkpointRead.reason });
  }
  const checkpoint = checkpointRead.status === 'ok' ? checkpointRead.seq : 0;
  await fs.remove(join(dir, CHECKPOINT_TMP_FILE));

  const names = (await fs.list(dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
  const out: Recovery = { segments: [], cursor: { offset: 0, index: 0 }, nextBase: checkpoint, records: 0, skippedBytes: 0, cutSegments: 0, checkpoint };
  for (const name of names) {
    const base = Number(SEGMENT_NAME.exec(name)![1]);
    const path = join(dir, name);
    const scan = await scanSegment(fs, path, base, checkpoint, maxBodyBytes);
    if (scan.cut) {
      out.skippedBytes += scan.cut.bytes;
      out.cutSegments += 1;
      log.warn('spool segment cut at a bad frame; the bytes after it are skipped', {
        segment: name, offset: scan.size, skippedBytes: scan.cut.bytes, reason: scan.cut.reason, keptRecords: scan.records,
      });
    }
    out.nextBase = Math.max(out.nextBase, base + scan.records, base + 1);
    if (scan.records === 0 || base + scan.records <= checkpoint) {
      await fs.remove(path); // empty, or drained before the restart
      continue;
    }
    if (out.segments.length === 0) {
      out.cursor = scan.cursor;
      out.records += scan.records - scan.cursor.index;
    } else {
      out.records += scan.records;
    }
    out.segments.push({ base, path, size: scan.size, records: scan.records });
  }
  return out;
}

interface SegmentScan {
  size: number;
  records: number;
  /** Where the first record at or past the checkpoint starts. */
  cursor: { offset: number; index: number };
  cut?: { bytes: number; reason: string };
}

async function scanSegment(fs: SpoolFs, path: string, base: number, checkpoint: number, maxBodyBytes: number): Promise<SegmentScan> {
  const file = await fs.open(path, 'write');
  try {
    const fileSize = await file.size();
    const scan: SegmentScan = { size: 0, records: 0, cursor: { offset: 0, index: 0 } };
    const skip = Math.max(0, checkpoint - base);
    for (;;) {
      const run = await scanFrames(file, scan.size, fileSize, { maxRecords: SCAN_BATCH_RECORDS, maxBytes: SCAN_BATCH_BYTES, maxBodyBytes });
      for (const frame of run.frames) {
        if (scan.records === skip) scan.cursor = { offset: frame.offset, index: scan.records };
        scan.records += 1;
        scan.size = frame.offset + frame.bytes;
      }
      if (run.bad) {
        scan.cut = { bytes: fileSize - run.bad.offset, reason: run.bad.reason };
        break;
      }
      if (run.frames.length === 0) break;
    }
    if (scan.records <= skip) scan.cursor = { offset: scan.size, index: scan.records };
    // Cut the bad tail off, so it is reported once and new frames never follow garbage.
    // A failure to cut is no reason not to start: new frames go to new segments anyway.
    if (scan.cut) await file.truncate(scan.size).catch(() => undefined);
    return scan;
  } finally {
    await file.close();
  }
}
