// Trace assembly: when a trace is decided. At the decision wait after its
// first span; earlier once its root span has arrived and the trace has been
// quiet for rootQuietMs; at once when it reaches the per-trace span or byte
// limit (decided on what has arrived, counted). Spans arriving after the
// decision follow it from the local cache, and are counted as late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idToBytes } from '../../lib/model/ids.js';
import { TraceRequestType } from '../../lib/protocol/otlp/proto-root.js';
import { traceIdN } from '../helpers/fixtures.js';
import { T0, part, traceOf } from './harness.js';
import { WAIT, WAIT_MS, partBytes, setup, tickUntil, total } from './rig.js';
import { waitFor } from '../harness/wait-for.js';
import type { Registry } from '../../lib/telemetry/stats.js';

const triggers = (registry: Registry, reason: string) => registry.total('ocsvc_sampler_decision_triggers_total', { reason });
const late = (registry: Registry, verdict: string) => registry.total('ocsvc_sampler_late_spans_total', { verdict });

void test('a trace whose root has arrived is decided rootQuietMs after its last span, before the decision wait; a late span then follows at once', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, registry } = await rig.start({ rootQuietMs: 200 });
  await rig.publish(part(0, 1)); // the children first
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'children buffered' });
  rig.clock.set(T0 + 100);
  await rig.publish(part(0, 0)); // then the root
  await waitFor(() => sampler.bufferedBytes() === partBytes(0, 0) + partBytes(0, 1), { ...WAIT, what: 'root buffered' });

  rig.clock.set(T0 + 299);
  await sampler.tick();
  assert.equal(rig.sampledCount(), 0, 'heard from at 100: not quiet yet');
  rig.clock.set(T0 + 300);
  await tickUntil(sampler, () => rig.sampled.length === 2, 'decided on a quiet root, 700 ms before the decision wait');
  assert.equal(triggers(registry, 'root_quiet'), 1);

  await rig.publish(part(0, 1)); // a late span of the kept trace
  await waitFor(() => rig.sampled.length === 3, { ...WAIT, what: 'the late span forwarded without a decision round' });
  assert.equal(late(registry, 'keep'), 2, 'two late spans');
  assert.equal(sampler.bufferedTraces(), 0);
});

void test('a trace without its root waits the full decision wait, however quiet', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, registry } = await rig.start({ rootQuietMs: 200 });
  await rig.publish(part(1, 1));
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'buffered' });
  rig.clock.set(T0 + WAIT_MS - 1);
  await sampler.tick();
  assert.equal(rig.sampledCount(), 0);
  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.sampled.length === 1, 'decided at the decision wait');
  assert.equal(triggers(registry, 'decision_wait'), 1);
  assert.equal(triggers(registry, 'root_quiet'), 0);
});

void test('a trace reaching maxSpansPerTrace is decided at once on what has arrived; its later spans follow the decision', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, registry } = await rig.start({ maxSpansPerTrace: 3 });
  await rig.publish(part(2, 0)); // 1 span
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'first part buffered' });
  await sampler.tick();
  assert.equal(rig.sampledCount(), 0, '1 span: below the limit');
  await rig.publish(part(2, 1)); // 2 more: 3
  await waitFor(() => sampler.bufferedBytes() === partBytes(2, 0) + partBytes(2, 1), { ...WAIT, what: 'second part buffered' });
  await tickUntil(sampler, () => rig.sampled.length === 2, 'decided at the limit, at T0: no wait');
  assert.equal(triggers(registry, 'span_limit'), 1);
  await rig.publish(part(2, 1));
  await waitFor(() => rig.sampled.length === 3, { ...WAIT, what: 'a later part follows' });
  assert.equal(late(registry, 'keep'), 2);
});

void test('a trace reaching maxBytesPerTrace is decided at once, counted as byte_limit', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, registry } = await rig.start({ maxBytesPerTrace: partBytes(3, 0) + 1 });
  await rig.publish(part(3, 0));
  await waitFor(() => sampler.bufferedTraces() === 1, { ...WAIT, what: 'buffered' });
  await sampler.tick();
  assert.equal(rig.sampledCount(), 0, 'one byte short of the limit');
  await rig.publish(part(3, 1));
  await tickUntil(sampler, () => rig.sampled.length === 2, 'decided at the byte limit');
  assert.equal(triggers(registry, 'byte_limit'), 1);
});

void test('a record that passes the arrival scan but not the full decode is dropped and counted when its trace is decided; the rest of the trace goes on', async (t) => {
  const rig = await setup(t, { partitions: 1 });
  const { sampler, registry, logs } = await rig.start();
  await rig.publish(part(4, 0));
  // A span whose trace ID has 3 bytes: the scan only counts spans, the decoder refuses it.
  const bad = TraceRequestType.encode({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from([1, 2, 3]), spanId: Buffer.alloc(8, 1), name: 'bad' }] }] }] }).finish();
  await rig.bus.produce(rig.topics.spans, [{ key: idToBytes(traceIdN(4)), value: Buffer.from(bad), partition: 0 }]);
  await rig.publish(part(4, 1));
  await waitFor(() => sampler.bufferedBytes() === partBytes(4, 0) + partBytes(4, 1) + bad.length, { ...WAIT, what: 'all three records buffered' });
  rig.clock.set(T0 + WAIT_MS);
  await tickUntil(sampler, () => rig.committed(0) === 3n, 'decided and committed past all three');
  assert.deepEqual(rig.sampled.map(traceOf), [traceIdN(4), traceIdN(4)], 'the two good records');
  assert.equal(total(registry, 'dropped', { reason: 'undecodable_record' }), 1);
  assert.equal(total(registry, 'sent', { signal: 'traces' }), 3);
  assert.equal(logs.count('dropping a record that does not decode'), 1);
});
