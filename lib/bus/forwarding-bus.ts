// A bus in front of another: every call goes to `inner` unless the subclass
// overrides it. The decorators (the agent's spool, replay's range limits, the
// tests' switches) override what they change and nothing else, and a new Bus
// method needs forwarding only here.
import type { Bus, Consumer, ConsumerOptions, OffsetSpec, OutRecord, PartitionOffset, TopicSpec } from './bus.js';

export abstract class ForwardingBus implements Bus {
  abstract readonly name: string;

  constructor(protected readonly inner: Bus) {}

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(specs);
  }

  partitionCount(topic: string): Promise<number> {
    return this.inner.partitionCount(topic);
  }

  produce(topic: string, records: OutRecord[]): Promise<void> {
    return this.inner.produce(topic, records);
  }

  consumer(options: ConsumerOptions): Consumer {
    return this.inner.consumer(options);
  }

  offsetsAt(topic: string, at: OffsetSpec): Promise<PartitionOffset[]> {
    return this.inner.offsetsAt(topic, at);
  }

  setGroupOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void> {
    return this.inner.setGroupOffsets(groupId, offsets);
  }
}
