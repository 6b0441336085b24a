// Spool records for property tests, and a comparison that names what differs.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SpoolRecord } from '../../../lib/spool/frame.js';

export const spoolRecordArb = (maxValueBytes = 300): fc.Arbitrary<SpoolRecord> =>
  fc
    .record({
      topic: fc.constantFrom('spans', 'metrics', 'spans.sampled', 'ünïcode-topic'),
      key: fc.option(fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)), { nil: null }),
      value: fc.uint8Array({ maxLength: maxValueBytes }).map((b) => Buffer.from(b)),
      headers: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 24 }), { maxKeys: 3 }),
      partition: fc.option(fc.integer({ min: 0, max: 63 }), { nil: undefined }),
    })
    .map((r) => {
      const out: SpoolRecord = { topic: r.topic, key: r.key, value: r.value, headers: { ...r.headers } };
      if (r.partition !== undefined) out.partition = r.partition;
      return out;
    });

/** A record numbered n, so that order and identity can be checked after a round trip. */
export function numbered(n: number, valueBytes = 40, topic = 'spans'): SpoolRecord {
  const value = Buffer.alloc(valueBytes, n % 251);
  value.writeUInt32BE(n, 0);
  // Fixed-width header: frames of the same valueBytes have the same size.
  return { topic, key: Buffer.from(`k${n % 7}`), value, headers: { n: String(n).padStart(8, '0') } };
}

export function numberOf(record: SpoolRecord): number {
  return record.value.readUInt32BE(0);
}

export function assertSameRecord(actual: SpoolRecord, expected: SpoolRecord, what = 'record'): void {
  assert.equal(actual.topic, expected.topic, `${what}: topic`);
  assert.deepEqual(actual.key, expected.key, `${what}: key`);
  assert.ok(actual.value.equals(expected.value), `${what}: value`);
  assert.deepEqual({ ...actual.headers }, { ...expected.headers }, `${what}: headers`);
  assert.equal(actual.partition, expected.partition, `${what}: partition`);
}
