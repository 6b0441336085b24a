// DebugBackend: what each verbosity logs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DebugBackend, type Verbosity } from '../../../lib/backend/debug.js';
import { formatTime } from '../../../lib/backend/debug-format.js';
import { sampleMetrics, sampleTraces } from './sample-data.js';

const live = () => new AbortController().signal;

async function logged(verbosity: Verbosity, signal: 'traces' | 'metrics'): Promise<string[]> {
  const out: string[] = [];
  const b = new DebugBackend({ verbosity, log: (line) => out.push(line) });
  const result = signal === 'traces' ? await b.exportTraces(sampleTraces(), live()) : await b.exportMetrics(sampleMetrics(), live());
  assert.deepEqual(result, { status: 'ok' });
  await b.close();
  return out;
}

test('basic logs one count line per export', async () => {
  assert.deepEqual(await logged('basic', 'traces'), ['debug: Traces {resource spans: 2, spans: 3}']);
  assert.deepEqual(await logged('basic', 'metrics'), ['debug: Metrics {resource metrics: 1, metrics: 4, data points: 4}']);
});

test('normal adds a line per span with trace ID, span ID, name and duration', async () => {
  const lines = await logged('normal', 'traces');
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.slice(1), [
    '0af7651916cd43dd8448eb211c80319c b7ad6b7169203331 GET /orders 1.500ms',
    '0af7651916cd43dd8448eb211c80319c 00f067aa0ba902b7 SELECT orders 1.500ms',
    '4bf92f3577b34da6a3ce929d0e0e4736 53995c3f42cd8ad8 consume 1.500ms',
  ]);
  assert.deepEqual((await logged('normal', 'metrics')).slice(1), [
    'queue.depth gauge ({item}) 1 points',
    'requests sum (1) 1 points',
    'latency histogram (ms) 1 points',
    'rpc.duration summary (s) 1 points',
  ]);
});

test('detailed logs every span field, attributes, events and links', async () => {
  const text = (await logged('detailed', 'traces')).join('\n');
  for (const expected of [
    'Name           : SELECT orders',
    'Parent ID      : b7ad6b7169203331',
    '-> service.name: Str(orders)',
    '-> db.rows: Int(9007199254740993)',
    '-> db.raw: Bytes(AAH+/w==)',
    '-> db.tags: Slice([Str(a), Int(2)])',
    '-> db.map: Map({inner: Str(x)})',
    'Status message : timeout',
    'SpanEvent #0',
    '-> Trace ID: 11111111111111111111111111111111',
    'Start time     : 2023-11-14T22:13:20.123456789Z',
  ]) {
    assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)}`);
  }
  const metrics = (await logged('detailed', 'metrics')).join('\n');
  for (const expected of ['-> Name: latency', 'ExplicitBounds: [10]', 'Buckets: [1, 2]', 'Value: 42', 'QuantileValue: 0.5 -> 1.5']) {
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
