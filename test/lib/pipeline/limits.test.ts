// The receivers' limits: what a request larger than allowed gets, what is
// dropped or truncated inside one (and counted), and what is never touched.
// Checked on the consumer wrapper and through a real OTLP/HTTP receiver.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { KeyValue } from '../../../lib/model/common.js';
import { spanCount, type Traces } from '../../../lib/model/trace.js';
import { limitTraces, truncateUtf8, withLimits, type Limits } from '../../../lib/pipeline/limits.js';
import { encodeTracesProto } from '../../../lib/protocol/otlp/index.js';
import { decodeRpcStatusProto } from '../../../lib/protocol/rpc-status.js';
import { OtlpHttpReceiver } from '../../../lib/receiver/otlp/index.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';
import { RecordingConsumer } from '../receiver/otlp/recording-consumer.js';

const LIMITS: Limits = { maxSpansPerRequest: 1_000, maxDataPointsPerRequest: 1_000, maxAttributes: 3, maxAttributeValueBytes: 8 };
const ctx = { protocol: 'test', receivedAtMs: 0 };
const attrs = (n: number): KeyValue[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { kind: 'int', value: BigInt(i) } }));

function oneSpan(): Traces {
  const traces = sampleTraces({ traceCount: 1 });
  traces.resourceSpans = traces.resourceSpans.slice(0, 1);
  return traces;
}

test('a request with more spans or data points than allowed is refused whole, naming the limit; nothing reaches the pipeline', async () => {
  const inner = new RecordingConsumer();
  const limited = withLimits(inner, { ...LIMITS, maxSpansPerRequest: 8, maxDataPointsPerRequest: 8 }, new Registry());
  assert.equal(spanCount(sampleTraces()), 9);
  assert.deepEqual(await limited.consumeTraces(sampleTraces(), ctx), {
    status: 'rejected',
    reason: 'the request holds 9 spans; the limit is 8 (receivers.limits.maxSpansPerRequest): send smaller batches',
  });
  const metrics = await limited.consumeMetrics(sampleMetrics(), ctx);
  assert.equal(metrics.status, 'rejected');
  assert.match((metrics as { reason: string }).reason, /the request holds 9 data points; the limit is 8 \(receivers\.limits\.maxDataPointsPerRequest\)/);
  assert.equal(inner.traces.length + inner.metrics.length, 0);
  assert.deepEqual(await withLimits(inner, { ...LIMITS, maxSpansPerRequest: 9 }, new Registry()).consumeTraces(sampleTraces(), ctx), { status: 'ok' }, 'at the limit is fine');
});

test('attributes past the count limit are dropped from spans, events, links, resources and scopes, and added to their dropped counts', () => {
  const traces = oneSpan();
  const rs = traces.resourceSpans[0]!;
  const ss = rs.scopeSpans[0]!;
  const span = ss.spans[0]!;
  rs.resource = { attributes: attrs(5), droppedAttributesCount: 1 };
  ss.scope.attributes = attrs(4);
  ss.scope.droppedAttributesCount = 0;
  span.attributes = attrs(10);
  span.droppedAttributesCount = 2;
  span.events = [{ timeUnixNano: 1n, name: 'e', attributes: attrs(3), droppedAttributesCount: 0 }];
  span.links = [{ ...span.links[0]!, attributes: attrs(7), droppedAttributesCount: 0 }];
  const tally = limitTraces(traces, LIMITS);
  assert.deepEqual(span.attributes, attrs(3), 'the first ones are kept, in order');
  assert.equal(span.droppedAttributesCount, 2 + 7);
  assert.deepEqual([rs.resource.attributes.length, rs.resource.droppedAttributesCount], [3, 1 + 2]);
  assert.deepEqual([ss.scope.attributes.length, ss.scope.droppedAttributesCount], [3, 1]);
  assert.deepEqual([span.events[0]!.attributes.length, span.events[0]!.droppedAttributesCount], [3, 0], 'at the limit: untouched');
  assert.deepEqual([span.links[0]!.attributes.length, span.links[0]!.droppedAttributesCount], [3, 4]);
  assert.deepEqual(tally, { dropped: 7 + 2 + 1 + 4, truncated: 0 });
});

test('long strings and bytes are truncated, inside arrays and kvlists too; short values are the same objects', () => {
  const traces = oneSpan();
  const span = traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  const short = { kind: 'string', value: 'ok' } as const;
  span.attributes = [
    { key: 's', value: { kind: 'string', value: 'héllo wörld' } },
    { key: 'b', value: { kind: 'bytes', value: new Uint8Array(20).fill(7) } },
    { key: 'a', value: { kind: 'array', value: [short, { kind: 'string', value: '0123456789' }] } },
  ];
  const tally = limitTraces(traces, { ...LIMITS, maxAttributes: 10 });
  assert.deepEqual(span.attributes[0]!.value, { kind: 'string', value: 'héllo w' }, '8 bytes: é takes two');
  assert.deepEqual(span.attributes[1]!.value, { kind: 'bytes', value: new Uint8Array(8).fill(7) });
  const arr = span.attributes[2]!.value as unknown as { value: { value: string }[] };
  assert.equal(arr.value[0], short);
  assert.equal(arr.value[1]!.value, '01234567');
  assert.deepEqual(tally, { dropped: 0, truncated: 3 });
});

test('truncateUtf8 gives the longest prefix that fits, never half a character', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat({ max: 100 }), (s, max) => {
      const cut = truncateUtf8(s, max);
      const bytes = Buffer.byteLength(cut);
      assert.ok(bytes <= max || cut === s);
      assert.ok(s.startsWith(cut));
      assert.ok(!cut.includes('\uFFFD') || s.includes('\uFFFD'), 'no replacement character made');
      if (cut !== s) {
        // One more code point would not fit.
        const next = String.fromCodePoint(s.slice(cut.length).codePointAt(0)!);
        assert.ok(bytes + Buffer.byteLength(next) > max);
      }
    }),
  );
});

test('metric data point attributes are never touched: they say which series a point belongs to', async () => {
  const inner = new RecordingConsumer();
  await withLimits(inner, { ...LIMITS, maxAttributes: 1, maxAttributeValueBytes: 1 }, new Registry()).consumeMetrics(sampleMetrics(), ctx);
  const data = (m: ReturnType<typeof sampleMetrics>) => m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((x) => x.data)));
  assert.ok(data(sampleMetrics()).some((d) => JSON.stringify(d, (_, v: unknown) => (typeof v === 'bigint' ? 0 : v)).includes('attributes')));
  assert.deepEqual(data(inner.metrics[0]!.metrics), data(sampleMetrics()));
});

test('what the limits change is counted by limit', async () => {
  const registry = new Registry();
  const traces = oneSpan();
  const span = traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  span.attributes = [...attrs(4), { key: 'long', value: { kind: 'string', value: 'x'.repeat(50) } }];
  await withLimits(new RecordingConsumer(), { ...LIMITS, maxAttributes: 100 }, registry).consumeTraces(traces, ctx);
  await withLimits(new RecordingConsumer(), LIMITS, registry).consumeTraces(oneSpanWith(attrs(5)), ctx);
  assert.equal(registry.total('ocsvc_limits_applied_total', { limit: 'value_bytes' }), 1);
  assert.equal(registry.total('ocsvc_limits_applied_total', { limit: 'attributes' }), 2);
});

function oneSpanWith(attributes: KeyValue[]): Traces {
  const traces = oneSpan();
  const span = traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  span.attributes = attributes;
  span.droppedAttributesCount = 0;
  span.events = [];
  span.links = [];
  traces.resourceSpans[0]!.resource.attributes = [];
  traces.resourceSpans[0]!.scopeSpans[0]!.scope.attributes = [];
  return traces;
}

async function receiver(t: TestContext, limits: Limits) {
  const inner = new RecordingConsumer();
  const registry = new Registry();
  const r = new OtlpHttpReceiver({ endpoint: '127.0.0.1:0', consumer: withLimits(inner, limits, registry), registry });
  await r.start();
  t.after(() => r.close());
  return { inner, url: `http://127.0.0.1:${r.port}/v1/traces` };
}

test('through a real OTLP/HTTP receiver: too many spans is a 400 naming the limit; limited attributes arrive limited', async (t) => {
  const { inner, url } = await receiver(t, { ...LIMITS, maxSpansPerRequest: 5 });
  const refused = await fetch(url, { method: 'POST', body: encodeTracesProto(sampleTraces()), headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(refused.status, 400);
  assert.match(decodeRpcStatusProto(Buffer.from(await refused.arrayBuffer())).message, /holds 9 spans; the limit is 5/);
  const ok = await fetch(url, { method: 'POST', body: encodeTracesProto(oneSpanWith(attrs(6))), headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(ok.status, 200);
  const span = inner.traces[0]!.traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.deepEqual([span.attributes.length, span.droppedAttributesCount], [3, 3]);
});
