// Reads consecutive frames from a byte range of a segment file, in chunks, for
// recovery (every frame of a segment) and for the drainer (a batch from its
// position). It stops at the first frame that is bad or runs past the range,
// and says where and why, so that the caller can skip the rest.
import { checkFrame, parseFrame, type FrameCheck, type SpoolRecord } from './frame.js';
import type { SpoolFile } from './spool-fs.js';

const CHUNK_BYTES = 1024 * 1024;

export interface ReadFrame {
  record: SpoolRecord;
  /** Where the frame starts in the file. */
  offset: number;
  bytes: number;
}

export interface FrameRun {
  frames: ReadFrame[];
  /** The first frame that could not be read: corrupt, or torn (runs past `end`). */
  bad?: { offset: number; reason: string };
}

export interface FrameLimits {
  maxRecords: number;
  /** Stop before a frame that would pass this many bytes (the first frame is always taken). */
  maxBytes: number;
  /** The largest frame body accepted (a corrupt length must not make us allocate it). */
  maxBodyBytes: number;
}

/** Decoded frames, for the drainer. */
export function readFrames(file: SpoolFile, from: number, end: number, limits: FrameLimits): Promise<FrameRun> {
  return walk(file, from, end, limits, parseFrame, (parsed, offset) => ({ record: parsed.record, offset, bytes: parsed.bytes }));
}

export interface FrameSpan {
  offset: number;
  bytes: number;
}

/** Checked but not decoded frames, for recovery: where each frame is, and where the first bad one is. */
export function scanFrames(file: SpoolFile, from: number, end: number, limits: FrameLimits): Promise<{ frames: FrameSpan[]; bad?: FrameRun['bad'] }> {
  return walk(file, from, end, limits, checkFrame, (checked, offset) => ({ offset, bytes: checked.bytes }));
}

type Ok<P> = Extract<P, { status: 'ok' }>;

async function walk<P extends FrameCheck, F>(
  file: SpoolFile,
  from: number,
  end: number,
  limits: FrameLimits,
  parse: (buf: Buffer, offset: number, maxBodyBytes: number) => P,
  frame: (parsed: Ok<P>, offset: number) => F,
): Promise<{ frames: F[]; bad?: FrameRun['bad'] }> {
  const frames: F[] = [];
  let buf = Buffer.alloc(0);
  let bufStart = from;
  let pos = from;
  let total = 0;
  while (pos < end && frames.length < limits.maxRecords) {
    const parsed: FrameCheck = parse(buf, pos - bufStart, limits.maxBodyBytes);
    if (parsed.status === 'ok') {
      if (frames.length > 0 && total + parsed.bytes > limits.maxBytes) break;
      frames.push(frame(parsed as Ok<P>, pos));
      pos += parsed.bytes;
      total += parsed.bytes;
      continue;
    }
    if (parsed.status === 'bad') return { frames, bad: { offset: pos, reason: parsed.reason } };
    if (pos + parsed.need > end) return { frames, bad: { offset: pos, reason: `torn frame: ${end - pos} of ${parsed.need}+ bytes present` } };
    // Read on from the start of this frame: the whole frame, and a chunk more when it is small.
    const want = Math.min(end - pos, Math.max(parsed.need, CHUNK_BYTES));
    buf = Buffer.allocUnsafe(want);
    bufStart = pos;
    const got = await readFully(file, buf, pos);
    if (got < want) {
      // The file is shorter than the range we were told about.
      buf = buf.subarray(0, got);
      if (got < parsed.need) return { frames, bad: { offset: pos, reason: `torn frame: the file ends ${got} bytes in` } };
    }
  }
  return { frames };
}

async function readFully(file: SpoolFile, into: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const n = await file.read(into.subarray(done), position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}
