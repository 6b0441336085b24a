// The spool's on-disk log: append-only segment files named by the sequence
// number of their first record, each record one checksummed frame (frame.ts),
// a checkpoint of how far Kafka has acknowledged (checkpoint.ts), and
// recovery at start-up (recovery.ts).
//
// One writer loop does every write, sync, truncation and roll, taking all the
// appends that queued while the previous batch was on its way to the disk
// (group commit: one fsync serves many produce calls). An append resolves
// once its frames are durable by the fsync policy:
//   always:   written and fdatasync'ed (and the directory synced when a new
//             segment was created) before it resolves;
//   interval: written to the operating system before it resolves; synced
//             every intervalMs by the same loop.
// A batch that fails to write (ENOSPC, EIO) or to sync is taken back: the
// segment is truncated to what was acknowledged before, every append of the
// batch is refused with a retryable error, and nothing half-written is ever
// read. If even the truncation fails, the segment is closed for appends at
// its acknowledged length and recovery cuts the garbage after it.
//
// One reader, the drainer, reads acknowledged frames in order from its
// position and acknowledges what Kafka took (ack); segments wholly behind it
// are deleted, and the checkpoint is rewritten.
import { join } from 'node:path';
import { InvalidInputError, UnavailableError } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { writeCheckpoint } from './checkpoint.js';
import { encodeFrame, type SpoolRecord } from './frame.js';
import { readFrames } from './frame-reader.js';
import { recover, segmentName } from './recovery.js';
import { nodeSpoolFs, type SpoolFile, type SpoolFs } from './spool-fs.js';

/** Appends are written together up to this many bytes per write call. */
const MAX_WRITE_BYTES = 8 * 1024 * 1024;

export type FsyncPolicy = { mode: 'always' } | { mode: 'interval'; intervalMs: number };

export interface SegmentLogOptions {
  directory: string;
  /** Bound on the segment files' bytes; appends past it are refused (SPOOL_FULL). */
  maxBytes: number;
  /** A segment is closed for appends once the next append would take it past this (at most maxBytes). */
  segmentBytes: number;
  fsync: FsyncPolicy;
  /** The delay suggested to refused senders. Default 1 s. */
  retryAfterMs?: number;
  fs?: SpoolFs;
  logger?: Logger;
}

/** A point in the log: the segment (its base) and the frame's offset and index in it. */
export interface Position {
  segment: number;
  offset: number;
  index: number;
}

export interface LogEntry {
  record: SpoolRecord;
  /** The position after this record: ack(next) acknowledges it and everything before it. */
  next: Position;
}

export interface SpoolCounters {
  appendedRecords: number;
  appendedBytes: number;
  drainedRecords: number;
  refusedRecords: { full: number; disk_full: number; io_error: number };
  recoveredRecords: number;
  skippedBytes: number;
  cutSegments: number;
  syncErrors: number;
}

interface Segment {
  base: number;
  path: string;
  /** Bytes written; beyond `committed` only while a batch is on its way. */
  size: number;
  records: number;
  /** What appends were answered for: the drainer reads only this far. */
  committed: number;
  committedRecords: number;
  /** Open for appends: only the active segment, and one closed during the running batch. */
  writer?: SpoolFile;
  reader?: SpoolFile;
  synced: number;
}

interface Append {
  frames: Buffer[];
  bytes: number;
  count: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class SegmentLog {
  readonly counters: SpoolCounters = {
    appendedRecords: 0, appendedBytes: 0, drainedRecords: 0,
    refusedRecords: { full: 0, disk_full: 0, io_error: 0 },
    recoveredRecords: 0, skippedBytes: 0, cutSegments: 0, syncErrors: 0,
  };
  readonly close: () => Promise<void>;
  /** Called whenever there is something new to read (wakes the drainer). */
  onCommit: () => void = () => undefined;
  /** Counts those calls, so a reader can tell whether one happened while it read. */
  commits = 0;
  private readonly fs: SpoolFs;
  private readonly log: Logger;
  private readonly retryAfterMs: number;
  private readonly segmentBytes: number;
  /** segments[0] is where the drainer is; later ones follow in order; the last may be active. */
  private segments: Segment[] = [];
  private active: Segment | undefined;
  private cursor = { offset: 0, index: 0 };
  private nextBase = 0;
  private undrained = 0;
  private queue: Append[] = [];
  private pendingBytes = 0;
  private pendingRecords = 0;
  private working = false;
  private syncDue = false;
  private dirDirty = false;
  private retireDue = false;
  private readonly cuts = new Map<Segment, { offset: number; index: number; reason: string }>();
  private idle: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private release: (() => Promise<void>) | undefined;
  private state: 'new' | 'open' | 'closing' = 'new';

  constructor(private readonly o: SegmentLogOptions) {
    this.segmentBytes = Math.min(o.segmentBytes, o.maxBytes); // a segment larger than the spool could never be filled
    this.fs = o.fs ?? nodeSpoolFs;
    this.log = o.logger ?? createLogger({ level: 'warn', stream: process.stderr, bindings: { component: 'spool' } });
    this.retryAfterMs = o.retryAfterMs ?? 1_000;
    this.close = closeOnce(() => this.doClose());
  }

  /** Locks the directory and recovers what it holds. */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error('segment log opened twice');
    await this.fs.mkdir(this.o.directory);
    this.release = await this.fs.lock(this.o.directory);
    try {
      const r = await recover(this.fs, this.o.directory, this.o.maxBytes, this.log);
      this.segments = r.segments.map((s) => ({ ...s, committed: s.size, committedRecords: s.records, synced: s.size }));
      this.cursor = r.cursor;
      this.nextBase = r.nextBase;
      this.undrained = r.records;
      Object.assign(this.counters, { recoveredRecords: r.records, skippedBytes: r.skippedBytes, cutSegments: r.cutSegments });
      if (r.records > 0 || r.skippedBytes > 0) {
        this.log.info('spool recovered', { records: r.records, segments: r.segments.length, skippedBytes: r.skippedBytes, directory: this.o.directory });
      }
    } catch (err) {
      await this.release().catch(() => undefined);
      throw err;
    }
    this.state = 'open';
    if (this.o.fsync.mode === 'interval') {
      this.timer = setInterval(() => {
        this.syncDue = true;
        this.kick();
      }, this.o.fsync.intervalMs);
      this.timer.unref();
    }
  }

  /** Records appended and not yet acknowledged by the drainer, including appends still being written. */
  get pending(): number {
    return this.undrained + this.pendingRecords;
  }

  /** Records the drainer can read now. */
  get readable(): number {
    return this.undrained;
  }

  /** Bytes of the segment files. */
  get bytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends the records as one unit; resolves once they are durable (by the
   * fsync policy). Refuses at once, writing nothing, when they would take the
   * spool past maxBytes. Enqueues synchronously: appends are written in the
   * order of the calls.
   */
  append(records: SpoolRecord[]): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new UnavailableError('spool closed', { code: 'SPOOL_CLOSED' }));
    if (records.length === 0) return Promise.resolve();
    let frames: Buffer[];
    try {
      frames = records.map(encodeFrame);
    } catch (err) {
      return Promise.reject(err);
    }
    let bytes = 0;
    for (const f of frames) bytes += f.length;
    if (bytes > this.o.maxBytes) {
      return Promise.reject(new InvalidInputError(`${bytes} bytes of records can never fit in the spool (maxBytes ${this.o.maxBytes})`, { code: 'SPOOL_RECORD_TOO_LARGE' }));
    }
    if (this.committedBytes() + this.pendingBytes + bytes > this.o.maxBytes) {
      this.counters.refusedRecords.full += records.length;
      return Promise.reject(new UnavailableError(`spool full (${this.o.maxBytes} bytes); Kafka is not taking records fast enough`, {
        code: 'SPOOL_FULL', exhausted: true, retryAfterMs: this.retryAfterMs,
      }));
    }
    this.pendingBytes += bytes;
    this.pendingRecords += records.length;
    return new Promise((resolve, reject) => {
      this.queue.push({ frames, bytes, count: records.length, resolve, reject });
      this.kick();
    });
  }

  /** Up to maxRecords acknowledged records from the drainer's position (maxBytes unless that leaves none). */
  async read(maxRecords: number, maxBytes: number): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    let from = { ...this.cursor };
    let bytes = 0;
    for (let i = 0; i < this.segments.length && out.length < maxRecords && (out.length === 0 || bytes < maxBytes); i++) {
      const seg = this.segments[i]!;
      if (i > 0) from = { offset: 0, index: 0 };
      if (from.offset >= seg.committed) continue;
      seg.reader ??= await this.fs.open(seg.path, 'read');
      const run = await readFrames(seg.reader, from.offset, seg.committed, {
        maxRecords: maxRecords - out.length,
        maxBytes: Math.max(1, maxBytes - bytes),
        maxBodyBytes: this.o.maxBytes,
      });
      let index = from.index;
      for (const frame of run.frames) {
        index += 1;
        bytes += frame.bytes;
        out.push({ record: frame.record, next: { segment: seg.base, offset: frame.offset + frame.bytes, index } });
      }
      if (run.bad) {
        // Stop here: the writer cuts the segment when no batch is writing to it, then wakes us.
        this.cuts.set(seg, { offset: run.bad.offset, index, reason: run.bad.reason });
        this.kick();
        break;
      }
      if (out.length > 0 && (out.length >= maxRecords || bytes >= maxBytes)) break;
    }
    return out;
  }

  /** Kafka took everything up to `next` (from a read): forget it, delete the segments behind it, move the checkpoint. */
  async ack(next: Position): Promise<void> {
    let drained = 0;
    while (this.segments.length > 0 && this.segments[0]!.base !== next.segment) {
      const gone = this.segments.shift()!;
      drained += gone.committedRecords - this.cursor.index;
      this.cursor = { offset: 0, index: 0 };
      await this.removeSegment(gone);
    }
    if (this.segments.length === 0) throw new Error(`ack of a position in segment ${next.segment}, which the log does not hold`);
    drained += next.index - this.cursor.index;
    this.cursor = { offset: next.offset, index: next.index };
    const head = this.segments[0]!;
    // A segment closed for appends and sent in full is deleted now (but not one a running batch still writes to).
    if (head !== this.active && !head.writer && this.cursor.offset >= head.committed) {
      this.segments.shift();
      this.cursor = { offset: 0, index: 0 };
      await this.removeSegment(head);
    } else if (head === this.active && this.cursor.offset >= head.committed) {
      this.retireDue = true; // fully sent: the writer deletes it once idle, so the disk is not held for nothing
      this.kick();
    }
    this.undrained -= drained;
    this.counters.drainedRecords += drained;
    await writeCheckpoint(this.fs, this.o.directory, this.checkpointSeq()).catch((err: unknown) =>
      this.log.warn('spool checkpoint not written; a restart would send some records again', { err }),
    );
  }

  private checkpointSeq(): number {
    const head = this.segments[0];
    return head ? head.base + this.cursor.index : this.nextBase;
  }

  private committedBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.committed;
    return n;
  }

  // --- the writer loop ---

  private kick(): void {
    if (!this.working) void this.work();
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      for (;;) {
        if (this.cuts.size > 0) await this.applyCuts();
        else if (this.queue.length > 0) await this.commit(this.queue.splice(0));
        else if (this.syncDue) await this.syncActive();
        else if (this.retireDue) await this.retire();
        else break;
      }
    } finally {
      this.working = false;
      for (const done of this.idle.splice(0)) done();
    }
  }

  private async commit(batch: Append[]): Promise<void> {
    const touched = new Set<Segment>();
    const closed: Segment[] = [];
    let created = false;
    let count = 0;
    let bytes = 0;
    for (const a of batch) {
      count += a.count;
      bytes += a.bytes;
    }
    try {
      for (let i = 0; i < batch.length; ) {
        let seg = this.active;
        if (seg && seg.size > 0 && seg.size + batch[i]!.bytes > this.segmentBytes) {
          // The old segment reaches the disk before the new one gets a byte: a power loss never leaves a gap.
          await this.sync(seg);
          closed.push(seg);
          this.active = seg = undefined;
        }
        if (!seg) {
          seg = await this.createSegment();
          created = true;
        }
        touched.add(seg);
        // One write for every append that fits in this segment (the first always does).
        const parts: Buffer[] = [];
        let end = seg.size;
        let records = 0;
        do {
          const a = batch[i++]!;
          parts.push(...a.frames);
          end += a.bytes;
          records += a.count;
        } while (i < batch.length && end + batch[i]!.bytes <= this.segmentBytes && end - seg.size + batch[i]!.bytes <= MAX_WRITE_BYTES);
        await writeFully(seg.writer!, parts.length === 1 ? parts[0]! : Buffer.concat(parts, end - seg.size), seg.size);
        seg.size = end;
        seg.records += records;
        this.nextBase = Math.max(this.nextBase, seg.base + seg.records);
      }
      if (this.o.fsync.mode === 'always') for (const seg of touched) await this.sync(seg);
      if (created && this.o.fsync.mode === 'always') await this.fs.syncDir(this.o.directory);
      else if (created) this.dirDirty = true;
    } catch (err) {
      await this.takeBack(touched);
      const error = spoolError(err, this.retryAfterMs);
      this.counters.refusedRecords[error.code === 'SPOOL_DISK_FULL' ? 'disk_full' : 'io_error'] += count;
      this.log.warn('spool append failed; the senders are asked to retry', { err: error, records: count });
      for (const a of batch) a.reject(error);
      return;
    } finally {
      for (const seg of closed) await this.closeWriter(seg);
      this.pendingBytes -= bytes;
      this.pendingRecords -= count;
    }
    for (const seg of touched) {
      this.undrained += seg.records - seg.committedRecords;
      seg.committed = seg.size;
      seg.committedRecords = seg.records;
    }
    this.counters.appendedRecords += count;
    this.counters.appendedBytes += bytes;
    for (const a of batch) a.resolve();
    this.commits += 1;
    this.onCommit();
  }

  private async createSegment(): Promise<Segment> {
    const base = this.nextBase;
    const path = join(this.o.directory, segmentName(base));
    const writer = await this.fs.open(path, 'create');
    this.nextBase = base + 1; // reserves the name even while it holds nothing
    const seg: Segment = { base, path, size: 0, records: 0, committed: 0, committedRecords: 0, writer, synced: 0 };
    this.segments.push(seg);
    this.active = seg;
    return seg;
  }

  /** Undoes the unacknowledged part of a failed batch. */
  private async takeBack(touched: Set<Segment>): Promise<void> {
    for (const seg of touched) {
      // Even when `size` did not move: a write may have put down part of its bytes before failing.
      try {
        await seg.writer!.truncate(seg.committed);
        seg.size = seg.committed;
        seg.records = seg.committedRecords;
        seg.synced = Math.min(seg.synced, seg.size);
      } catch (err) {
        // Garbage may follow the acknowledged frames: never append after it (recovery cuts it).
        this.log.warn('spool segment could not be cut back after a failed append; closing it', { segment: seg.path, err });
        seg.size = seg.committed;
        seg.records = seg.committedRecords;
        if (seg === this.active) {
          this.active = undefined;
          await this.closeWriter(seg);
        }
      }
    }
    // An empty segment left behind by the failure is of no use.
    const active = this.active;
    if (active && active.size === 0 && this.segments.length > 1 && this.segments[0] !== active) {
      this.active = undefined;
      this.segments.splice(this.segments.indexOf(active), 1);
      await this.removeSegment(active);
    }
  }

  private async sync(seg: Segment): Promise<void> {
    if (seg.synced === seg.size || !seg.writer) return;
    const size = seg.size;
    await seg.writer.sync();
    seg.synced = size;
  }

  /** The interval policy's periodic sync. */
  private async syncActive(): Promise<void> {
    this.syncDue = false;
    try {
      if (this.active) await this.sync(this.active);
      if (this.dirDirty) {
        this.dirDirty = false;
        await this.fs.syncDir(this.o.directory);
      }
    } catch (err) {
      this.counters.syncErrors += 1;
      this.log.error('spool fsync failed; records acknowledged since the last sync may not survive a power loss', { err });
    }
  }

  /** Deletes the active segment once the drainer has sent all of it and nothing is being appended. */
  private async retire(): Promise<void> {
    this.retireDue = false;
    const seg = this.active;
    if (!seg || this.segments[0] !== seg || this.cursor.offset < seg.size || this.queue.length > 0) return;
    this.active = undefined;
    this.segments.shift();
    this.cursor = { offset: 0, index: 0 };
    await this.closeWriter(seg);
    await this.removeSegment(seg);
  }

  private async closeWriter(seg: Segment): Promise<void> {
    const writer = seg.writer;
    seg.writer = undefined;
    await writer?.close().catch(() => undefined);
  }

  private async removeSegment(seg: Segment): Promise<void> {
    const reader = seg.reader;
    seg.reader = undefined;
    await reader?.close().catch(() => undefined);
    await this.closeWriter(seg);
    await this.fs.remove(seg.path).catch((err: unknown) => this.log.warn('spool segment not deleted', { segment: seg.path, err }));
  }

  /** Frames the log wrote read back bad (the disk changed them): the rest of each such segment is skipped, loudly. */
  private async applyCuts(): Promise<void> {
    for (const [seg, cut] of [...this.cuts]) {
      this.cuts.delete(seg);
      if (!this.segments.includes(seg) || cut.offset >= seg.committed) continue;
      const lost = seg.committedRecords - cut.index;
      this.log.error('spool segment reads back corrupt; skipping the rest of it', { segment: seg.path, offset: cut.offset, reason: cut.reason, lostRecords: lost });
      this.counters.skippedBytes += seg.committed - cut.offset;
      this.counters.cutSegments += 1;
      this.undrained -= lost;
      seg.size = seg.committed = seg.synced = cut.offset;
      seg.records = seg.committedRecords = cut.index;
      if (seg === this.active) this.active = undefined; // appends go to a new segment, never after bad bytes
      await this.closeWriter(seg);
    }
    this.commits += 1;
    this.onCommit();
  }

  private async doClose(): Promise<void> {
    if (this.state !== 'open') {
      this.state = 'closing';
      return;
    }
    this.state = 'closing';
    if (this.timer) clearInterval(this.timer);
    if (this.working) await new Promise<void>((resolve) => this.idle.push(resolve));
    const failures: unknown[] = [];
    for (const seg of this.segments) {
      await this.sync(seg).catch((err: unknown) => failures.push(err));
      await this.closeWriter(seg);
      await seg.reader?.close().catch(() => undefined);
      seg.reader = undefined;
    }
    if (this.dirDirty) await this.fs.syncDir(this.o.directory).catch((err: unknown) => failures.push(err));
    await writeCheckpoint(this.fs, this.o.directory, this.checkpointSeq()).catch((err: unknown) =>
      this.log.warn('spool checkpoint not written at close; the next start sends some records again', { err }),
    );
    await this.release?.().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw new AggregateError(failures, 'closing the spool');
  }
}

async function writeFully(file: SpoolFile, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const n = await file.write(data.subarray(done), position + done);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += n;
  }
}

/** A failed append as the retryable error senders get: a full disk is "out of room" (429), anything else "unavailable" (503). */
function spoolError(err: unknown, retryAfterMs: number): UnavailableError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UnavailableError(`spool disk full: ${message}`, { code: 'SPOOL_DISK_FULL', exhausted: true, retryAfterMs, cause: err });
  }
  return new UnavailableError(`spool write failed: ${message}`, { code: 'SPOOL_IO_ERROR', retryAfterMs, cause: err });
}
