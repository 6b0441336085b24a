// PartitionState is what makes the sampler's commits safe: the low watermark
// must never pass the first record of a trace that is still undecided or whose
// kept spans are still being produced, and due() must hand out traces oldest
// first. Table tests for each, plus a property test against a plain model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ConsumedRecord } from '../../lib/bus/bus.js';
import type { TraceId } from '../../lib/model/ids.js';
import { PartitionState, type AssemblyRules, type PendingTrace } from '../../sampler/partition-state.js';

const RULES: AssemblyRules = { decisionWaitMs: 100, rootQuietMs: 0, maxSpansPerTrace: Infinity, maxBytesPerTrace: Infinity };
const state = (rules: Partial<AssemblyRules> = {}) => new PartitionState('spans', 3, { ...RULES, ...rules });

const A = 'a'.repeat(32) as TraceId;
const B = 'b'.repeat(32) as TraceId;
const C = 'c'.repeat(32) as TraceId;

function rec(offset: number, bytes = 10): ConsumedRecord {
  return { topic: 'spans', partition: 3, offset: BigInt(offset), key: null, value: Buffer.alloc(bytes), headers: {}, timestampMs: 0 };
}

const lowWatermarkCases: { name: string; steps: (s: PartitionState) => void; want: bigint | undefined }[] = [
  { name: 'nothing seen: nothing to commit', steps: () => undefined, want: undefined },
  { name: 'only records seen (dropped late spans): one past the last', steps: (s) => [0, 1, 4].forEach((o) => s.seen(BigInt(o))), want: 5n },
  { name: 'an older offset seen later does not move it back', steps: (s) => (s.seen(9n), s.seen(2n)), want: 10n },
  {
    name: 'pending traces: the first offset of the oldest',
    steps: (s) => (s.add(A, rec(2), 1, false, 0), s.add(B, rec(5), 1, false, 0), s.add(A, rec(7), 1, false, 0)),
    want: 2n,
  },
  {
    name: 'the oldest trace decided: the next trace',
    steps: (s) => {
      const a = s.add(A, rec(2), 1, false, 0);
      s.add(B, rec(5), 1, false, 0);
      s.add(A, rec(7), 1, false, 0);
      s.remove(a);
    },
    want: 5n,
  },
  {
    name: 'every trace decided: one past the last offset seen',
    steps: (s) => {
      const a = s.add(A, rec(2), 1, false, 0);
      const b = s.add(B, rec(5), 1, false, 0);
      s.seen(8n);
      s.remove(b);
      s.remove(a);
    },
    want: 9n,
  },
  { name: 'a hold without traces: its offset', steps: (s) => (s.seen(8n), s.hold(3n)), want: 3n },
  { name: 'a released hold: back to nextOffset', steps: (s) => (s.seen(8n), s.hold(3n)()), want: 9n },
  { name: 'a hold older than the oldest trace wins', steps: (s) => (s.add(A, rec(6), 1, false, 0), s.hold(4n)), want: 4n },
  { name: 'a trace older than the hold wins', steps: (s) => (s.add(A, rec(4), 1, false, 0), s.hold(6n)), want: 4n },
  { name: 'a hold beyond anything seen counts as seen', steps: (s) => (s.seen(2n), s.hold(10n)), want: 10n },
  {
    name: 'two holds, the older released: the younger',
    steps: (s) => {
      s.seen(20n);
      const first = s.hold(3n);
      s.hold(7n);
      first();
      first(); // releasing twice is harmless
    },
    want: 7n,
  },
  {
    name: 'two holds at the same offset: held until both are released',
    steps: (s) => {
      s.seen(20n);
      const one = s.hold(3n);
      s.hold(3n);
      one();
    },
    want: 3n,
  },
];

for (const c of lowWatermarkCases) {
  void test(`lowWatermark: ${c.name}`, () => {
    const s = state();
    c.steps(s);
    assert.equal(s.lowWatermark(), c.want);
  });
}

const dueCases: { name: string; firstSeen: [TraceId, number][]; nowMs: number; waitMs: number; limit: number; want: TraceId[] }[] = [
  { name: 'none due yet', firstSeen: [[A, 0], [B, 100]], nowMs: 99, waitMs: 100, limit: 10, want: [] },
  { name: 'due exactly at firstSeen + wait', firstSeen: [[A, 0], [B, 100]], nowMs: 100, waitMs: 100, limit: 10, want: [A] },
  { name: 'all due, oldest first', firstSeen: [[A, 0], [B, 100], [C, 150]], nowMs: 1_000, waitMs: 100, limit: 10, want: [A, B, C] },
  { name: 'at most limit, oldest first', firstSeen: [[A, 0], [B, 100], [C, 150]], nowMs: 1_000, waitMs: 100, limit: 2, want: [A, B] },
  { name: 'limit 0 gives none', firstSeen: [[A, 0]], nowMs: 1_000, waitMs: 100, limit: 0, want: [] },
  // A young trace ends the scan even if an older-looking one follows (a clock
  // step back): first-seen order is offset order, and the watermark needs it.
  { name: 'stops at the first young trace', firstSeen: [[A, 0], [B, 500], [C, 10]], nowMs: 200, waitMs: 100, limit: 10, want: [A] },
];

for (const c of dueCases) {
  void test(`due: ${c.name}`, () => {
    const s = state({ decisionWaitMs: c.waitMs });
    c.firstSeen.forEach(([id, ms], i) => s.add(id, rec(i), 1, false, ms));
    assert.deepEqual(
      s.due(c.nowMs, c.limit).map((d) => d.trace.traceId),
      c.want,
    );
  });
}

void test('due: a trace whose root has arrived is due once no span of it has arrived for rootQuietMs, before its decision wait', () => {
  const s = state({ decisionWaitMs: 10_000, rootQuietMs: 200 });
  s.add(A, rec(0), 1, false, 0); // a child first
  s.add(A, rec(1), 1, true, 100); // then the root
  s.add(B, rec(2), 1, true, 150); // B: root only
  s.add(C, rec(3), 1, false, 150); // C: no root, waits the decision wait
  assert.deepEqual(s.due(299, 10), [], 'A heard from at 100: quiet only from 300');
  assert.deepEqual(s.due(300, 10).map((d) => [d.trace.traceId, d.reason]), [[A, 'root_quiet']]);
  s.add(B, rec(4), 1, false, 320); // a late child of B restarts its quiet time
  assert.deepEqual(s.due(500, 10).map((d) => [d.trace.traceId, d.reason]), [[A, 'root_quiet']]);
  assert.deepEqual(s.due(520, 10).map((d) => [d.trace.traceId, d.reason]), [[A, 'root_quiet'], [B, 'root_quiet']]);
  assert.deepEqual(s.due(10_150, 10).map((d) => [d.trace.traceId, d.reason]), [[A, 'decision_wait'], [B, 'decision_wait'], [C, 'decision_wait']], 'the decision wait still applies to all');
});

void test('due: rootQuietMs 0 never decides early', () => {
  const s = state({ decisionWaitMs: 1_000, rootQuietMs: 0 });
  s.add(A, rec(0), 1, true, 0);
  assert.deepEqual(s.due(999, 10), []);
});

void test('due: a trace reaching maxSpansPerTrace or maxBytesPerTrace is due at once, first, with its reason', () => {
  const s = state({ decisionWaitMs: 1_000, maxSpansPerTrace: 5, maxBytesPerTrace: 100 });
  s.add(A, rec(0, 10), 1, false, 0);
  s.add(B, rec(1, 10), 4, false, 0);
  s.add(C, rec(2, 60), 1, false, 0);
  assert.deepEqual(s.due(0, 10), []);
  s.add(C, rec(3, 40), 1, false, 1);
  s.add(B, rec(4, 10), 1, false, 2);
  assert.deepEqual(s.due(2, 10).map((d) => [d.trace.traceId, d.reason]), [[C, 'byte_limit'], [B, 'span_limit']]);
  assert.deepEqual(s.due(1_000, 10).map((d) => [d.trace.traceId, d.reason]), [[C, 'byte_limit'], [B, 'span_limit'], [A, 'decision_wait']], 'each trace once');
  assert.deepEqual(s.due(1_000, 1).map((d) => d.trace.traceId), [C], 'limit counts across reasons');
  s.remove(s.traces.get(C)!);
  assert.deepEqual(s.due(2, 10).map((d) => d.trace.traceId), [B], 'a removed trace is no longer due');
});

void test('a trace keeps the time and offset of its first record; later records add bytes and spans', () => {
  const s = state();
  const first = s.add(A, rec(4, 100), 2, false, 1_000);
  s.add(B, rec(5, 30), 1, false, 1_500);
  const again = s.add(A, rec(9, 50), 3, false, 2_000);
  assert.equal(again, first);
  assert.equal(first.firstSeenMs, 1_000);
  assert.equal(first.firstOffset, 4n);
  assert.deepEqual(first.records.map((r) => r.offset), [4n, 9n]);
  assert.equal(first.bytes, 150);
  assert.equal(first.spans, 5);
  assert.equal(s.bytes, 180);
  assert.equal(s.nextOffset, 10n);
  assert.deepEqual([...s.traces.keys()], [A, B]);
});

void test('remove gives back exactly the bytes of the trace, once', () => {
  const s = state();
  const a = s.add(A, rec(0, 100), 1, false, 0);
  s.add(A, rec(1, 50), 1, false, 0);
  const b = s.add(B, rec(2, 30), 1, false, 0);
  s.remove(a);
  assert.equal(s.bytes, 30);
  s.remove(a);
  assert.equal(s.bytes, 30, 'removing twice does not subtract twice');
  s.remove(b);
  assert.equal(s.bytes, 0);
  assert.equal(s.traces.size, 0);
});

void test('remove of a stale trace object leaves the trace buffered again under the same ID alone', () => {
  const s = state();
  const old = s.add(A, rec(0, 100), 1, false, 0);
  s.remove(old);
  const fresh = s.add(A, rec(5, 40), 1, false, 10);
  s.remove(old);
  assert.equal(s.traces.get(A), fresh);
  assert.equal(s.bytes, 40);
  assert.equal(s.lowWatermark(), 5n);
});

type Op =
  | { op: 'add'; trace: number; bytes: number }
  | { op: 'remove'; trace: number }
  | { op: 'hold'; back: number }
  | { op: 'release'; which: number };

void test('property: lowWatermark and bytes follow a plain model through any sequence of operations', () => {
  const ids = [A, B, C];
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('add' as const), trace: fc.integer({ min: 0, max: 2 }), bytes: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ op: fc.constant('remove' as const), trace: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ op: fc.constant('hold' as const), back: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ op: fc.constant('release' as const), which: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const s = state();
      // The model: pending traces with their first offset and bytes, live holds, next offset.
      const pending = new Map<TraceId, { first: bigint; bytes: number; obj: PendingTrace }>();
      const holds: { offset: bigint; release: () => void; live: boolean }[] = [];
      let next = 0n;
      let seen = false;
      for (const o of ops) {
        if (o.op === 'add') {
          const offset = next;
          const obj = s.add(ids[o.trace]!, rec(Number(offset), o.bytes), 1, false, 0);
          const p = pending.get(ids[o.trace]!);
          if (p) p.bytes += o.bytes;
          else pending.set(ids[o.trace]!, { first: offset, bytes: o.bytes, obj });
          next = offset + 1n;
          seen = true;
        } else if (o.op === 'remove') {
          const p = pending.get(ids[o.trace]!);
          if (p) {
            s.remove(p.obj);
            pending.delete(ids[o.trace]!);
          }
        } else if (o.op === 'hold') {
          const offset = next - BigInt(o.back) < 0n ? 0n : next - BigInt(o.back);
          holds.push({ offset, release: s.hold(offset), live: true });
          if (offset >= next) next = offset + 1n;
          seen = true;
        } else if (holds.length > 0) {
          const h = holds[o.which % holds.length]!;
          h.release();
          h.live = false;
        }
        // Insertion order of the model's map is the order of first offsets.
        const oldest = pending.values().next();
        const candidates = [...(oldest.done ? [] : [oldest.value.first]), ...holds.filter((h) => h.live).map((h) => h.offset)];
        const want: bigint | undefined = candidates.length > 0 ? candidates.reduce((m, x) => (x < m ? x : m), next) : seen ? next : undefined;
        assert.equal(s.lowWatermark(), want);
        assert.equal(s.bytes, [...pending.values()].reduce((sum, p) => sum + p.bytes, 0));
      }
    }),
    { numRuns: 300 },
  );
});
