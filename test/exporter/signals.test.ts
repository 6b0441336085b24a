// The per-signal table the exporter runs on: decode what the topics carry,
// count items as the stats count them, merge records into one request without
// losing or reordering anything, and send to the backend's method for that signal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OtlpGrpcBackend } from '../../lib/backend/otlp-grpc.js';
import { InvalidInputError } from '../../lib/errors.js';
import { dataPointCount } from '../../lib/model/metrics.js';
import { spanCount } from '../../lib/model/trace.js';
import { encodeMetricsProto, encodeTracesProto, splitTracesByTraceId } from '../../lib/protocol/otlp/index.js';
import { sampleMetrics, sampleTraces } from '../helpers/fixtures.js';
import { OtlpSink } from '../helpers/otlp-sink.js';
import { SIGNAL_CODECS } from '../../exporter/signals.js';

void test('traces: decode gives back what was encoded, and count is the number of spans', () => {
  const input = sampleTraces({ traceCount: 4 });
  const decoded = SIGNAL_CODECS.traces.decode(encodeTracesProto(input));
  assert.deepEqual(decoded, input);
  assert.equal(SIGNAL_CODECS.traces.count(decoded), 12);
});

void test('metrics: decode gives back what was encoded, and count is the number of data points', () => {
  const decoded = SIGNAL_CODECS.metrics.decode(encodeMetricsProto(sampleMetrics()));
  assert.deepEqual(decoded, sampleMetrics());
  assert.equal(SIGNAL_CODECS.metrics.count(decoded), dataPointCount(sampleMetrics()));
  assert.ok(SIGNAL_CODECS.metrics.count(decoded) > 0);
});

void test('decode refuses bytes that are not OTLP with InvalidInputError', () => {
  assert.throws(() => SIGNAL_CODECS.traces.decode(Buffer.from([0xff, 0xff, 0xff])), InvalidInputError);
  assert.throws(() => SIGNAL_CODECS.metrics.decode(Buffer.from([0xff, 0xff, 0xff])), InvalidInputError);
});

void test('merge keeps every resource entry of every record, in order', () => {
  const parts = [...splitTracesByTraceId(sampleTraces({ traceCount: 3 })).values()];
  const merged = SIGNAL_CODECS.traces.merge(parts);
  assert.deepEqual(merged.resourceSpans, parts.flatMap((p) => p.resourceSpans));
  assert.equal(spanCount(merged), 9);
  assert.deepEqual(SIGNAL_CODECS.traces.merge([]), { resourceSpans: [] });

  const m = sampleMetrics();
  const mergedMetrics = SIGNAL_CODECS.metrics.merge([m, m]);
  assert.deepEqual(mergedMetrics.resourceMetrics, [...m.resourceMetrics, ...m.resourceMetrics]);
  assert.equal(dataPointCount(mergedMetrics), 2 * dataPointCount(m));
});

void test('send goes to the backend\'s service for the signal', async (t) => {
  const sink = await OtlpSink.start(t);
  const backend = new OtlpGrpcBackend({ endpoint: sink.grpcEndpoint, insecure: true, timeoutMs: 5_000 });
  t.after(() => backend.close());
  const live = new AbortController().signal;
  assert.deepEqual(await SIGNAL_CODECS.traces.send(backend, sampleTraces(), live), { status: 'ok' });
  assert.deepEqual(await SIGNAL_CODECS.metrics.send(backend, sampleMetrics(), live), { status: 'ok' });
  assert.deepEqual(sink.requests.map((r) => r.signal), ['traces', 'metrics']);
  assert.deepEqual(sink.traces(), [sampleTraces()]);
  assert.deepEqual(sink.metrics(), [sampleMetrics()]);
});
