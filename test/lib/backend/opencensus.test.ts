// OpenCensusBackend against a small OpenCensus agent server on loopback: what
// arrives on the Export streams (the Node rebuilt from resource attributes,
// sent once per stream), how acknowledgements and stream failures map to
// ok / retryable / rejected, reconnection with backoff, abort and close.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { ExportResult } from '../../../lib/backend/backend.js';
import { OpenCensusBackend, type OpenCensusOptions } from '../../../lib/backend/opencensus.js';
import { backendProblems } from '../../../lib/config/backends.js';
import { sleep } from '../../../lib/lifecycle.js';
import { str, type Metrics, type SpanId, type TraceId, type Traces } from '../../../lib/model/index.js';
import {
  OC_METRICS_EXPORT_PATH,
  OC_TRACE_EXPORT_PATH,
  decodeMetricsRequestProto,
  decodeTraceRequestProto,
  type OcExportMetricsRequest,
  type OcExportTraceRequest,
} from '../../../lib/protocol/opencensus/index.js';
import { encodeRpcStatusProto } from '../../../lib/protocol/rpc-status.js';
import { OpenCensusReceiver } from '../../../lib/receiver/opencensus/index.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { RecordingConsumer } from '../receiver/otlp/recording-consumer.js';
import { unusedPort } from './unused-port.js';
import { spanOf } from '../../helpers/trace-builder.js';

type Signal = 'traces' | 'metrics';
type Failure = { code: grpc.status; details: string; retryAfterMs?: number };
/**
 * ack: one empty response per message; hold: acks wait for release() or the
 * client's half-close; silent: never answers, not even to a half-close.
 */
type Reply = 'ack' | 'hold' | 'silent' | Failure;

interface StreamRecord {
  signal: Signal;
  headers: Record<string, grpc.MetadataValue>;
  requests: (OcExportTraceRequest | OcExportMetricsRequest)[];
}

/** An OpenCensus agent server with raw-bytes bidi handlers that records what each stream carries. */
class OcSink {
  readonly streams: StreamRecord[] = [];
  reply: Reply = 'ack';
  port = 0;
  private readonly held: (() => void)[] = [];
  private readonly server = new grpc.Server();

  static async start(t: TestContext, port = 0): Promise<OcSink> {
    const sink = new OcSink();
    const bytes = (b: Buffer) => b;
    const method = (path: string) => ({
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: bytes,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      responseDeserialize: bytes,
    });
    sink.server.addService(
      { traces: method(OC_TRACE_EXPORT_PATH), metrics: method(OC_METRICS_EXPORT_PATH) },
      {
        traces: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => sink.handle('traces', call),
        metrics: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => sink.handle('metrics', call),
      },
    );
    sink.port = await new Promise<number>((resolve, reject) =>
      sink.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    t.after(() => sink.stop());
    return sink;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  get requests(): StreamRecord['requests'] {
    return this.streams.flatMap((s) => s.requests);
  }

  release(): void {
    for (const ack of this.held.splice(0)) ack();
  }

  stop(): void {
    this.server.forceShutdown();
  }

  async waitForRequests(n: number): Promise<void> {
    for (const deadline = Date.now() + 5_000; this.requests.length < n; await sleep(5)) {
      if (Date.now() > deadline) throw new Error(`expected ${n} requests, got ${this.requests.length}`);
    }
  }

  private handle(signal: Signal, call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const record: StreamRecord = { signal, headers: call.metadata.getMap(), requests: [] };
    this.streams.push(record);
    let failed = false;
    // Like ocsvc's receiver: answers only a client that asks for answers.
    const asked = call.metadata.get('ocsvc-acks').includes('per-message');
    call.on('data', (bytes: Buffer) => {
      if (failed) return;
      record.requests.push(signal === 'traces' ? decodeTraceRequestProto(bytes) : decodeMetricsRequestProto(bytes));
      const reply = !asked && (this.reply === 'ack' || this.reply === 'hold') ? 'silent' : this.reply;
      if (reply === 'ack') call.write(Buffer.alloc(0));
      else if (reply === 'hold') this.held.push(() => call.write(Buffer.alloc(0)));
      else if (typeof reply === 'object') {
        failed = true;
        const metadata = new grpc.Metadata();
        if (reply.retryAfterMs !== undefined) {
          const details = encodeRpcStatusProto({ code: reply.code, message: reply.details, retryAfterMs: reply.retryAfterMs });
          metadata.set('grpc-status-details-bin', Buffer.from(details));
        }
        call.emit('error', { code: reply.code, details: reply.details, metadata });
      }
    });
    // Like ocsvc's receiver: answer what was read, then end with OK.
    call.on('end', () => {
      if (failed || this.reply === 'silent') return;
      this.release();
      call.end();
    });
  }
}

const live = () => new AbortController().signal;

function backend(t: TestContext, options: OpenCensusOptions): OpenCensusBackend {
  const b = new OpenCensusBackend({ insecure: true, timeoutMs: 5_000, ...options });
  t.after(() => b.close());
  return b;
}

const traceId = (n: number) => `4bf92f3577b34da6a3ce929d0e0e47${(0x10 + n).toString(16)}` as TraceId;
const spanId = (n: number) => `00f067aa0ba902${(0x10 + n).toString(16)}` as SpanId;

/** One resource per service, each with one span named `<service>-op`. */
function traces(...services: string[]): Traces {
  return {
    resourceSpans: services.map((service, i) => ({
      resource: { attributes: [{ key: 'service.name', value: str(service) }, { key: 'host.name', value: str('node-7') }], droppedAttributesCount: 0 },
      scopeSpans: [
        {
          scope: { name: 'test', version: '', attributes: [], droppedAttributesCount: 0 },
          schemaUrl: '',
          spans: [
            spanOf({
              traceId: traceId(i),
              spanId: spanId(i),
              name: `${service}-op`,
              kind: 2,
              startTimeUnixNano: 1_700_000_000_000_000_000n,
              endTimeUnixNano: 1_700_000_000_500_000_000n,
              attributes: [{ key: 'http.method', value: str('GET') }],
            }),
          ],
        },
      ],
      schemaUrl: '',
    })),
  };
}

function metrics(service: string): Metrics {
  const point = { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1_700_000_000_000_000_000n, flags: 0, exemplars: [] };
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: str(service) }], droppedAttributesCount: 0 },
        scopeMetrics: [
          {
            scope: { name: 'meter', version: '', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name: 'cpu.temperature',
                description: 'a gauge',
                unit: 'Cel',
                metadata: [],
                data: { kind: 'gauge', dataPoints: [{ ...point, value: { kind: 'double', value: 41.5 } }] },
              },
            ],
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

const spanNames = (r: StreamRecord['requests'][number]) => ('spans' in r ? r.spans.map((s) => s.name?.value) : []);

test('traces arrive with their spans, the Node rebuilt from resource attributes, and the headers', async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint, headers: { Authorization: 'Bearer abc' } });
  assert.deepEqual(await b.exportTraces(traces('frontend'), live()), { status: 'ok' });
  const [request] = sink.requests as OcExportTraceRequest[];
  assert.deepEqual(spanNames(request!), ['frontend-op']);
  assert.equal(request?.node?.serviceInfo?.name, 'frontend');
  assert.equal(request?.node?.identifier?.hostName, 'node-7');
  assert.equal(sink.streams[0]?.headers.authorization, 'Bearer abc');
  assert.equal(sink.streams[0]?.headers['ocsvc-acks'], 'per-message');
});

test('metrics arrive on the MetricsService stream with the Node of their resource', async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint, compression: 'none' });
  assert.deepEqual(await b.exportMetrics(metrics('billing'), live()), { status: 'ok' });
  const [request] = sink.requests as OcExportMetricsRequest[];
  assert.equal(sink.streams[0]?.signal, 'metrics');
  assert.deepEqual(request?.metrics.map((m) => m.metricDescriptor?.name), ['cpu.temperature']);
  assert.equal(request?.node?.serviceInfo?.name, 'billing');
});

test('the Node is sent on the first message of a stream and again only when it changes', async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint });
  assert.deepEqual(await b.exportTraces(traces('a'), live()), { status: 'ok' });
  assert.deepEqual(await b.exportTraces(traces('a'), live()), { status: 'ok' });
  // One export of two resources is two messages, both acknowledged.
  assert.deepEqual(await b.exportTraces(traces('b', 'a'), live()), { status: 'ok' });
  const requests = sink.requests as OcExportTraceRequest[];
  assert.equal(sink.streams.length, 1);
  assert.deepEqual(requests.map(spanNames), [['a-op'], ['a-op'], ['b-op'], ['a-op']]);
  assert.deepEqual(
    requests.map((r) => r.node?.serviceInfo?.name),
    ['a', undefined, 'b', 'a'],
  );
});

test('a stream ended with UNAVAILABLE and RetryInfo is retryable after that delay; the next export opens a new stream', async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint });
  sink.reply = { code: grpc.status.UNAVAILABLE, details: 'kafka is down', retryAfterMs: 2_500 };
  assert.deepEqual(await b.exportTraces(traces('a'), live()), {
    status: 'retryable',
    reason: 'UNAVAILABLE: kafka is down',
    retryAfterMs: 2_500,
  });
  sink.reply = 'ack';
  await sleep(150); // past the first reconnection backoff (100 ms)
  assert.deepEqual(await b.exportTraces(traces('a'), live()), { status: 'ok' });
  assert.equal(sink.streams.length, 2);
  assert.equal((sink.streams[1]?.requests[0] as OcExportTraceRequest).node?.serviceInfo?.name, 'a');
});

test('INVALID_ARGUMENT is rejected', async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint });
  sink.reply = { code: grpc.status.INVALID_ARGUMENT, details: 'span has no trace ID' };
  assert.deepEqual(await b.exportMetrics(metrics('a'), live()), { status: 'rejected', reason: 'INVALID_ARGUMENT: span has no trace ID' });
});

test('a server that is down is retryable at once, then reconnected with backoff, then ok once it is up', { timeout: 10_000 }, async (t) => {
  const port = await unusedPort();
  const b = backend(t, { endpoint: `127.0.0.1:${port}` });
  const started = Date.now();
  const first = await b.exportTraces(traces('a'), live());
  assert.equal(first.status, 'retryable');
  assert.ok(Date.now() - started < 2_000, 'fails fast');
  // While backing off, exports do not try (or hang): they say when to come back.
  const backingOff = await b.exportTraces(traces('a'), live());
  assert.equal(backingOff.status, 'retryable');
  assert.ok(backingOff.status === 'retryable' && backingOff.retryAfterMs! > 0 && backingOff.retryAfterMs! <= 100);
  await sleep(110);
  assert.equal((await b.exportTraces(traces('a'), live())).status, 'retryable');
  const doubled = await b.exportTraces(traces('a'), live());
  assert.ok(doubled.status === 'retryable' && doubled.retryAfterMs! > 100 && doubled.retryAfterMs! <= 200, JSON.stringify(doubled));

  const sink = await OcSink.start(t, port);
  let result: ExportResult = doubled;
  for (const deadline = Date.now() + 8_000; result.status !== 'ok' && Date.now() < deadline; ) {
    await sleep(result.status === 'retryable' ? (result.retryAfterMs ?? 50) : 50);
    result = await b.exportTraces(traces('a'), live());
  }
  assert.deepEqual(result, { status: 'ok' });
  assert.equal(sink.requests.length, 1);
});

test('an export without an acknowledgement within timeoutMs is retryable', { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint, timeoutMs: 200 });
  sink.reply = 'silent';
  const result = await b.exportTraces(traces('a'), live());
  assert.equal(result.status, 'retryable');
  assert.match(result.status === 'retryable' ? result.reason : '', /DEADLINE_EXCEEDED/);
});

test('numStreams 2 keeps two streams, each with its own Node, so that two exports are in flight', { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint, numStreams: 2 });
  sink.reply = 'hold';
  const pending = [b.exportTraces(traces('a'), live()), b.exportTraces(traces('a'), live())];
  await sink.waitForRequests(2);
  assert.equal(sink.streams.length, 2);
  sink.release();
  assert.deepEqual(await Promise.all(pending), [{ status: 'ok' }, { status: 'ok' }]);
  for (const s of sink.streams) assert.equal((s.requests[0] as OcExportTraceRequest).node?.serviceInfo?.name, 'a');
});

test('acknowledgements are matched to exports in order on one stream', { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint });
  sink.reply = 'hold';
  const settled: string[] = [];
  const first = b.exportTraces(traces('a', 'b'), live()).then((r) => (settled.push('first'), r));
  const second = b.exportTraces(traces('c'), live()).then((r) => (settled.push('second'), r));
  await sink.waitForRequests(3);
  sink.release();
  assert.deepEqual(await Promise.all([first, second]), [{ status: 'ok' }, { status: 'ok' }]);
  assert.deepEqual(settled, ['first', 'second']);
});

test('aborting the signal returns "aborted" and leaves the stream usable', { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint, timeoutMs: 60_000 });
  sink.reply = 'hold';
  const controller = new AbortController();
  const pending = b.exportTraces(traces('a'), controller.signal);
  await sink.waitForRequests(1);
  controller.abort();
  assert.deepEqual(await pending, { status: 'retryable', reason: 'aborted' });
  assert.deepEqual(await b.exportTraces(traces('a'), controller.signal), { status: 'retryable', reason: 'aborted' });
  sink.reply = 'ack';
  sink.release(); // the late ack of the aborted export must not be credited to the next one
  assert.deepEqual(await b.exportTraces(traces('a'), live()), { status: 'ok' });
  assert.equal(sink.streams.length, 1);
});

test('close half-closes the streams and lets the server acknowledge what it has', { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = new OpenCensusBackend({ endpoint: sink.endpoint, insecure: true });
  sink.reply = 'hold';
  const pending = b.exportTraces(traces('a'), live());
  await sink.waitForRequests(1);
  const closing = b.close();
  assert.equal(b.close(), closing);
  assert.deepEqual(await pending, { status: 'ok' });
  await closing;
  await assert.rejects(b.exportTraces(traces('a'), live()), { code: 'BACKEND_CLOSED' });
});

test('close gives up on a server that does not answer: the waiting export is retryable', { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = new OpenCensusBackend({ endpoint: sink.endpoint, insecure: true, timeoutMs: 300 });
  sink.reply = 'silent';
  const pending = b.exportMetrics(metrics('a'), live());
  await sink.waitForRequests(1);
  await b.close();
  assert.equal((await pending).status, 'retryable');
});

test("acknowledgements 'none': ok once written and the stream survived the settle time; a refusal still counts", { timeout: 10_000 }, async (t) => {
  const sink = await OcSink.start(t);
  const b = backend(t, { endpoint: sink.endpoint, acknowledgements: 'none' });
  assert.deepEqual(await b.exportTraces(traces('a'), live()), { status: 'ok' });
  assert.equal(sink.streams[0]?.headers['ocsvc-acks'], undefined, 'does not ask for answers');
  sink.reply = { code: grpc.status.INVALID_ARGUMENT, details: 'bad span' };
  assert.equal((await b.exportTraces(traces('a'), live())).status, 'rejected');
});

test('configuration accepts the opencensus keys and refuses bad values', () => {
  const good = { name: 'oc', type: 'opencensus', endpoint: 'dns:///agent:55678', numStreams: 4, acknowledgements: 'none', caFile: '/etc/ca.pem' };
  assert.deepEqual(backendProblems([good]), []);
  assert.deepEqual(backendProblems([{ ...good, numStreams: 0, acknowledgements: 'maybe' }]), [
    '[0].numStreams: must be an integer > 0 (got 0)',
    '[0].acknowledgements: must be one of response, none (got "maybe")',
  ]);
  assert.deepEqual(backendProblems([{ name: 'oc', type: 'opencensus' }]), ['[0].endpoint: required for type opencensus']);
});

test('TLS files are checked at construction: certFile needs keyFile, and an unreadable caFile is named', () => {
  assert.throws(() => new OpenCensusBackend({ endpoint: '127.0.0.1:55678', certFile: '/etc/client.pem' }), { code: 'INVALID_CONFIG', message: /keyFile/ });
  assert.throws(() => new OpenCensusBackend({ endpoint: '127.0.0.1:55678', caFile: '/nonexistent/ca.pem' }), {
    code: 'INVALID_CONFIG',
    message: /caFile \/nonexistent\/ca\.pem/,
  });
});

test("through ocsvc's own receiver: acknowledged once consumed, resources kept across messages, refusals classified", { timeout: 10_000 }, async (t) => {
  const consumer = new RecordingConsumer();
  const receiver = new OpenCensusReceiver({ endpoint: '127.0.0.1:0', consumer, registry: new Registry(), closeTimeoutMs: 1_000 });
  await receiver.start();
  t.after(() => receiver.close());
  const b = backend(t, { endpoint: `127.0.0.1:${receiver.port}` });
  assert.deepEqual(await b.exportTraces(traces('a', 'b'), live()), { status: 'ok' });
  assert.deepEqual(await b.exportTraces(traces('b'), live()), { status: 'ok' }); // Node and Resource inherited
  assert.deepEqual(await b.exportMetrics(metrics('billing'), live()), { status: 'ok' });
  const serviceOf = (r: { resource: { attributes: { key: string; value: unknown }[] } }) =>
    r.resource.attributes.find((a) => a.key === 'service.name')?.value;
  assert.deepEqual(
    consumer.traces.map(({ traces: tr }) => tr.resourceSpans.map(serviceOf)),
    [[str('a')], [str('b')], [str('b')]],
  );
  assert.deepEqual(consumer.metrics.map(({ metrics: m }) => m.resourceMetrics.map(serviceOf)), [[str('billing')]]);

  consumer.outcome = { status: 'retryable', reason: 'bus_full', retryAfterMs: 1_500 };
  const throttled = await b.exportTraces(traces('a'), live());
  assert.equal(throttled.status, 'retryable');
  assert.equal(throttled.status === 'retryable' && throttled.retryAfterMs, 1_500);
});
