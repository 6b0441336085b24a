// The opencensus receiver with the real OpenCensus Python libraries
// (opencensus 0.11.4, opencensus-ext-ocagent 0.7.1, pinned with all their
// dependencies in python-client/requirements.txt): python-client/client.py
// sends a trace, metrics and asks for the trace config against all-in-one,
// and we check what reaches an OTLP backend. The virtual environment is
// created once into .cache/python/ (test/harness/python.ts); without Python
// the tests skip locally and fail under CI.
//
// There is no Node.js counterpart: @opencensus/exporter-ocagent was never
// published to npm (E404), so the Node.js library cannot be driven here.
//
// What the Python exporter does that these tests pin down (read in its source):
// - traces: one Export stream per ended span, its one request carrying the
//   Node; it then waits for the agent to end the stream (an agent that does
//   not would hang it), and swallows any error;
// - no Resource on traces; metrics carry one from OC_RESOURCE_* (else type
//   "global") after probing GCE and EC2 metadata servers, which the client
//   turns off to stay on loopback;
// - the host name is socket.gethostname(); float attributes are sent as doubles
//   and link attributes are kept (unlike Go);
// - config: update_config() sends its current config on a new Config stream,
//   returns the first UpdatedLibraryConfig and applies nothing: a Tracer keeps
//   the sampler the application gave it (by default ProbabilitySampler(1e-4)).
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpanKind, StatusCode } from '../../../lib/model/trace.js';
import { uniqueName } from '../../harness/env.js';
import { pythonEnv } from '../../harness/python.js';
import {
  arrivedSpans,
  assertAttributes,
  assertChildEvents,
  assertChildLink,
  assertMetricsArrive,
  assertNodeResource,
  assertUserAttributes,
  receivedByReceiver,
  startClient,
  startCollector,
  waitForSpans,
  type Collector,
  type JsonLine,
} from './interop.js';

const REQUIREMENTS = fileURLToPath(new URL('./python-client/requirements.txt', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./python-client/client.py', import.meta.url));
const CORE_VERSION = '0.11.4';
const EXPORTER_VERSION = '0.0.1'; // opencensus-ext-ocagent's EXPORTER_VERSION constant

interface Run {
  service: string;
  run: string;
  env: NodeJS.ProcessEnv;
}

function newRun(): Run {
  const run = uniqueName('py');
  return {
    service: `oc-interop-python-${run.slice(3, 11)}`,
    run,
    // PYTHONWARNINGS: google-api-core warns about Python 3.11's end of life on every start.
    env: { OC_RESOURCE_TYPE: 'interop.test', OC_RESOURCE_LABELS: `interop.run="${run}",deployment="test"`, PYTHONWARNINGS: 'ignore::FutureWarning', PYTHONUNBUFFERED: '1' },
  };
}

function client(t: TestContext, python: string, collector: Collector, r: Run, mode: string, ...extra: string[]) {
  return startClient(t, python, [SCRIPT, mode, '--agent', collector.agent, '--service', r.service, '--run', r.run, ...extra], r.env);
}

void test('a Python trace arrives with its span tree, kinds, typed attributes, events, link, status and the Node as resource', async (t) => {
  const python = await pythonEnv(t, REQUIREMENTS, 'opencensus-python');
  if (!python) return;
  const collector = await startCollector(t);
  const r = newRun();
  const proc = client(t, python, collector, r, 'traces');
  const [out] = (await proc.done()) as [JsonLine & { traceId: string; root: { spanId: string }; child: { spanId: string }; link: { traceId: string; spanId: string } }];
  assert.equal(out.pid, proc.pid);

  const spans = await waitForSpans(collector.sink, [out.root.spanId, out.child.spanId]);
  const root = spans.get(out.root.spanId)!;
  const child = spans.get(out.child.spanId)!;
  for (const s of [root, child]) {
    assert.equal(s.span.traceId, out.traceId);
    assertNodeResource(s.resource, { service: r.service, hostName: hostname(), pid: proc.pid, language: 'python', coreLibraryVersion: CORE_VERSION, exporterVersion: EXPORTER_VERSION }, s.span.name);
    assert.ok(s.span.startTimeUnixNano > 0n && s.span.startTimeUnixNano <= s.span.endTimeUnixNano, `${s.span.name}: start before end`);
  }

  assert.equal(root.span.name, 'oc-interop root');
  assert.equal(root.span.kind, SpanKind.SERVER);
  assert.equal(root.span.parentSpanId, '');
  assertUserAttributes(root.span.attributes, { 'interop.run': r.run }, 'root');
  assert.deepEqual(root.span.status, { code: StatusCode.OK, message: '' }, 'Python sends status code 0 on every span: OK');

  assert.equal(child.span.name, 'oc-interop child');
  assert.equal(child.span.kind, SpanKind.CLIENT);
  assert.equal(child.span.parentSpanId, out.root.spanId);
  assertUserAttributes(child.span.attributes, { 'peer.service': 'inventory', 'retry.count': { int: 3n }, 'cache.hit': true, 'load.ratio': { double: 0.25 } }, 'child');
  assert.deepEqual(child.span.status, { code: StatusCode.ERROR, message: 'sku not found' });
  assertAttributes(child.span.attributes, { 'opencensus.status_code': { int: 5n } }, 'child: the gRPC code NOT_FOUND is kept');

  // Python stamps events with microseconds; the span times too.
  assertChildEvents(child.span);

  assertChildLink(child.span, out.link, { 'link.reason': 'retry' });

  assert.equal(arrivedSpans(collector.sink).filter((a) => a.span.traceId === out.traceId).length, 2, 'each span arrives once');
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});

void test('Python metrics arrive with their types, label attributes, values and distribution buckets', async (t) => {
  const python = await pythonEnv(t, REQUIREMENTS, 'opencensus-python');
  if (!python) return;
  const collector = await startCollector(t);
  const r = newRun();
  const proc = client(t, python, collector, r, 'metrics');
  const [out] = await proc.done();
  assert.deepEqual(out!.closed, { 'metrics.v1.MetricsService.Export': 'ok' }, 'the receiver ends the export stream the library half-closes, with OK');

  await assertMetricsArrive(collector.sink, r.service, (resource, where) => {
    assertNodeResource(resource, { service: r.service, hostName: hostname(), pid: proc.pid, language: 'python', coreLibraryVersion: CORE_VERSION, exporterVersion: EXPORTER_VERSION }, where);
    assertAttributes(resource.attributes, { 'opencensus.resourcetype': 'interop.test', 'interop.run': r.run, deployment: 'test' }, `${where} resource`);
  });
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});

void test('the Python library receives the configured TraceConfig on request, after a change too, and applies none of it', async (t) => {
  const python = await pythonEnv(t, REQUIREMENTS, 'opencensus-python');
  if (!python) return;
  const collector = await startCollector(t, { sampler: 'probability', samplingProbability: 1 });
  const r = newRun();
  const SPANS = 20;
  const proc = client(t, python, collector, r, 'config', '--rounds', '2', '--spans', String(SPANS));
  const limits = { maxNumberOfAttributes: 32, maxNumberOfAnnotations: 32, maxNumberOfMessageEvents: 128, maxNumberOfLinks: 32 };
  const libraryDefault = { type: 'ProbabilitySampler', rate: 0.0001 };

  const r1 = await proc.next('round 1');
  assert.deepEqual(r1.sent, { sampler: 'probability', samplingProbability: 0.0001, maxNumberOfAttributes: 0, maxNumberOfAnnotations: 0, maxNumberOfMessageEvents: 0, maxNumberOfLinks: 0 });
  assert.deepEqual(r1.pushed, { sampler: 'probability', samplingProbability: 1, ...limits }, 'the answer is the configured TraceConfig');
  assert.deepEqual(r1.tracerSampler, libraryDefault, 'Tracer() keeps its default sampler');
  // 20 traces at 1e-4 are all sampled with a probability of 1e-80: the served 1 was not applied.
  assert.ok((r1.sampled as number) < SPANS, `not every trace sampled (${String(r1.sampled)} of ${SPANS})`);

  await collector.setTraceConfig({ sampler: 'constant', constantDecision: 'always_off' });
  proc.send('next');
  const r2 = await proc.next('round 2');
  assert.deepEqual(r2.pushed, { sampler: 'constant', decision: 'ALWAYS_OFF', ...limits }, 'the answer after the change is the new TraceConfig');
  assert.deepEqual(r2.tracerSampler, libraryDefault);

  await proc.done();
  const sampled = (r1.sampled as number) + (r2.sampled as number);
  assert.equal(await receivedByReceiver(collector, 'traces'), sampled, 'the receiver got exactly the spans the default sampler kept');
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});
