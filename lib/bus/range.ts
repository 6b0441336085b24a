// Reading a bounded range of a topic, for replay: a Bus wrapper whose
// consumers start at the range's first offsets and are handed only records
// inside it, with progress and a promise that settles once every partition
// has been handled up to the range's end. Whatever consumes through it (an
// exporter's BackendPipeline, a Sampler) needs no change: wrap, don't subclass.
//
// A range is [start, end) per partition. Its group must be new or idle:
// start() sets the group's offsets to the starts (Bus.setGroupOffsets), so a
// replay always begins where it was asked to, and its commits move on from there.
import { InvalidInputError } from '../errors.js';
import type { Batch, Bus, Consumer, ConsumerOptions, OffsetSpec, PartitionOffset, TopicPartition } from './bus.js';
import { ForwardingBus } from './forwarding-bus.js';
import { partitionKey } from './topic-partition.js';

export interface PartitionRange extends TopicPartition {
  /** First offset of the range. */
  start: bigint;
  /** First offset past the range. */
  end: bigint;
}

/** Where a range begins or ends: a bus position, or explicit offsets per partition (others: the log start or end). */
export type RangeBound = OffsetSpec | { offsets: ReadonlyMap<number, bigint> };

/** The range of `topic` between two bounds; `to` is read now, so records produced later are not in it. */
export async function resolveRange(bus: Bus, topic: string, from: RangeBound, to: RangeBound): Promise<PartitionRange[]> {
  const at = async (bound: RangeBound, fallback: 'earliest' | 'latest'): Promise<PartitionOffset[]> => {
    if (typeof bound !== 'object' || !('offsets' in bound)) return bus.offsetsAt(topic, bound);
    const base = await bus.offsetsAt(topic, fallback);
    for (const p of bound.offsets.keys()) {
      if (!base.some((b) => b.partition === p)) throw new InvalidInputError(`topic ${topic} has no partition ${p} (it has ${base.length})`);
    }
    return base.map((b) => ({ ...b, offset: bound.offsets.get(b.partition) ?? b.offset }));
  };
  const [starts, ends, first, last] = await Promise.all([at(from, 'earliest'), at(to, 'latest'), bus.offsetsAt(topic, 'earliest'), bus.offsetsAt(topic, 'latest')]);
  return starts.map((s, i) => {
    // Clamp to what the log holds: retention may have passed an old offset.
    const clamp = (o: bigint) => (o < first[i]!.offset ? first[i]!.offset : o > last[i]!.offset ? last[i]!.offset : o);
    const start = clamp(s.offset);
    const end = clamp(ends[i]!.offset);
    return { topic, partition: s.partition, start, end: end < start ? start : end };
  });
}

export interface RangeProgress {
  /** Records handled so far, and in the whole range. */
  handled: bigint;
  total: bigint;
  partitionsDone: number;
  partitions: number;
}

interface PartitionState {
  range: PartitionRange;
  /** The next offset not yet handled. */
  position: bigint;
}

export class RangeReader {
  private readonly states = new Map<string, PartitionState>();
  private latestTimestampMs: number | undefined;
  private finish!: () => void;
  /** Settles once every partition of the range has been handled to its end. */
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(ranges: readonly PartitionRange[]) {
    for (const range of ranges) this.states.set(partitionKey(range.topic, range.partition), { range, position: range.start });
    this.check();
  }

  /**
   * The range's own clock: the latest record timestamp handed out so far
   * (undefined before the first). A replay that re-samples decides by it, so
   * that a trace waits the decision wait of its own time, however fast the
   * replay reads.
   */
  recordTimeMs(): number | undefined {
    return this.latestTimestampMs;
  }

  progress(): RangeProgress {
    let handled = 0n;
    let total = 0n;
    let partitionsDone = 0;
    for (const { range, position } of this.states.values()) {
      handled += position - range.start;
      total += range.end - range.start;
      if (position >= range.end) partitionsDone++;
    }
    return { handled, total, partitionsDone, partitions: this.states.size };
  }

  /** `inner` with consumers limited to the range; producing and everything else pass through. */
  bus(inner: Bus): Bus {
    return new LimitedBus(inner, (options) => this.consumer(inner, options));
  }


  private consumer(inner: Bus, options: ConsumerOptions): Consumer {
    const mine = [...this.states.values()].filter((s) => options.topics.includes(s.range.topic));
    const consumer = inner.consumer({ ...options, handler: (batch) => this.handle(batch, options.handler) });
    return {
      name: consumer.name,
      start: async () => {
        if (mine.length > 0) await inner.setGroupOffsets(options.groupId, mine.map((s) => ({ topic: s.range.topic, partition: s.range.partition, offset: s.position })));
        await consumer.start();
      },
      close: () => consumer.close(),
      commit: (offsets) => consumer.commit(offsets),
      pause: (tps) => consumer.pause(tps),
      resume: (tps) => consumer.resume(tps),
      assignment: () => consumer.assignment(),
      lag: () => consumer.lag(),
    };
  }

  private async handle(batch: Batch, handler: (batch: Batch) => Promise<void>): Promise<void> {
    const state = this.states.get(partitionKey(batch.topic, batch.partition));
    if (!state) return; // a topic outside the range: nothing of it is replayed
    const records = batch.records.filter((r) => r.offset >= state.range.start && r.offset < state.range.end);
    for (const r of records) if (this.latestTimestampMs === undefined || r.timestampMs > this.latestTimestampMs) this.latestTimestampMs = r.timestampMs;
    if (records.length > 0) await handler({ ...batch, records });
    const last = batch.records.at(-1);
    if (last !== undefined && last.offset + 1n > state.position) state.position = last.offset + 1n > state.range.end ? state.range.end : last.offset + 1n;
    this.check();
  }

  private check(): void {
    for (const { range, position } of this.states.values()) if (position < range.end) return;
    this.finish();
  }
}

/** `inner` with its consumers made by `limited`; everything else passes through. */
class LimitedBus extends ForwardingBus {
  readonly name: string;

  constructor(
    inner: Bus,
    private readonly limited: (options: ConsumerOptions) => Consumer,
  ) {
    super(inner);
    this.name = `range(${inner.name})`;
  }

  override consumer(options: ConsumerOptions): Consumer {
    return this.limited(options);
  }
}
