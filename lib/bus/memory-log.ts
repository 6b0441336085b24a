// One partition of the in-memory bus: an append-only run of records with
// Kafka's offsets (log start, log end), trimmed from the front. Records are
// kept in an array with a moving head so that trimming is O(1); the array is
// compacted once the dead prefix outweighs the live part.
import type { ConsumedRecord } from './bus.js';

export type StoredRecord = ConsumedRecord;

const COMPACT_MIN_DEAD = 1024;

export class PartitionLog {
  private records: StoredRecord[] = [];
  /** What each record counts against the bus's maxBytes (key, value and headers), by the same index. */
  private sizes: number[] = [];
  private head = 0;
  /** The offset of the oldest retained record (Kafka's log start offset). */
  startOffset = 0n;
  /** The offset the next record gets (Kafka's log end offset, our high watermark). */
  endOffset = 0n;
  bytes = 0;

  append(record: Omit<StoredRecord, 'offset'>, sizeBytes: number): StoredRecord {
    const stored: StoredRecord = { ...record, offset: this.endOffset };
    this.records.push(stored);
    this.sizes.push(sizeBytes);
    this.endOffset += 1n;
    this.bytes += sizeBytes;
    return stored;
  }

  /** Records from `from` on (clamped to the log start), at most maxRecords, and maxBytes unless that leaves none. */
  read(from: bigint, maxRecords: number, maxBytes: number): StoredRecord[] {
    const start = this.head + Number((from < this.startOffset ? this.startOffset : from) - this.startOffset);
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (let i = start; i < this.records.length && out.length < maxRecords; i++) {
      const size = this.sizes[i]!;
      if (out.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      out.push(this.records[i]!);
    }
    return out;
  }

  /** The first retained offset whose record is at or after timeMs, or the log end (timestamps only grow). */
  offsetAtTime(timeMs: number): bigint {
    let lo = this.head;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.records[mid]!.timestampMs < timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.records.length ? this.records[lo]!.offset : this.endOffset;
  }

  /** Drops records below `offset`; returns the bytes freed. */
  trimTo(offset: bigint): number {
    let freed = 0;
    while (this.startOffset < offset && this.head < this.records.length) freed += this.dropOldest();
    return freed;
  }

  /** Drops the oldest records while more than maxBytes are retained; returns the bytes freed. */
  trimToBytes(maxBytes: number): number {
    let freed = 0;
    while (this.bytes > maxBytes && this.head < this.records.length) freed += this.dropOldest();
    return freed;
  }

  private dropOldest(): number {
    const size = this.sizes[this.head]!;
    // Release the record for the collector; in-flight batches keep their own references.
    (this.records as (StoredRecord | undefined)[])[this.head] = undefined;
    this.head += 1;
    this.startOffset += 1n;
    this.bytes -= size;
    if (this.head >= COMPACT_MIN_DEAD && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return size;
  }
}
