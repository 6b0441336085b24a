// Go clients (built from the Go module proxy by test/harness/go.ts) against
// ocsvc all-in-one: jaeger-client-go (go-client/) over compact Thrift UDP
// (6831, the transport most Jaeger clients use and the Node client lacks) and
// binary Thrift over HTTP; and a grpc-go client on jaeger-idl's generated
// code (go-grpc-client/) over gRPC (14250). Each program reports a trace with
// 128-bit IDs and prints them; the spans are checked at the OTLP backend
// field by field, Go's typed tags included.
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

const GRPC_SOURCE = fileURLToPath(new URL('./go-grpc-client/', import.meta.url));

test('a grpc-go client on jaeger-idl\'s generated code (as the Jaeger agent forwards) posts to 14250: content arrives, a zero ID is INVALID_ARGUMENT', async (t) => {
  const binary = await goProgram(t, GRPC_SOURCE, 'jaeger-grpc-client');
  if (!binary) return;
  const collector = await startCollector(t);
  const { stdout } = await run(binary, ['-collector', `127.0.0.1:${collector.ports.grpc}`, '-service', 'interop-go-grpc'], { timeout: CLIENT_TIMEOUT_MS });
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as Ids & { startUnixNano: number; first: string; zeroCode: string; zeroMessage: string };
  assert.equal(out.first, 'OK');
  assert.equal(out.zeroCode, 'InvalidArgument');
  assert.match(out.zeroMessage, /^malformed Jaeger PostSpansRequest: spans\[0\]\.spanId: must not be all zeros/);

  const byId = await waitForSpans(collector.sink, [out.root, out.child, out.later]);
  const root = byId.get(out.root)!;
  const child = byId.get(out.child)!;
  const later = byId.get(out.later)!;
  for (const a of [root, child, later]) assert.equal(a.span.traceId, out.traceId);
  assert.equal(text(root.resource.attributes, 'service.name'), 'interop-go-grpc');
  assert.equal(text(root.resource.attributes, 'hostname'), 'go-host');
  assert.equal(text(child.resource.attributes, 'service.name'), 'db', 'a span\'s own process is its resource');
  assert.equal(text(child.resource.attributes, 'db.system'), 'postgresql');

  assert.equal(root.span.kind, SpanKind.SERVER);
  assert.equal(root.span.startTimeUnixNano % 1000n, 789n, 'protobuf times keep their nanoseconds');
  assert.equal(root.span.endTimeUnixNano - root.span.startTimeUnixNano, 25_000_000n);
  assert.deepEqual(attr(root.span.attributes, 'http.status_code'), { kind: 'int', value: 200n });
  assert.deepEqual(attr(root.span.attributes, 'interop.ratio'), { kind: 'double', value: 0.25 });
  assert.deepEqual(attr(root.span.attributes, 'interop.flag'), { kind: 'bool', value: true });
  assert.deepEqual(attr(root.span.attributes, 'interop.bytes'), { kind: 'bytes', value: new Uint8Array([0xca, 0xfe]) });

  assert.equal(child.span.parentSpanId, out.root, 'the CHILD_OF reference is the parent');
  assert.deepEqual(child.span.links, []);
  assert.equal(child.span.status.code, StatusCode.ERROR);
  assert.equal(child.span.flags, 1);
  assert.deepEqual(attr(child.span.attributes, 'jaeger.flags'), { kind: 'int', value: 3n }, 'the debug flag is kept');
  assert.equal(child.span.events[0]!.name, 'retry');
  assert.deepEqual(attr(child.span.events[0]!.attributes, 'attempt'), { kind: 'int', value: 2n });

  assert.equal(later.span.parentSpanId, out.root, 'a FOLLOWS_FROM reference in the same trace is the parent when there is no CHILD_OF');
  assert.deepEqual(later.span.links.map((l) => [l.spanId, text(l.attributes, 'opentracing.ref_type')]), [[out.root, 'follows_from']]);
  assert.equal(await receivedByReceiver(collector), 3);
  assert.equal(await collector.stop(), 0);
});
