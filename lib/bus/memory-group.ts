// A consumer group of the in-memory bus: its members, its committed offsets,
// and rebalancing. Like Kafka's eager protocol, a member joining or leaving
// reassigns every partition among the members (round-robin, as KafkaJS's
// default assigner), and rebalances run one at a time. Each member hears only
// about the change: first every member loses what it no longer owns (its
// in-flight handler calls drain, then onRevoke), then every member gains its
// new partitions (onAssign), starting from the group's committed offset.
import type { TopicPartition } from './bus.js';
import { parsePartitionKey, partitionKey } from './topic-partition.js';

export interface GainedPartition extends TopicPartition {
  key: string;
  /** The next offset to deliver. */
  position: bigint;
}

/** What the group needs of a member (implemented by MemoryConsumer). */
export interface GroupMember {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  /** Keys of the partitions the member owns now. */
  owned(): ReadonlySet<string>;
  /** Stops delivering these partitions, drains their handler calls, calls onRevoke. */
  revoke(keys: string[]): Promise<void>;
  /** Takes these partitions and calls onAssign. */
  assign(gained: GainedPartition[]): Promise<void>;
}

export interface LogBounds {
  partitions(topic: string): number;
  startOffset(topic: string, partition: number): bigint;
  endOffset(topic: string, partition: number): bigint;
}

export class MemoryGroup {
  readonly members: GroupMember[] = [];
  /** Committed offsets by partition key: the next offset to read. They outlive the members, as in Kafka. */
  readonly committed = new Map<string, bigint>();
  /** Where the group started on partitions it has not committed yet; kept only while it has members. */
  readonly starts = new Map<string, bigint>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly logs: LogBounds,
    private readonly onChange: (group: MemoryGroup) => void,
  ) {}

  join(member: GroupMember): Promise<void> {
    return this.serialize(async () => {
      this.members.push(member);
      await this.rebalance();
    });
  }

  leave(member: GroupMember): Promise<void> {
    return this.serialize(async () => {
      const i = this.members.indexOf(member);
      if (i < 0) return;
      await member.revoke([...member.owned()]);
      this.members.splice(i, 1);
      if (this.members.length === 0) this.starts.clear();
      await this.rebalance();
    });
  }

  subscribes(topic: string): boolean {
    return this.members.some((m) => m.topics.includes(topic));
  }

  /** The lowest offset this group may still need on a partition: retention must keep it. */
  floor(key: string): bigint | undefined {
    return this.committed.get(key) ?? this.starts.get(key);
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rebalance(): Promise<void> {
    const target = this.assignment();
    await Promise.all(
      this.members.map((m) => {
        const lost = [...m.owned()].filter((key) => !target.get(m)!.has(key));
        return lost.length > 0 ? m.revoke(lost) : undefined;
      }),
    );
    await Promise.all(
      this.members.map((m) => {
        const owned = m.owned();
        const gained = [...target.get(m)!].filter((key) => !owned.has(key)).map((key) => this.startOf(key, m.fromBeginning));
        return gained.length > 0 ? m.assign(gained) : undefined;
      }),
    );
    this.onChange(this);
  }

  /** Round-robin over the members in join order, topics sorted, partitions in order. */
  private assignment(): Map<GroupMember, Set<string>> {
    const target = new Map(this.members.map((m) => [m, new Set<string>()]));
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const subscribers = this.members.filter((m) => m.topics.includes(topic));
      for (let partition = 0; partition < this.logs.partitions(topic); partition++) {
        target.get(subscribers[turn++ % subscribers.length]!)!.add(partitionKey(topic, partition));
      }
    }
    return target;
  }

  /**
   * The committed offset; without one, the log start or end (fromBeginning).
   * A committed offset that retention already passed starts at the log start.
   */
  private startOf(key: string, fromBeginning: boolean): GainedPartition {
    const { topic, partition } = parsePartitionKey(key);
    const logStart = this.logs.startOffset(topic, partition);
    const committed = this.committed.get(key);
    let position: bigint;
    if (committed !== undefined) {
      position = committed < logStart ? logStart : committed;
    } else {
      position = fromBeginning ? logStart : this.logs.endOffset(topic, partition);
      if (!this.starts.has(key)) this.starts.set(key, position);
    }
    return { key, topic, partition, position };
  }
}
