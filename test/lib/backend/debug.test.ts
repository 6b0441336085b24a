// DebugBackend: what each verbosity logs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DebugBackend, type Verbosity } from '../../../lib/backend/debug.js';
import { formatTime } from '../../../lib/backend/debug-format.js';
import { sampleMetrics, sampleTraces } from '../../helpers/fixtures.js';

const live = () => new AbortController().signal;

async function logged(verbosity: Verbosity, signal: 'traces' | 'metrics'): Promise<string[]> {
  const out: string[] = [];
  const b = new DebugBackend({ verbosity, log: (line) => out.push(line) });
  // One trace: three spans, over two resources, the first filling every field.
  const result = signal === 'traces' ? await b.exportTraces(sampleTraces({ traceCount: 1 }), live()) : await b.exportMetrics(sampleMetrics(), live());
  assert.deepEqual(result, { status: 'ok' });
  await b.close();
  return out;
}

test('basic logs one count line per export', async () => {
  assert.deepEqual(await logged('basic', 'traces'), ['debug: Traces {resource spans: 2, spans: 3}']);
  assert.deepEqual(await logged('basic', 'metrics'), ['debug: Metrics {resource metrics: 1, metrics: 6, data points: 9}']);
});

test('normal adds a line per span with trace ID, span ID, name and duration', async () => {
  const lines = await logged('normal', 'traces');
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.slice(1), [
    '5b8efff798038103d269b633813fc600 eee19b7ec3c1b100 op-0-0 2.500ms',
    '5b8efff798038103d269b633813fc600 eee19b7ec3c1b101 op-0-1 2.500ms',
    '5b8efff798038103d269b633813fc600 eee19b7ec3c1b102 op-0-2 2.500ms',
  ]);
  assert.deepEqual((await logged('normal', 'metrics')).slice(1), [
    'cpu.temperature gauge (Cel) 3 points',
    'requests sum (1) 2 points',
    'latency histogram (ms) 2 points',
    'latency.exp exponentialHistogram (s) 1 points',
    'rpc.summary summary 1 points',
    'no.data empty 0 points',
  ]);
});

test('detailed logs every span field, attributes, events and links', async () => {
  const text = (await logged('detailed', 'traces')).join('\n');
  for (const expected of [
    'Name           : op-0-1',
    'Parent ID      : eee19b7ec3c1b100',
    '-> service.name: Str(frontend)',
    '-> int.big: Int(9007199254740993)',
    '-> bytes: Bytes(AAEC/v8=)',
    '-> array: Slice([Str(a), Int(1), Empty(), Slice([Bool(false)])])',
    '-> kvlist: Map({inner: Double(0.5), nested: Map({})})',
    'Status message : boom',
    'SpanEvent #0',
    '-> Trace ID: 5b8efff798038103d269b633813fc663',
    'Start time     : 2023-11-14T22:13:20.123456789Z',
  ]) {
    assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)}`);
  }
  const metrics = (await logged('detailed', 'metrics')).join('\n');
  for (const expected of [
    '-> Name: latency',
    'ExplicitBounds: [0, 10.5]',
    'Buckets: [1, 1152921504606846973, 2]',
    'Value: 41.5',
    'QuantileValue: 0.99 -> Infinity',
  ]) {
    assert.ok(metrics.includes(expected), `missing ${JSON.stringify(expected)}`);
  }
});

test('formatTime keeps all nine digits of nanoseconds', () => {
  assert.equal(formatTime(0n), '1970-01-01T00:00:00.000000000Z');
  assert.equal(formatTime(1_000_000_001n), '1970-01-01T00:00:01.000000001Z');
});

test('an aborted signal logs nothing', async () => {
  const out: string[] = [];
  const b = new DebugBackend({ log: (line) => out.push(line) });
  const controller = new AbortController();
  controller.abort();
  assert.deepEqual(await b.exportTraces(sampleTraces(), controller.signal), { status: 'retryable', reason: 'aborted' });
  assert.deepEqual(out, []);
});
