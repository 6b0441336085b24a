// The sampler over the real in-memory bus and decision store, with a clock the
// test moves and decision rounds the test runs (sampler.tick()), so that "not
// before the decision wait" is checked without waiting. What must hold: a
// trace is forwarded whole and once, unchanged but for ocsvc.sampled_by; the
// committed offset never passes a trace that is undecided or not yet
// acknowledged by the bus; decisions in the store win; without the store
// nothing moves; memory is bounded by pausing; close() and rebalances lose
// nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idToBytes } from '../../lib/model/ids.js';
import { HEADER } from '../../lib/pipeline/headers.js';
import { encodeTracesProto } from '../../lib/protocol/otlp/index.js';
import { Registry } from '../../lib/telemetry/stats.js';
import { uniqueName } from '../harness/env.js';
import { waitFor } from '../harness/wait-for.js';
import { traceIdN } from '../helpers/fixtures.js';
import { DEFAULT_POLICIES } from '../../lib/config/policies.js';
import { PolicySet } from '../../sampler/policy-set.js';
import { SAMPLED_BY_HEADER, Sampler } from '../../sampler/sampler.js';
import { T0, captureLog, collect, part, traceOf, whole } from './harness.js';
import { TTL_MS, WAIT, WAIT_MS, decisions, partBytes, partitionOf, settle, setup, tickUntil, total } from './rig.js';

void test('a trace arriving in several records is forwarded whole, in one produce, only once the decision wait has passed', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, bus, registry } = await rig.start();
  await rig.publish(part(0, 0));
  await waitFor(() => sampler.bufferedBytes() === partBytes(0, 0), { ...WAIT, what: 'part 0 buffered' });
  rig.clock.set(T0 + 400);
  await rig.publish(part(0, 1));
  await waitFor(() => sampler.bufferedBytes() === partBytes(0, 0) + partBytes(0, 1), { ...WAIT, what: 'part 1 buffered' });
  assert.equal(sampler.bufferedTraces(), 1);

  rig.clock.set(T0 + WAIT_MS - 1);
  await sampler.tick();
  assert.equal(rig.sampledCount(), 0, 'nothing forwarded before the decision wait');

  rig.clock.set(T0 + WAIT_MS);
  await sampler.tick();
  const forwards = bus.calls.filter((c) => c.topic === rig.topics.spansSampled);
  assert.equal(forwards.length, 1, 'one produce');
  assert.equal(forwards[0]!.records.length, 2, 'holding both records');

  await waitFor(() => rig.sampled.length === 2, { ...WAIT, what: '2 sampled records' });
  const original = await collect(t, rig.bus, rig.topics.spans);
  await waitFor(() => original.length === 2, { ...WAIT, what: 'the 2 original records' });
  for (const [i, r] of rig.sampled.entries()) {
    assert.deepEqual(r.key, original[i]!.key);
    assert.deepEqual(r.value, original[i]!.value, 'value unchanged');
    assert.equal(r.headers[HEADER.sender], 'agent-1');
    assert.deepEqual(r.headers, { ...original[i]!.headers, [SAMPLED_BY_HEADER]: 'always_sample' });
  }
  assert.deepEqual(await rig.store.get([traceIdN(0)]), [{ verdict: 'keep', policy: 'always_sample', decidedAtMs: T0 + WAIT_MS }]);
  assert.equal(total(registry, 'received', { signal: 'traces' }), 3);
  assert.equal(total(registry, 'sent', { signal: 'traces' }), 3);
  assert.equal(decisions(registry, { verdict: 'keep', policy: 'always_sample' }), 1);
  assert.equal(sampler.bufferedTraces(), 0);
  assert.equal(sampler.bufferedBytes(), 0);
});

void test('the committed offset never passes the first record of a trace that is not yet decided', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, registry } = await rig.start();
  // Offsets: 0 = A part 0, 1 = B part 0 (at T0); 2 = C part 0, 3 = A part 1 (at T0 + 500).
  await rig.publish(part(0, 0));
  await rig.publish(part(1, 0));
  await waitFor(() => sampler.bufferedTraces() === 2, { ...WAIT, what: 'A and B buffered' });
  rig.clock.set(T0 + 500);
  await rig.publish(part(2, 0));
  await rig.publish(part(0, 1));
  await waitFor(() => sampler.bufferedTraces() === 3 && sampler.bufferedBytes() === partBytes(0, 0) + partBytes(1, 0) + partBytes(2, 0) + partBytes(0, 1), { ...WAIT, what: 'all 4 records buffered' });

  await sampler.tick();
  assert.equal(rig.committed(0), 0n, 'A, undecided, holds the partition at its first offset');

  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.committed(0) === 2n, 'A and B decided: committed up to C');
  await sampler.tick();
  assert.equal(rig.committed(0), 2n, 'C, undecided, holds the partition even though A\'s later record (3) is done');
  assert.equal(rig.sampledCount(), 3);
  const lag = registry.snapshot().find((s) => s.name === 'ocsvc_kafka_consumer_lag' && s.labels.topic === rig.topics.spans);
  assert.equal(lag?.value, 2, 'the lag gauge shows the 2 records from C on');

  rig.clock.set(T0 + 500 + WAIT_MS);
  await tickUntil(sampler, () => rig.committed(0) === 4n, 'C decided: committed to the end');
  assert.equal(rig.sampledCount(), 4);
});

void test('late spans of a kept trace are forwarded at once, with the trace\'s key and value, and then committed', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, bus } = await rig.start();
  await rig.publish(part(0, 0));
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.committed(0) === 1n, 'decided and committed');

  // No clock move and no decision round: the late record goes on its own.
  await rig.publish(part(0, 1));
  await waitFor(() => rig.sampled.length === 2, { ...WAIT, what: 'the late record on spans.sampled' });
  const late = rig.sampled[1]!;
  assert.equal(traceOf(late), traceIdN(0));
  assert.deepEqual(late.value, Buffer.from(encodeTracesProto(part(0, 1))));
  assert.ok(late.headers[SAMPLED_BY_HEADER], 'late spans are marked as sampled too');
  assert.equal(sampler.bufferedTraces(), 0, 'not buffered again');
  assert.equal(bus.calls.filter((c) => c.topic === rig.topics.spansSampled).length, 2);
  await tickUntil(sampler, () => rig.committed(0) === 2n, 'the late record committed');
});

void test(
  'a late span carries the deciding policy in ocsvc.sampled_by',
  async (t) => {
    const rig = await setup(t, { partitions: 1 });
    const { sampler } = await rig.start();
    await rig.publish(part(0, 0));
    await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'buffered' });
    rig.clock.set(T0 + WAIT_MS);
    await sampler.tick();
    await rig.publish(part(0, 1));
    await waitFor(() => rig.sampled.length === 2, { ...WAIT, what: 'the late record' });
    assert.equal(rig.sampled[1]!.headers[SAMPLED_BY_HEADER], 'always_sample');
  },
);

void test('a decision already in the store is followed: a dropped trace is not forwarded, is counted sampled_out, and does not hold the offset', async (t) => {
  const rig = await setup(t);
  const [seeded] = await rig.store.decide([{ traceId: traceIdN(1), decision: { verdict: 'drop', policy: 'seeded', decidedAtMs: 1 } }], TTL_MS);
  assert.equal(seeded?.verdict, 'drop');
  const { sampler, registry } = await rig.start();
  for (const n of [0, 1, 2]) await rig.publish(whole(n));
  await waitFor(() => sampler.bufferedTraces() === 3, { ...WAIT, what: '3 traces buffered' });

  rig.clock.set(T0 + WAIT_MS);
  await sampler.tick();
  await waitFor(() => rig.sampled.length === 2, { ...WAIT, what: 'traces 0 and 2' });
  assert.deepEqual([...new Set(rig.sampled.map(traceOf))].sort(), [traceIdN(0), traceIdN(2)].sort());
  assert.equal(total(registry, 'dropped', { reason: 'sampled_out', signal: 'traces' }), 3);
  assert.equal(decisions(registry, { verdict: 'drop', policy: 'seeded' }), 1);
  assert.equal(decisions(registry, { verdict: 'keep', policy: 'always_sample' }), 2);

  // A late span of the dropped trace follows the decision too, and is committed past.
  await rig.publish(part(1, 0));
  await waitFor(() => total(registry, 'dropped', { reason: 'sampled_out' }) === 4, { ...WAIT, what: 'the late span dropped' });
  const ends = rig.endOf(rig.topics.spans);
  await tickUntil(sampler, () => ends.every((end, p) => end === 0n || rig.committed(p) === end), 'every partition committed to its end');
  assert.equal(rig.sampledCount(), 2, 'nothing of the dropped trace was forwarded');
});

void test('while the store is unavailable nothing is forwarded or committed past the waiting traces; once it is back they are decided and forwarded', async (t) => {
  const rig = await setup(t);
  rig.store.down = true;
  const { sampler, registry, logs } = await rig.start();
  for (let n = 0; n < 6; n++) await rig.publish(whole(n));
  await waitFor(() => sampler.bufferedTraces() === 6, { ...WAIT, what: '6 traces buffered' });

  rig.clock.set(T0 + WAIT_MS);
  for (let i = 0; i < 3; i++) await sampler.tick();
  assert.equal(rig.sampledCount(), 0);
  assert.equal(sampler.bufferedTraces(), 6, 'the traces wait');
  for (let p = 0; p < rig.partitions; p++) {
    assert.ok((rig.committed(p) ?? 0n) === 0n, `partition ${p}: nothing committed past its first waiting trace`);
  }
  assert.equal(registry.total('ocsvc_sampler_store_errors_total'), 3);
  assert.equal(logs.count('decision store unavailable; traces wait'), 1, 'logged once, not every round');

  rig.store.down = false;
  await sampler.tick();
  await waitFor(() => rig.sampled.length === 6, { ...WAIT, what: 'all 6 traces forwarded' });
  assert.equal(new Set(rig.sampled.map(traceOf)).size, 6);
  assert.equal(logs.count('decision store back'), 1);
  const ends = rig.endOf(rig.topics.spans);
  await tickUntil(sampler, () => ends.every((end, p) => end === 0n || rig.committed(p) === end), 'committed to the end');
});

void test('at maxBufferedBytes the sampler stops taking records, and takes the rest once decisions free memory', async (t) => {
  // One record per handler call, so the bound is checked after each record.
  const rig = await setup(t, { partitions: 1, bus: { maxBatchRecords: 1 } });
  const traceBytes = encodeTracesProto(whole(0)).length;
  const { sampler, logs } = await rig.start({ maxBufferedBytes: 3 * traceBytes });
  const count = 10;
  for (let n = 0; n < count; n++) assert.equal(encodeTracesProto(whole(n)).length, traceBytes, 'equal-sized traces');
  for (let n = 0; n < count; n++) await rig.publish(whole(n));

  await waitFor(() => sampler.bufferedTraces() === 3, { ...WAIT, what: '3 traces buffered' });
  for (let i = 0; i < 5; i++) {
    await sampler.tick();
    await settle();
  }
  assert.equal(sampler.bufferedTraces(), 3, 'paused: no more records taken');
  assert.equal(sampler.bufferedBytes(), 3 * traceBytes);
  assert.equal(logs.count('buffer full: pausing consumption'), 1);

  // Each round decides what is buffered; the sampler resumes and fills up again.
  const forwarded = () => new Set(rig.sampled.map(traceOf)).size;
  let step = 1;
  while (forwarded() < count) {
    const before = forwarded();
    rig.clock.set(T0 + step++ * WAIT_MS);
    await sampler.tick();
    await waitFor(() => forwarded() > before, { ...WAIT, what: `more than ${before} traces forwarded` });
    await settle();
    assert.ok(sampler.bufferedBytes() <= 3 * traceBytes, 'never more than the bound');
    assert.ok(step < 10, 'bounded number of rounds');
  }
  assert.equal(rig.sampled.length, count);
  assert.ok(logs.count('buffer below 80%: resuming consumption') >= 3);
});

void test('decideOnShutdown: close() decides and forwards every buffered trace and commits to the end', async (t) => {
  const rig = await setup(t);
  const { sampler } = await rig.start({ decideOnShutdown: true });
  for (let n = 0; n < 6; n++) {
    await rig.publish(part(n, 0));
    await rig.publish(part(n, 1));
  }
  await waitFor(() => sampler.bufferedTraces() === 6 && sampler.bufferedBytes() > 0, { ...WAIT, what: '6 traces buffered' });
  await waitFor(() => sampler.bufferedBytes() === [0, 1, 2, 3, 4, 5].reduce((sum, n) => sum + partBytes(n, 0) + partBytes(n, 1), 0), { ...WAIT, what: 'all 12 records buffered' });

  await sampler.close();
  assert.equal(rig.sampledCount(), 12, 'every buffered record forwarded by close()');
  const ends = rig.endOf(rig.topics.spans);
  ends.forEach((end, p) => assert.equal(rig.committed(p), end === 0n ? undefined : end, `partition ${p} committed to its end`));
  const stored = await rig.store.get([0, 1, 2, 3, 4, 5].map(traceIdN));
  assert.ok(stored.every((d) => d?.verdict === 'keep'));
});

void test('without decideOnShutdown, close() forwards nothing undecided and commits only up to the oldest undecided trace; the next sampler takes them', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const first = await rig.start();
  // Offsets: 0 = A.0, 1 = B.0 (T0); 2 = C.0, 3 = A.1, 4 = D.0 (T0 + 500).
  await rig.publish(part(0, 0));
  await rig.publish(part(1, 0));
  await waitFor(() => first.sampler.bufferedTraces() === 2, { ...WAIT, what: 'A and B' });
  rig.clock.set(T0 + 500);
  await rig.publish(part(2, 0));
  await rig.publish(part(0, 1));
  await rig.publish(part(3, 0));
  await waitFor(() => first.sampler.bufferedTraces() === 4 && first.sampler.bufferedBytes() === partBytes(0, 0) + partBytes(1, 0) + partBytes(2, 0) + partBytes(0, 1) + partBytes(3, 0), { ...WAIT, what: '5 records' });
  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(first.sampler, () => rig.committed(0) === 2n, 'A and B decided');

  await first.sampler.close();
  assert.equal(rig.sampledCount(), 3, 'only A (2 records) and B (1) forwarded');
  assert.equal(rig.committed(0), 2n, 'committed up to C, the oldest undecided');

  // The next owner re-reads from C: C and D are new to it; A's record 3 comes
  // again and the store makes it follow A's decision (an at-least-once duplicate).
  const next = await rig.start();
  await waitFor(() => next.sampler.bufferedTraces() === 3, { ...WAIT, what: 'C, A and D buffered again' });
  rig.clock.set(T0 + 2 * WAIT_MS);
  await tickUntil(next.sampler, () => rig.committed(0) === 5n, 'all decided');
  await waitFor(() => rig.sampled.length === 6, { ...WAIT, what: '6 sampled records' });
  const perTrace = new Map<string, number>();
  for (const r of rig.sampled) perTrace.set(traceOf(r), (perTrace.get(traceOf(r)) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perTrace), { [traceIdN(0)]: 3, [traceIdN(1)]: 1, [traceIdN(2)]: 1, [traceIdN(3)]: 1 });
  assert.equal(decisions(next.registry, { verdict: 'keep' }), 3);
});

void test('kept spans the bus refuses are produced again until acknowledged; the offset waits for them', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, bus, logs } = await rig.start();
  let refusals = 2;
  bus.refuse = (topic) => topic === rig.topics.spansSampled && refusals-- > 0;
  await rig.publish(whole(0));
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await sampler.tick();
  await sampler.tick();
  assert.ok(rig.committed(0) === 0n, 'not committed while the forward is refused');
  await waitFor(() => rig.sampled.length === 1, { ...WAIT, what: 'the trace produced after 2 refusals' });
  assert.equal(bus.refused, 2);
  assert.equal(logs.count('producing kept spans failed; retrying'), 1);
  await tickUntil(sampler, () => rig.committed(0) === 1n, 'committed once acknowledged');
});

void test('kept spans waiting for Kafka still count against maxBufferedBytes: a refusing bus pauses consumption', async (t) => {
  // Decided traces leave the buffer but stay in memory until Kafka takes them.
  const rig = await setup(t, { partitions: 1, bus: { maxBatchRecords: 1 } });
  const traceBytes = encodeTracesProto(whole(0)).length;
  const { sampler, bus, registry } = await rig.start({ maxBufferedBytes: 3 * traceBytes });
  bus.refuse = (topic) => topic === rig.topics.spansSampled;
  for (let n = 0; n < 10; n++) await rig.publish(whole(n));
  await waitFor(() => sampler.bufferedTraces() === 3, { ...WAIT, what: '3 traces buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await sampler.tick();
  for (let i = 0; i < 5; i++) {
    await sampler.tick();
    await settle();
  }
  assert.equal(sampler.bufferedTraces(), 0, 'decided and handed to the producer; no new records taken');
  assert.equal(rig.sampled.length, 0, 'Kafka refuses them all');
  const held = registry.snapshot().find((s) => s.name === 'ocsvc_sampler_buffered_bytes');
  assert.equal(held?.value, 3 * traceBytes, 'still held, and reported');
  bus.refuse = () => false;
  await waitFor(() => new Set(rig.sampled.map(traceOf)).size === 3, { ...WAIT, what: 'the 3 traces produced once Kafka takes them' });
  await waitFor(() => sampler.bufferedTraces() > 0, { ...WAIT, what: 'consumption resumed' });
});

void test('an undecodable record is counted dropped and does not hold the offset; a record without a key joins the trace of its first span', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, bus, registry, logs } = await rig.start();
  // 0 = A part 0 (keyed), 1 = garbage, 2 = A part 1 without a key, 3 = B (keyed).
  await rig.publish(part(0, 0));
  await rig.bus.produce(rig.topics.spans, [{ key: idToBytes(traceIdN(9)), value: Buffer.from([0xff, 0xff, 0xff]), partition: 0 }]);
  await rig.bus.produce(rig.topics.spans, [{ key: null, value: Buffer.from(encodeTracesProto(part(0, 1))), partition: 0 }]);
  await rig.publish(part(1, 0));
  await waitFor(() => sampler.bufferedTraces() === 2 && total(registry, 'dropped', { reason: 'undecodable_record' }) === 1, { ...WAIT, what: 'A and B buffered, the garbage dropped' });
  assert.equal(logs.count('dropping an undecodable record'), 1);

  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.committed(0) === 4n, 'committed past everything');
  await waitFor(() => rig.sampled.length === 3, { ...WAIT, what: '3 sampled records' });
  assert.deepEqual(rig.sampled.map((r) => (r.key === null ? 'no key' : traceOf(r))), [traceIdN(0), 'no key', traceIdN(1)]);
  const forwards = bus.calls.filter((c) => c.topic === rig.topics.spansSampled);
  assert.deepEqual(forwards.map((c) => c.records.length), [2, 1], 'the keyless record went with its trace');
});

void test('the periodic decision round forwards due traces without being called', async (t) => {
  const rig = await setup(t);
  const { sampler } = await rig.start({ tickMs: 10 });
  for (let n = 0; n < 3; n++) await rig.publish(whole(n));
  await waitFor(() => sampler.bufferedTraces() === 3, { ...WAIT, what: 'buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await waitFor(() => rig.sampled.length === 3, { ...WAIT, what: 'all 3 traces forwarded' });
  const ends = rig.endOf(rig.topics.spans);
  await waitFor(() => ends.every((end, p) => end === 0n || rig.committed(p) === end), { ...WAIT, what: 'committed to the end' });
});

void test('a second sampler joining the group: every trace is forwarded, each whole in one produce from one sampler, none twice', async (t) => {
  const rig = await setup(t);
  const a = await rig.start();
  const decidedBefore = 10;
  const traces = 40;
  assert.equal(new Set(Array.from({ length: traces }, (_, n) => partitionOf(n, rig.partitions))).size, rig.partitions, 'traces on every partition');

  // Traces 0..9: whole, decided and committed by A alone.
  for (let n = 0; n < decidedBefore; n++) await rig.publish(whole(n));
  await waitFor(() => a.sampler.bufferedTraces() === decidedBefore, { ...WAIT, what: 'first traces buffered' });
  rig.clock.set(T0 + WAIT_MS);
  const ends = rig.endOf(rig.topics.spans);
  await tickUntil(a.sampler, () => ends.every((end, p) => end === 0n || rig.committed(p) === end), 'first traces committed');

  // Traces 10..29: part 0 reaches A, then B joins and takes half the partitions.
  for (let n = decidedBefore; n < 30; n++) await rig.publish(part(n, 0));
  await waitFor(() => a.sampler.bufferedTraces() === 30 - decidedBefore, { ...WAIT, what: 'part 0 of 10..29 at A' });
  const b = await rig.start();
  const ownedByB = (n: number) => [1, 3].includes(partitionOf(n, rig.partitions));
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  assert.ok(range(decidedBefore, 30).some(ownedByB) && !range(decidedBefore, 30).every(ownedByB), 'both samplers get some of 10..29');
  await waitFor(
    () => b.sampler.bufferedTraces() === range(decidedBefore, 30).filter(ownedByB).length && a.sampler.bufferedTraces() === range(decidedBefore, 30).filter((n) => !ownedByB(n)).length,
    { ...WAIT, what: 'partitions split between A and B, B re-reading what A had' },
  );

  // Part 1 of 10..29 and all of 30..39 arrive after the rebalance.
  rig.clock.set(T0 + WAIT_MS + 500);
  for (let n = decidedBefore; n < 30; n++) await rig.publish(part(n, 1));
  for (let n = 30; n < traces; n++) await rig.publish(whole(n));
  const buffered = () => a.sampler.bufferedBytes() + b.sampler.bufferedBytes();
  const want = range(decidedBefore, 30).reduce((s, n) => s + partBytes(n, 0) + partBytes(n, 1), 0) + range(30, traces).reduce((s, n) => s + encodeTracesProto(whole(n)).length, 0);
  await waitFor(() => buffered() === want, { ...WAIT, what: 'everything buffered' });

  rig.clock.set(T0 + 2 * WAIT_MS + 500);
  await a.sampler.tick();
  await b.sampler.tick();
  await waitFor(() => new Set(rig.sampled.map(traceOf)).size === traces, { ...WAIT, what: 'all 40 traces forwarded' });

  // Every produce to spans.sampled, from either sampler, holds whole traces, and no trace is in two.
  const seen = new Map<string, string>();
  for (const [who, s] of [['A', a], ['B', b]] as const) {
    for (const call of s.bus.calls.filter((c) => c.topic === rig.topics.spansSampled)) {
      const byTrace = new Map<string, number>();
      for (const r of call.records) byTrace.set(traceOf(r), (byTrace.get(traceOf(r)) ?? 0) + 1);
      for (const [trace, records] of byTrace) {
        const n = Number.parseInt(trace.slice(-4), 16) - 0xc600;
        assert.equal(records, n >= decidedBefore && n < 30 ? 2 : 1, `trace ${n} whole in one produce (from ${who})`);
        assert.ok(!seen.has(trace), `trace ${n} forwarded by ${who} and by ${seen.get(trace)}`);
        seen.set(trace, who);
        if (n >= decidedBefore) assert.equal(who, ownedByB(n) ? 'B' : 'A', `trace ${n} forwarded by its partition's owner`);
      }
    }
  }
  assert.equal(seen.size, traces);
  assert.equal(rig.sampled.length, traces + (30 - decidedBefore));
  const finalEnds = rig.endOf(rig.topics.spans);
  await tickUntil(a.sampler, () => [0, 2].every((p) => rig.committed(p) === finalEnds[p]), 'A\'s partitions committed');
  await tickUntil(b.sampler, () => [1, 3].every((p) => rig.committed(p) === finalEnds[p]), 'B\'s partitions committed');
});

void test(
  'the memory bound holds for partitions gained while paused',
  async (t) => {
    const rig = await setup(t, { partitions: 2, bus: { maxBatchRecords: 1 } });
    const traceBytes = encodeTracesProto(whole(0)).length;
    const bound = 3 * traceBytes;
    const a = await rig.start({ maxBufferedBytes: bound });
    const b = await rig.start({ maxBufferedBytes: bound });
    const count = 20;
    const onP1 = Array.from({ length: count }, (_, n) => n).filter((n) => partitionOf(n, 2) === 1).length;
    assert.ok(onP1 >= 6 && count - onP1 >= 6, 'enough traces on each partition to fill both samplers');
    for (let n = 0; n < count; n++) await rig.publish(whole(n));
    await waitFor(() => a.sampler.bufferedTraces() === 3 && b.sampler.bufferedTraces() === 3, { ...WAIT, what: 'both samplers at their bound' });

    // B leaves with its traces undecided: A, paused, gains partition 1.
    await b.sampler.close();
    const owns1 = () => a.registry.snapshot().some((s) => s.name === 'ocsvc_kafka_consumer_lag' && s.labels.partition === '1');
    await waitFor(owns1, { ...WAIT, what: 'A owns partition 1' });
    for (let i = 0; i < 3; i++) {
      await a.sampler.tick();
      await settle();
    }
    assert.ok(a.sampler.bufferedBytes() <= bound + traceBytes, `A holds ${a.sampler.bufferedTraces()} traces (${a.sampler.bufferedBytes()} bytes) against a bound of ${bound}`);
  },
);

void test('close() is safe twice and without start()', async (t) => {
  const rig = await setup(t);
  const { sampler } = await rig.start();
  const p1 = sampler.close();
  assert.equal(sampler.close(), p1);
  await p1;
  const never = new Sampler({
    bus: rig.bus, store: rig.store, policies: PolicySet.fromConfig(DEFAULT_POLICIES), groupId: uniqueName('g'), topics: rig.topics,
    decisionWaitMs: 1, decisionTtlMs: 1, tickMs: 1, maxBufferedBytes: 1, decideOnShutdown: true,
    registry: new Registry(), log: captureLog().log,
  });
  await never.close();
});

