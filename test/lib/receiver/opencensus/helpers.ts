// Helpers for the OpenCensus receiver tests: a receiver on port 0 with a
// consumer the test controls, a raw-bytes bidirectional stream from a real
// @grpc/grpc-js client, and small builders of OpenCensus messages.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { KeyValue, Metrics, Traces } from '../../../../lib/model/index.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from '../../../../lib/pipeline/consumer.js';
import type { OcExportMetricsRequest, OcExportTraceRequest, OcMetric, OcNode, OcResource, OcSpan } from '../../../../lib/protocol/opencensus/index.js';
import { OcLanguage, OcMetricType } from '../../../../lib/protocol/opencensus/index.js';
import { ACK_METADATA, OpenCensusReceiver, type OpenCensusReceiverOptions } from '../../../../lib/receiver/opencensus/index.js';
import { Registry } from '../../../../lib/telemetry/stats.js';

/**
 * Records what it is handed and answers `outcome`. While `hold` is set, each
 * call waits until release() is called: the test decides when Kafka "answers".
 */
export class ControlledConsumer implements TelemetryConsumer {
  readonly traces: { traces: Traces; ctx: ReceiveContext }[] = [];
  readonly metrics: { metrics: Metrics; ctx: ReceiveContext }[] = [];
  outcome: Outcome = { status: 'ok' };
  hold = false;
  private waiting: (() => void)[] = [];
  private arrivals: (() => void)[] = [];

  async consumeTraces(traces: Traces, ctx: ReceiveContext): Promise<Outcome> {
    this.traces.push({ traces, ctx });
    return this.answer();
  }

  async consumeMetrics(metrics: Metrics, ctx: ReceiveContext): Promise<Outcome> {
    this.metrics.push({ metrics, ctx });
    return this.answer();
  }

  /** Lets every held call answer. */
  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const go of waiting) go();
  }

  /** Resolves once `n` calls are waiting. */
  async held(n: number): Promise<void> {
    while (this.waiting.length < n) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  private async answer(): Promise<Outcome> {
    if (this.hold) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        for (const arrived of this.arrivals.splice(0)) arrived();
      });
    }
    return this.outcome;
  }
}

export async function startReceiver(t: TestContext, options: Partial<OpenCensusReceiverOptions> = {}) {
  const consumer = new ControlledConsumer();
  const registry = new Registry();
  const receiver = new OpenCensusReceiver({ endpoint: '127.0.0.1:0', consumer, registry, closeTimeoutMs: 2_000, ...options });
  await receiver.start();
  t.after(() => receiver.close());
  const total = (counter: 'received' | 'sent' | 'refused', where: Record<string, string> = {}) =>
    registry.total(`ocsvc_component_${counter}_items_total`, { component: 'opencensus', ...where });
  const malformed = () => registry.total('ocsvc_receiver_malformed_requests_total', { component: 'opencensus' });
  return { receiver, consumer, registry, total, malformed };
}

export function client(t: TestContext, port: number, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): grpc.Client {
  const c = new grpc.Client(`127.0.0.1:${port}`, credentials, options);
  t.after(() => c.close());
  return c;
}

/** A bidirectional stream of raw bytes, with its responses and final status collected. */
export class RawStream {
  readonly responses: Buffer[] = [];
  readonly status: Promise<grpc.StatusObject>;
  readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private waiters: (() => void)[] = [];

  /** With `acks`, asks for a response per accepted message, as the ocsvc exporter does. */
  constructor(c: grpc.Client, path: string, options: { acks?: boolean; deadlineMs?: number } = {}) {
    const metadata = new grpc.Metadata();
    if (options.acks ?? true) metadata.set(ACK_METADATA.key, ACK_METADATA.value);
    this.call = c.makeBidiStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b, metadata, { deadline: Date.now() + (options.deadlineMs ?? 15_000) });
    this.call.on('data', (b: Buffer) => {
      this.responses.push(b);
      for (const w of this.waiters.splice(0)) w();
    });
    // The status arrives as 'status'; an error status also as 'error', which must be listened to.
    this.call.on('error', () => undefined);
    this.status = new Promise((resolve) => this.call.on('status', resolve));
  }

  send(bytes: Uint8Array): void {
    this.call.write(Buffer.from(bytes));
  }

  /** Resolves once `n` responses arrived (fails the test after timeoutMs). */
  async responsesAtLeast(n: number, timeoutMs = 5_000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < n) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `expected ${n} responses, got ${this.responses.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.responses;
  }

  end(): void {
    this.call.end();
  }
}

// --- OpenCensus message builders ---

export function ocNode(service: string, host = 'host-1'): OcNode {
  return {
    identifier: { hostName: host, pid: 42, startTimestamp: undefined },
    libraryInfo: { language: OcLanguage.NODE_JS, exporterVersion: '0.1.0', coreLibraryVersion: '0.1.0' },
    serviceInfo: { name: service },
    attributes: [],
  };
}

export function ocResource(type: string, labels: Record<string, string> = {}): OcResource {
  return { type, labels: Object.entries(labels).map(([key, value]) => ({ key, value })) };
}

let nextId = 1;
export function ocSpan(name: string, traceByte = 1): OcSpan {
  const id = nextId++;
  return {
    traceId: Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? traceByte : 0xa0 + i)),
    spanId: Uint8Array.from({ length: 8 }, (_, i) => (i === 7 ? id & 0xff : 0xb0 + i)),
    tracestate: undefined,
    parentSpanId: new Uint8Array(0),
    name: { value: name, truncatedByteCount: 0 },
    kind: 1,
    startTime: 1_700_000_000_000_000_000n,
    endTime: 1_700_000_000_500_000_000n,
    attributes: undefined,
    stackTrace: undefined,
    timeEvents: undefined,
    links: undefined,
    status: undefined,
    resource: undefined,
    sameProcessAsParentSpan: undefined,
    childSpanCount: undefined,
  };
}

export function traceRequest(parts: Partial<OcExportTraceRequest>): OcExportTraceRequest {
  return { node: undefined, spans: [], resource: undefined, ...parts };
}

export function ocGauge(name: string, value: number): OcMetric {
  return {
    metricDescriptor: { name, description: '', unit: '1', type: OcMetricType.GAUGE_DOUBLE, labelKeys: [] },
    timeseries: [{ startTimestamp: undefined, labelValues: [], points: [{ timestamp: 1_700_000_000_000_000_000n, value: { kind: 'double', value } }] }],
    resource: undefined,
  };
}

export function metricsRequest(parts: Partial<OcExportMetricsRequest>): OcExportMetricsRequest {
  return { node: undefined, metrics: [], resource: undefined, ...parts };
}

/** The string attributes as an object, for assertions. */
export function stringAttributes(attributes: readonly KeyValue[]): Record<string, string> {
  return Object.fromEntries(attributes.flatMap((a) => (a.value.kind === 'string' ? [[a.key, a.value.value]] : [])));
}

/** service.name of the first resource of the i-th traces export. */
export function serviceOf(consumer: ControlledConsumer, i: number): string | undefined {
  return stringAttributes(consumer.traces[i]!.traces.resourceSpans[0]!.resource.attributes)['service.name'];
}

/** Span names of every export the consumer got, one array per export. */
export function spanNames(consumer: ControlledConsumer): string[][] {
  return consumer.traces.map(({ traces }) => traces.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
}
