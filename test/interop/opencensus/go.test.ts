// The opencensus receiver with the real OpenCensus Go libraries
// (go.opencensus.io v0.24.0, contrib.go.opencensus.io/exporter/ocagent
// v0.7.0, the last releases): a program in go-client/ sends a trace, metrics
// and follows the Config stream against all-in-one, and we check what
// reaches an OTLP backend. The program is built once into .cache/go/
// (test/harness/go.ts); without Go the tests skip locally and fail under CI.
//
// There is no Node.js counterpart: @opencensus/exporter-ocagent was never
// published to npm (E404), so the Node.js library cannot be driven here.
//
// What the Go exporter does that these tests pin down (read in its source):
// - Node and Resource go only in the first message of each stream;
// - a root span's parent_span_id is 8 zero bytes, not empty;
// - float64 attributes and link attributes are dropped (transform_spans.go
//   handles only bool, int, int64 and string, and never copies link
//   attributes), so "load.ratio" and "link.reason" never leave the program;
// - the host name is $HOSTNAME, so we set it;
// - on the Config stream, each UpdatedLibraryConfig is applied with
//   trace.ApplyConfig (probability p -> ProbabilitySampler(p), constant
//   ALWAYS_ON -> AlwaysSample, any other constant -> NeverSample, rate
//   limiting -> nothing), and answered with a CurrentLibraryConfig holding
//   the sampler as received, whether applied or not.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { attr } from '../../../lib/model/common.js';
import { SpanKind, StatusCode } from '../../../lib/model/trace.js';
import { uniqueName } from '../../harness/env.js';
import { goProgram } from '../../harness/go.js';
import {
  arrivedSpans,
  assertChildEvents,
  assertChildLink,
  assertMetricsArrive,
  assertNodeResource,
  assertAttributes,
  assertUserAttributes,
  receivedByReceiver,
  startClient,
  startCollector,
  waitForSpans,
  type Collector,
  type JsonLine,
} from './interop.js';

const SOURCE = fileURLToPath(new URL('./go-client', import.meta.url));
const CORE_VERSION = '0.24.0';
const EXPORTER_VERSION = '0.0.1'; // ocagent's own Version constant, unchanged since 2018

interface Run {
  service: string;
  run: string;
  env: NodeJS.ProcessEnv;
}

function newRun(): Run {
  const run = uniqueName('go');
  return {
    service: `oc-interop-go-${run.slice(3, 11)}`,
    run,
    // The exporter reads the host name from $HOSTNAME, and its Resource from OC_RESOURCE_*.
    env: { HOSTNAME: hostname(), OC_RESOURCE_TYPE: 'interop.test', OC_RESOURCE_LABELS: `interop.run="${run}",deployment="test"` },
  };
}

function client(t: TestContext, binary: string, collector: Collector, r: Run, mode: string, ...extra: string[]) {
  return startClient(t, binary, [mode, '-agent', collector.agent, '-service', r.service, '-run', r.run, ...extra], r.env);
}

// How the program reports a stream the receiver ended with OK after the library half-closed it.
const TRACE_EXPORT = 'trace.v1.TraceService.Export';
const METRICS_EXPORT = 'metrics.v1.MetricsService.Export';
const CONFIG = 'trace.v1.TraceService.Config';
const closed = (out: JsonLine | undefined, stream: string): unknown => (out?.closed as Record<string, string> | undefined)?.[stream];

void test('a Go trace arrives with its span tree, kinds, typed attributes, events, link, status and the Node as resource', async (t) => {
  const binary = await goProgram(t, SOURCE, 'ocagent-client');
  if (!binary) return;
  const collector = await startCollector(t);
  const r = newRun();
  const proc = client(t, binary, collector, r, 'traces');
  const [out] = (await proc.done()) as [JsonLine & { traceId: string; root: { spanId: string }; child: { spanId: string }; link: { traceId: string; spanId: string } }];
  assert.equal(closed(out, TRACE_EXPORT), 'ok', 'the receiver ends the export stream the library half-closes, with OK');
  assert.equal(out.pid, proc.pid);

  const spans = await waitForSpans(collector.sink, [out.root.spanId, out.child.spanId]);
  const root = spans.get(out.root.spanId)!;
  const child = spans.get(out.child.spanId)!;
  for (const s of [root, child]) {
    assert.equal(s.span.traceId, out.traceId);
    assertNodeResource(s.resource, { service: r.service, hostName: hostname(), pid: out.pid as number, language: 'go', coreLibraryVersion: CORE_VERSION, exporterVersion: EXPORTER_VERSION }, s.span.name);
    assertAttributes(s.resource.attributes, { 'opencensus.resourcetype': 'interop.test', 'interop.run': r.run, deployment: 'test' }, `${s.span.name} resource`);
    assert.ok(s.span.startTimeUnixNano > 0n && s.span.startTimeUnixNano <= s.span.endTimeUnixNano, `${s.span.name}: start before end`);
  }

  assert.equal(root.span.name, 'oc-interop root');
  assert.equal(root.span.kind, SpanKind.SERVER);
  assert.equal(root.span.parentSpanId, '', 'the 8 zero bytes Go sends as a root span parent mean no parent');
  assertUserAttributes(root.span.attributes, { 'interop.run': r.run }, 'root');
  assert.deepEqual(root.span.status, { code: StatusCode.UNSET, message: '' }, 'no status sent: UNSET');

  assert.equal(child.span.name, 'oc-interop child');
  assert.equal(child.span.kind, SpanKind.CLIENT);
  assert.equal(child.span.parentSpanId, out.root.spanId);
  // load.ratio (float64) is dropped by the Go exporter before sending.
  assertUserAttributes(child.span.attributes, { 'peer.service': 'inventory', 'retry.count': { int: 3n }, 'cache.hit': true }, 'child');
  assert.deepEqual(child.span.status, { code: StatusCode.ERROR, message: 'sku not found' });
  assertAttributes(child.span.attributes, { 'opencensus.status_code': { int: 5n } }, 'child: the gRPC code NOT_FOUND is kept');

  assertChildEvents(child.span);

  // link.reason is dropped by the Go exporter; only the link type remains.
  assertChildLink(child.span, out.link, {});

  assert.equal(arrivedSpans(collector.sink).filter((a) => a.span.traceId === out.traceId).length, 2, 'each span arrives once');
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});

void test('Go metrics arrive with their types, label attributes, values and distribution buckets', async (t) => {
  const binary = await goProgram(t, SOURCE, 'ocagent-client');
  if (!binary) return;
  const collector = await startCollector(t);
  const r = newRun();
  const proc = client(t, binary, collector, r, 'metrics');
  const [out] = await proc.done();
  assert.equal(closed(out, METRICS_EXPORT), 'ok', 'the receiver ends the export stream the library half-closes, with OK');

  await assertMetricsArrive(collector.sink, r.service, (resource, where) => {
    assertNodeResource(resource, { service: r.service, hostName: hostname(), pid: proc.pid, language: 'go', coreLibraryVersion: CORE_VERSION, exporterVersion: EXPORTER_VERSION }, where);
    assertAttributes(resource.attributes, { 'opencensus.resourcetype': 'interop.test', 'interop.run': r.run, deployment: 'test' }, `${where} resource`);
  });
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});

void test('the Go library applies the sampler the receiver pushes on the Config stream, and follows changes', async (t) => {
  const binary = await goProgram(t, SOURCE, 'ocagent-client');
  if (!binary) return;
  const collector = await startCollector(t, { sampler: 'constant', constantDecision: 'always_off' });
  const r = newRun();
  const SPANS = 20;
  const proc = client(t, binary, collector, r, 'config', '-rounds', '3', '-spans', String(SPANS));
  const limits = { maxNumberOfAttributes: 32, maxNumberOfAnnotations: 32, maxNumberOfMessageEvents: 128, maxNumberOfLinks: 32 };
  const echoed = { maxNumberOfAttributes: 0, maxNumberOfAnnotations: 0, maxNumberOfMessageEvents: 0, maxNumberOfLinks: 0 };

  // Round 1: the config served when the library connects.
  const r1 = await proc.next('round 1');
  assert.deepEqual(r1.pushed, { sampler: 'constant', decision: 'ALWAYS_OFF', ...limits });
  assert.deepEqual(r1.reported, { sampler: 'constant', decision: 'ALWAYS_OFF', ...echoed }, 'the library answers with the sampler only');
  assert.equal(r1.sampled, 0, 'ALWAYS_OFF applied: no span sampled');

  // Round 2: pushed down the open stream when the file changes.
  await collector.setTraceConfig({ sampler: 'probability', samplingProbability: 1 });
  const r2 = await proc.next('round 2');
  assert.deepEqual(
    r2.pushed,
    { sampler: 'probability', samplingProbability: 1, ...limits },
    'the next push is the new config; the old one again means the receiver answered the library\'s own report of what it applied (an endless ping-pong)',
  );
  assert.deepEqual(r2.reported, { sampler: 'probability', samplingProbability: 1, ...echoed });
  assert.equal(r2.sampled, SPANS, 'probability 1 applied: every span sampled');

  // Round 3: the library has no rate-limiting sampler; it reports the pushed
  // config back, but keeps sampling with the previous one.
  await collector.setTraceConfig({ sampler: 'rate_limiting', qps: 5 });
  const r3 = await proc.next('round 3');
  assert.deepEqual(r3.pushed, { sampler: 'rate_limiting', qps: 5, ...limits });
  assert.deepEqual(r3.reported, { sampler: 'rate_limiting', qps: 5, ...echoed });
  assert.equal(r3.sampled, SPANS, 'rate limiting is not applied: still probability 1');

  const [last] = await proc.done().then((lines) => lines.slice(-1));
  assert.equal(closed(last, CONFIG), 'ok', 'the receiver ends the Config stream the library half-closes, with OK');
  assert.equal(closed(last, TRACE_EXPORT), 'ok');
  assert.equal(last!.pushedTotal, 3, 'one push per config (the initial one and two changes): the library answers are not answered again');

  // Exactly the sampled spans reach the backend, and nothing from round 1.
  const sampled = [...(r2.sampledTraceIds as string[]), ...(r3.sampledTraceIds as string[])];
  const arrived = () => arrivedSpans(collector.sink).filter((a) => attr(a.span.attributes, 'interop.run')?.kind === 'string');
  await collector.sink.waitFor(() => arrived().length >= sampled.length, `${sampled.length} sampled spans`, 30_000);
  assert.deepEqual(arrived().map((a) => a.span.traceId as string).sort(), sampled.sort());
  assert.equal(await receivedByReceiver(collector, 'traces'), sampled.length, 'the receiver got only the sampled spans');
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});
