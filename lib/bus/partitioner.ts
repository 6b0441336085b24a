// Partitioning by key, computed here rather than by the Kafka client: clients
// disagree on murmur2 details (kafkajs #357), and spans of one trace must land
// on the same partition whichever process produced them. This is a port of
// Apache Kafka's Java `Utils.murmur2` and `Utils.toPositive`, which is what the
// Java client's default partitioner uses, pinned by golden vectors in
// test/lib/bus/murmur2-vectors.json (checked against the real jar when cached).
import { InvalidInputError } from '../errors.js';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2: a signed 32-bit hash of the key bytes. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)) | 0;
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The Java switch falls through from 3 to 1.
  const rest = length & 3;
  if (rest >= 3) h ^= key[whole + 2]! << 16;
  if (rest >= 2) h ^= key[whole + 1]! << 8;
  if (rest >= 1) {
    h ^= key[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a key among `partitions`, as Kafka's default partitioner computes it. */
export function partitionFor(key: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
  // toPositive masks the sign bit (not Math.abs, which differs at INT_MIN).
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * Where a produced record goes: its explicit partition, else its key's
 * partition, else the next partition in turn (`roundRobin` counts up per topic).
 */
export function choosePartition(
  record: { key: Uint8Array | null; partition?: number },
  partitions: number,
  roundRobin: () => number,
): number {
  if (record.partition !== undefined) {
    if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= partitions) {
      throw new InvalidInputError(`partition ${record.partition} is out of range: the topic has ${partitions}`, {
        code: 'BUS_BAD_PARTITION',
      });
    }
    return record.partition;
  }
  if (record.key !== null) return partitionFor(record.key, partitions);
  return roundRobin() % partitions;
}
