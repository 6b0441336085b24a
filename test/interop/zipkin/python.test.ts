// The zipkin receiver with Python's py_zipkin 0.20.2 (pinned with its
// dependencies in python-client/requirements.txt; the last release that still
// writes Zipkin v1 Thrift): python-client/client.py sends a trace with
// py_zipkin's own HTTP transport to /api/v1/spans as application/x-thrift,
// and we check what reaches an OTLP backend through ocsvc all-in-one. The
// virtual environment is created once into .cache/python/ (test/harness/python.ts);
// without Python the test skips locally and fails under CI.
//
// What py_zipkin does, pinned here (read in its source): v1 Thrift with
// "sr"/"ss" (or "cs"/"cr") core annotations carrying the span's host, a local
// span as an "lc" binary annotation, a client's server as an "sa" binary
// annotation, every binary annotation as a STRING; its transport asserts a 202.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { attr } from '../../../lib/model/common.js';
import { SpanKind, StatusCode } from '../../../lib/model/trace.js';
import { pythonEnv } from '../../harness/python.js';
import { assertAttributes, receivedByZipkin, startClient, startZipkinFront, waitForSpans, type JsonLine } from './interop.js';

const REQUIREMENTS = fileURLToPath(new URL('./python-client/requirements.txt', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./python-client/client.py', import.meta.url));

interface Out extends JsonLine {
  traceId: string;
  serverId: string;
  localId: string;
  clientId: string;
  posts: number;
  contentTypes: string[];
}

void test('a py_zipkin trace in v1 Thrift arrives with its 128-bit trace ID, kinds, hosts, remote service, tags and annotation', async (t) => {
  const python = await pythonEnv(t, REQUIREMENTS, 'py-zipkin');
  if (!python) return;
  const front = await startZipkinFront(t);
  const service = `py-zipkin-${randomBytes(3).toString('hex')}`;
  const [out] = (await startClient(t, python, [SCRIPT, '--url', front.zipkinUrl, '--service', service], { PYTHONUNBUFFERED: '1' }).done()) as [Out];
  assert.ok(out.posts >= 1, 'py_zipkin posted (and got its 202)');
  assert.deepEqual([...new Set(out.contentTypes)], ['application/x-thrift']);
  assert.match(out.traceId, /^[0-9a-f]{32}$/);

  const spans = await waitForSpans(front.sink, [out.serverId, out.localId, out.clientId]);
  for (const id of [out.serverId, out.localId, out.clientId]) {
    const { span, resource } = spans.get(id)!;
    assert.equal(span.traceId, out.traceId, `${span.name}: trace ID`);
    assert.deepEqual(attr(resource.attributes, 'service.name'), { kind: 'string', value: service }, `${span.name}: service`);
    assert.ok(span.endTimeUnixNano > span.startTimeUnixNano, `${span.name}: a duration`);
    assert.equal(span.status.code, StatusCode.UNSET);
  }

  const server = spans.get(out.serverId)!.span;
  assert.deepEqual([server.name, server.kind, server.parentSpanId], ['POST /recommend', SpanKind.SERVER, '']);
  assertAttributes(server.attributes, { 'http.uri': '/recommend', candidates: '40', 'net.host.ip': '10.1.0.5', 'net.host.port': { int: 5000n } }, 'server');
  assert.deepEqual(server.events.map((e) => e.name), ['model loaded']);

  const local = spans.get(out.localId)!.span;
  assert.deepEqual([local.name, local.kind, local.parentSpanId], ['score', SpanKind.INTERNAL, out.serverId]);
  assertAttributes(local.attributes, { model: 'v3' }, 'local');
  assert.equal(attr(local.attributes, 'lc'), undefined, 'the "lc" marker is no tag');

  const client = spans.get(out.clientId)!.span;
  assert.deepEqual([client.name, client.kind, client.parentSpanId], ['GET /features', SpanKind.CLIENT, out.serverId]);
  assertAttributes(client.attributes, { 'peer.service': 'features', 'net.peer.ip': '10.1.0.7', 'net.peer.port': { int: 443n } }, 'client');

  assert.equal(await receivedByZipkin(front), 3);
});
