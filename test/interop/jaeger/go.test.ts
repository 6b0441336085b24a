// jaeger-client-go (github.com/uber/jaeger-client-go, built from the Go
// module proxy by test/harness/go.ts) against ocsvc all-in-one: compact
// Thrift over UDP (6831, the transport most Jaeger clients use and the Node
// client lacks) and binary Thrift over HTTP. The program
// (go-client/main.go) reports a trace with 128-bit IDs and prints them; the
// spans are checked at the OTLP backend field by field, Go's typed tags included.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { attr } from '../../../lib/model/common.js';
import { SpanKind, StatusCode } from '../../../lib/model/trace.js';
import { goProgram } from '../../harness/go.js';
import { arrivedSpans, receivedByReceiver, startCollector, text, waitForSpans, type Collector } from './interop.js';

const SOURCE = fileURLToPath(new URL('./go-client/', import.meta.url));
const CLIENT_TIMEOUT_MS = 45_000;
const run = promisify(execFile);

interface Ids {
  traceId: string;
  root: string;
  child: string;
  later: string;
}

async function report(t: TestContext, binary: string, args: string[]): Promise<Ids> {
  const { stdout } = await run(binary, args, { timeout: CLIENT_TIMEOUT_MS });
  const ids = JSON.parse(stdout.trim().split('\n').pop()!) as Ids;
  t.diagnostic(`reported trace ${ids.traceId}`);
  return ids;
}

async function assertTraceArrived(collector: Collector, ids: Ids, service: string, runId: string): Promise<void> {
  const byId = await waitForSpans(collector.sink, [ids.root, ids.child, ids.later]);
  const root = byId.get(ids.root)!;
  const child = byId.get(ids.child)!;
  const later = byId.get(ids.later)!;
  assert.notEqual(ids.traceId.slice(0, 16), '0000000000000000', 'a 128-bit trace ID');
  for (const a of [root, child, later]) assert.equal(a.span.traceId, ids.traceId, 'traceIdHigh and traceIdLow make the trace ID');

  assert.equal(text(root.resource.attributes, 'service.name'), service);
  assert.match(text(root.resource.attributes, 'jaeger.version') ?? '', /^Go-2\.30\.0$/);
  assert.equal(text(root.resource.attributes, 'hostname'), hostname());
  assert.equal(text(root.resource.attributes, 'interop.run'), runId, 'tracer tags are process tags');

  assert.equal(root.span.name, 'GET /cart');
  assert.equal(root.span.kind, SpanKind.SERVER);
  assert.equal(root.span.parentSpanId, '');
  assert.equal(text(root.span.attributes, 'http.method'), 'GET');
  assert.deepEqual(attr(root.span.attributes, 'http.status_code'), { kind: 'int', value: 200n }, 'Go ints are LONG tags');
  assert.deepEqual(attr(root.span.attributes, 'interop.ratio'), { kind: 'double', value: 0.25 });
  assert.deepEqual(attr(root.span.attributes, 'interop.flag'), { kind: 'bool', value: true });
  assert.equal(text(root.span.attributes, 'sampler.type'), 'const');
  assert.equal(root.span.flags & 1, 1);

  assert.equal(child.span.parentSpanId, ids.root);
  assert.equal(child.span.kind, SpanKind.CLIENT);
  assert.equal(child.span.status.code, StatusCode.ERROR);
  assert.deepEqual(child.span.links, []);
  assert.equal(child.span.events.length, 1);
  const [event] = child.span.events;
  assert.equal(event!.name, 'error');
  assert.equal(text(event!.attributes, 'message'), 'query timed out');
  assert.deepEqual(attr(event!.attributes, 'attempt'), { kind: 'int', value: 2n });
  assert.ok(child.span.endTimeUnixNano - child.span.startTimeUnixNano >= 2_000_000n, 'the child ran at least 2 ms');

  assert.equal(later.span.kind, SpanKind.PRODUCER);
  assert.equal(later.span.parentSpanId, ids.root);
  assert.deepEqual(later.span.links.map((l) => [l.spanId, text(l.attributes, 'opentracing.ref_type')]), [[ids.root, 'follows_from']]);
  assert.equal(arrivedSpans(collector.sink).filter((a) => a.span.traceId === ids.traceId).length, 3, 'each span arrives once');
}

test('jaeger-client-go over UDP (compact Thrift, 6831): a 128-bit trace arrives with its typed tags, kinds, status, logs and references', async (t) => {
  const binary = await goProgram(t, SOURCE, 'jaeger-go-client');
  if (!binary) return;
  const collector = await startCollector(t);
  const runId = `go-udp-${Date.now()}`;
  const ids = await report(t, binary, ['-mode', 'udp', '-agent', `127.0.0.1:${collector.ports.compact}`, '-service', 'interop-go-udp', '-run', runId]);
  await assertTraceArrived(collector, ids, 'interop-go-udp', runId);
  assert.equal(await receivedByReceiver(collector), 3);
  assert.equal(await collector.stop(), 0, 'all-in-one exits cleanly');
});

test('jaeger-client-go over HTTP (binary Thrift, POST /api/traces): the same trace arrives the same way', async (t) => {
  const binary = await goProgram(t, SOURCE, 'jaeger-go-client');
  if (!binary) return;
  const collector = await startCollector(t);
  const runId = `go-http-${Date.now()}`;
  const ids = await report(t, binary, ['-mode', 'http', '-collector', `http://127.0.0.1:${collector.ports.http}/api/traces`, '-service', 'interop-go-http', '-run', runId]);
  await assertTraceArrived(collector, ids, 'interop-go-http', runId);
  assert.equal(await collector.stop(), 0);
});
