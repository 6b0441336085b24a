// Topic-partitions as map keys, and their order in what we report.
import type { TopicPartition } from './bus.js';

/** A key for maps of partitions. The partition comes first: topic names cannot hold NUL, so the split is unambiguous. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

export function parsePartitionKey(key: string): TopicPartition {
  const at = key.indexOf('\u0000');
  return { topic: key.slice(at + 1), partition: Number(key.slice(0, at)) };
}

export function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
