// `ocsvc replay` against the real Kafka: it re-exports exactly the records of
// the range it is given (by time or by partition offsets) to the named
// backend, unchanged, reports its progress, and finishes although the topic
// keeps its other records. Usage errors exit 2 without touching Kafka.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatProgress, parseBound } from '../../bin/replay.js';
import { KafkaBus } from '../../lib/bus/kafka-bus.js';
import type { SpanId, TraceId } from '../../lib/model/ids.js';
import { spanCount, type Traces } from '../../lib/model/trace.js';
import { decodeTracesProto, encodeTracesProto, splitTracesByTraceId } from '../../lib/protocol/otlp/index.js';
import { waitFor } from '../harness/wait-for.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { sampleTraces } from '../helpers/fixtures.js';
import { OtlpSink } from '../helpers/otlp-sink.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** sampleTraces with IDs of their own per wave, so that waves can be told apart at the sink. */
function wave(n: number, traces: number): Traces {
  const data = sampleTraces({ traceCount: traces });
  const tag = (id: string, len: number) => (n.toString(16).padStart(2, '0') + id.slice(2)).slice(0, len);
  for (const rs of data.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        s.traceId = tag(s.traceId, 32) as TraceId;
        s.spanId = tag(s.spanId, 16) as SpanId;
      }
    }
  }
  return data;
}

async function publish(bus: KafkaBus, topic: string, traces: Traces, partition?: number): Promise<void> {
  await bus.produce(
    topic,
    [...splitTracesByTraceId(traces)].map(([traceId, one]) => ({
      key: Buffer.from(traceId, 'hex'),
      value: Buffer.from(encodeTracesProto(one)),
      ...(partition === undefined ? {} : { partition }),
    })),
  );
}

function spanIds(list: Traces[]): string[] {
  return list.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId)))).sort();
}

function replay(brokers: string[], sink: OtlpSink, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OCSVC_'))),
    OCSVC_KAFKA_BROKERS: brokers.join(','),
    OCSVC_KAFKA_SESSION_TIMEOUT_MS: '10000',
    OCSVC_LOG_FORMAT: 'json',
    OCSVC_EXPORTER_BACKENDS: JSON.stringify([
      { name: 'sink', type: 'otlp', endpoint: sink.grpcEndpoint, insecure: true, signals: ['traces'] },
      { name: 'metrics-only', type: 'debug', signals: ['metrics'] },
    ]),
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ocsvc.ts', 'replay', '--progress-ms', '200', ...args], { cwd: ROOT, env });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stderr, stdout }))));
}

async function setup(t: TestContext, partitions: number) {
  const brokers = kafkaBrokers(t);
  if (!brokers) return undefined;
  const bus = new KafkaBus({ brokers, clientId: uniqueName('replay-test') });
  t.after(() => bus.close());
  await bus.start();
  const topic = uniqueName('replay');
  await bus.ensureTopics([{ topic, partitions, replicationFactor: 1 }]);
  const sink = await OtlpSink.start(t);
  return { brokers, bus, topic, sink };
}

test('replay --from TIME re-exports exactly the records from that time on, unchanged, and reports progress', async (t) => {
  const s = await setup(t, 3);
  if (!s) return;
  const early = wave(1, 4);
  const late = wave(2, 5);
  await publish(s.bus, s.topic, early);
  const before = Date.now();
  while (Date.now() <= before + 5) await new Promise((resolve) => setTimeout(resolve, 5));
  const boundary = new Date().toISOString();
  while (Date.now() <= Date.parse(boundary) + 5) await new Promise((resolve) => setTimeout(resolve, 5));
  await publish(s.bus, s.topic, late);

  const r = await replay(s.brokers, s.sink, ['--topic', s.topic, '--backend', 'sink', '--from', boundary]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(spanIds(s.sink.traces()), spanIds([late]), 'the late wave, each span once, none of the early one');
  // Unchanged: the same content as published, span for span.
  const arrived = new Map(s.sink.traces().flatMap((tr) => tr.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((sp) => [sp.spanId, { rs, ss, sp }] as const)))));
  for (const rs of late.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const sp of ss.spans) {
        const got = arrived.get(sp.spanId)!;
        assert.deepEqual(got.sp, sp);
        assert.deepEqual(got.rs.resource, rs.resource);
        assert.deepEqual(got.ss.scope, ss.scope);
      }
    }
  }
  const records = splitTracesByTraceId(late).size;
  assert.match(r.stderr, new RegExp(`replay: ${records}/${records} records \\(100\\.0%\\), partitions done 3/3`));
});

test('replay with partition offsets takes [from, to) of each named partition, and the log bounds elsewhere', async (t) => {
  const s = await setup(t, 2);
  if (!s) return;
  // Partition 0: five one-trace records; partition 1: two.
  const p0 = [0, 1, 2, 3, 4].map((i) => wave(10 + i, 1));
  const p1 = [0, 1].map((i) => wave(20 + i, 1));
  for (const w of p0) await publish(s.bus, s.topic, w, 0);
  for (const w of p1) await publish(s.bus, s.topic, w, 1);

  const r = await replay(s.brokers, s.sink, ['--topic', s.topic, '--backend', 'sink', '--from', '0:1', '--to', '0:3,1:1']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(spanIds(s.sink.traces()), spanIds([p0[1]!, p0[2]!, p1[0]!]));
  assert.equal(spanCount({ resourceSpans: s.sink.traces().flatMap((tr) => tr.resourceSpans) }), 9);
});

test("replay re-drives a backend's dead-letter topic to it once the cause is fixed", async (t) => {
  const s = await setup(t, 1);
  if (!s) return;
  // What the exporter wrote there: the consumed records with the dead-letter headers.
  const dlq = `ocsvc.dlq.${uniqueName('x')}.traces`;
  await s.bus.ensureTopics([{ topic: dlq, partitions: 2, replicationFactor: 1 }]);
  const refused = wave(40, 3);
  await s.bus.produce(
    dlq,
    [...splitTracesByTraceId(refused)].map(([traceId, one]) => ({
      key: Buffer.from(traceId, 'hex'),
      value: Buffer.from(encodeTracesProto(one)),
      headers: { 'ocsvc.dlq.reason': 'rejected_by_backend: schema mismatch', 'ocsvc.dlq.backend': 'sink' },
    })),
  );
  const r = await replay(s.brokers, s.sink, ['--topic', dlq, '--backend', 'sink']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(spanIds(s.sink.traces()), spanIds([refused]));
});

/** Every record of a topic, read by a new group until `count` spans have arrived. */
async function readSpans(t: TestContext, bus: KafkaBus, topic: string, count: number): Promise<Traces[]> {
  const got: Traces[] = [];
  const consumer = bus.consumer({
    groupId: uniqueName('reader'),
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => void got.push(...batch.records.map((r) => decodeTracesProto(r.value))),
  });
  t.after(() => consumer.close());
  await consumer.start();
  await waitFor(() => spanCount({ resourceSpans: got.flatMap((x) => x.resourceSpans) }) >= count, { timeoutMs: 30_000, what: `${count} spans on ${topic}` });
  return got;
}

test('replay --resample takes a range through the configured policies into another topic: kept traces whole, the others not at all', async (t) => {
  const s = await setup(t, 3);
  if (!s) return;
  const traces = wave(50, 12); // 12 traces of 3 spans
  const keep = new Set<string>();
  let i = 0;
  for (const rs of traces.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        // Every third trace is marked on one of its spans.
        if (span.parentSpanId === '' && i++ % 3 === 0) {
          span.attributes = [...span.attributes, { key: 'replay.keep', value: { kind: 'string', value: 'yes' } }];
          keep.add(span.traceId);
        }
      }
    }
  }
  // Each trace in two records, as two requests of an app would publish it: the sampler assembles them.
  const byTrace = [...splitTracesByTraceId(traces)];
  const firstHalf = (one: Traces): Traces => ({ resourceSpans: one.resourceSpans.slice(0, 1) });
  const secondHalf = (one: Traces): Traces => ({ resourceSpans: one.resourceSpans.slice(1) });
  for (const part of [firstHalf, secondHalf]) {
    await s.bus.produce(
      s.topic,
      byTrace.map(([traceId, one]) => ({ key: Buffer.from(traceId, 'hex'), value: Buffer.from(encodeTracesProto(part(one))) })),
    );
  }
  const output = uniqueName('resampled');
  const r = await replay(s.brokers, s.sink, ['--topic', s.topic, '--resample', '--output-topic', output], {
    OCSVC_SAMPLER_POLICIES: JSON.stringify([{ name: 'marked', type: 'string_attribute', string_attribute: { key: 'replay.keep', values: ['yes'] } }]),
    OCSVC_SAMPLER_DECISION_WAIT_MS: '1000',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(keep.size, 4);
  const out = await readSpans(t, s.bus, output, 4 * 3);
  const arrived = out.flatMap((x) => x.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  assert.deepEqual([...new Set(arrived.map((sp) => sp.traceId))].sort(), [...keep].sort(), 'the marked traces, and only they');
  assert.equal(arrived.length, 12, 'each kept trace whole (3 spans), once');
  const done = r.stdout.split('\n').find((l) => l.includes('"replay done"'));
  assert.ok(done, r.stdout);
  assert.equal(JSON.parse(done).keptTraces, 4);
  assert.equal(JSON.parse(done).droppedTraces, 8);
  assert.equal(s.sink.traces().length, 0, 'no backend involved');
});

test('an empty range finishes at once with nothing sent', async (t) => {
  const s = await setup(t, 1);
  if (!s) return;
  await publish(s.bus, s.topic, wave(30, 2));
  const r = await replay(s.brokers, s.sink, ['--topic', s.topic, '--backend', 'sink', '--from', 'latest']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(s.sink.traces().length, 0);
  assert.match(r.stderr, /replay: 0\/0 records \(100\.0%\)/);
});

test('usage errors exit 2 and say what is wrong', async (t) => {
  const sink = await OtlpSink.start(t);
  const brokers = ['127.0.0.1:1']; // never reached: the arguments are refused first
  const cases: [string[], RegExp][] = [
    [['--backend', 'sink'], /--topic is required/],
    [['--topic', 'x'], /--backend \(or --resample\) is required/],
    [['--topic', 'x', '--backend', 'nope'], /no backend named "nope" in exporter\.backends \(sink, metrics-only\)/],
    [['--topic', 'x', '--backend', 'metrics-only'], /backend "metrics-only" does not take traces/],
    [['--topic', 'x', '--backend', 'sink', '--from', 'yesterday-ish'], /--from: "yesterday-ish" is not earliest, latest, a time/],
    [['--topic', 'x', '--backend', 'sink', '--signal', 'logs'], /--signal must be traces or metrics/],
    [['--topic', 'x', '--resample'], /--resample needs --output-topic/],
    [['--topic', 'x', '--resample', '--output-topic', 'x'], /--output-topic must differ from --topic/],
    [['--topic', 'x', '--resample', '--backend', 'sink', '--output-topic', 'y'], /--backend and --resample exclude each other/],
  ];
  for (const [args, message] of cases) {
    const r = await replay(brokers, sink, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('parseBound reads every form, and progress reads as an operator expects', () => {
  assert.equal(parseBound('earliest', 'x'), 'earliest');
  assert.deepEqual(parseBound('2026-12-01T10:00:00Z', 'x'), { timeMs: Date.parse('2026-12-01T10:00:00Z') });
  assert.deepEqual(parseBound('1700000000000', 'x'), { timeMs: 1_700_000_000_000 });
  assert.deepEqual(parseBound('0:12,3:7', 'x'), { offsets: new Map([[0, 12n], [3, 7n]]) });
  assert.throws(() => parseBound('0:1,0:2', '--to'), /--to: partition 0 is given twice/);
  assert.equal(
    formatProgress({ handled: 250n, total: 1000n, partitionsDone: 1, partitions: 4 }, 0, 2_000),
    'replay: 250/1000 records (25.0%), partitions done 1/4, 125 records/s, about 6 s left',
  );
});
