// What the Jaeger interop tests share: an ocsvc all-in-one process with the
// jaeger receiver's transports on free loopback ports, a sampling strategies
// file the test can rewrite, and two backends behind it: the OTLP sink
// (test/helpers/otlp-sink.ts), where content is checked as it leaves ocsvc,
// and, when asked, the stand-in Jaeger collector (test/helpers/jaeger-collector.ts)
// through the jaeger exporter backend, for Jaeger in -> Jaeger out.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { attr, type Resource } from '../../../lib/model/common.js';
import type { Span } from '../../../lib/model/trace.js';
import { freePort, freeUdpPort } from '../../harness/free-port.js';
import { waitFor } from '../../harness/wait-for.js';
import { JaegerCollector } from '../../helpers/jaeger-collector.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';
import { scrape, startService, type ServiceProcess } from '../../helpers/service-process.js';

/** Through all-in-one (sampler decision wait 500 ms) to the sink. */
export const ARRIVAL_TIMEOUT_MS = 30_000;

export interface Ports {
  grpc: number;
  http: number;
  compact: number;
  binary: number;
  sampling: number;
}

export interface Collector {
  ports: Ports;
  sink: OtlpSink;
  /** The Jaeger collector behind the jaeger backend, when asked for. */
  jaeger: JaegerCollector | undefined;
  service: ServiceProcess;
  /** Replaces the strategies file (renamed into place). */
  writeStrategies(strategies: unknown): Promise<void>;
  stop(): Promise<number | null>;
}

export async function startCollector(t: TestContext, options: { strategies?: unknown; jaegerBackend?: boolean } = {}): Promise<Collector> {
  const sink = await OtlpSink.start(t);
  const jaeger = options.jaegerBackend ? await JaegerCollector.start(t) : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-jaeger-interop-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'strategies.json');
  const writeStrategies = async (strategies: unknown) => {
    const temp = join(dir, `.strategies-${randomUUID()}.json`);
    await writeFile(temp, JSON.stringify(strategies));
    await rename(temp, file);
  };
  await writeStrategies(options.strategies ?? {});
  const ports: Ports = { grpc: await freePort(), http: await freePort(), compact: await freeUdpPort(), binary: await freeUdpPort(), sampling: await freePort() };
  const backends: object[] = [{ name: 'sink', type: 'otlp', endpoint: sink.grpcEndpoint, insecure: true, signals: ['traces'] }];
  if (jaeger) backends.push({ name: 'jaeger', type: 'jaeger', endpoint: jaeger.endpoint, insecure: true });
  const service = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENABLED: 'false',
    OCSVC_RECEIVERS_OTLP_HTTP_ENABLED: 'false',
    OCSVC_RECEIVERS_JAEGER_ENABLED: 'true',
    OCSVC_RECEIVERS_JAEGER_GRPC_ENDPOINT: `127.0.0.1:${ports.grpc}`,
    OCSVC_RECEIVERS_JAEGER_THRIFT_HTTP_ENDPOINT: `127.0.0.1:${ports.http}`,
    OCSVC_RECEIVERS_JAEGER_THRIFT_COMPACT_ENDPOINT: `127.0.0.1:${ports.compact}`,
    OCSVC_RECEIVERS_JAEGER_THRIFT_BINARY_ENDPOINT: `127.0.0.1:${ports.binary}`,
    OCSVC_RECEIVERS_JAEGER_SAMPLING_ENDPOINT: `127.0.0.1:${ports.sampling}`,
    OCSVC_RECEIVERS_JAEGER_SAMPLING_STRATEGIES_FILE: file,
    OCSVC_EXPORTER_BACKENDS: JSON.stringify(backends),
    OCSVC_SAMPLER_DECISION_WAIT_MS: '500',
    OCSVC_SAMPLER_TICK_MS: '100',
  });
  return { ports, sink, jaeger, service, writeStrategies, stop: () => service.stop() };
}

/** Spans the receiver counted in. */
export function receivedByReceiver(collector: Collector): Promise<number> {
  return scrape(collector.service, 'ocsvc_component_received_items_total', { component: 'jaeger', signal: 'traces' });
}

export interface ArrivedSpan {
  span: Span;
  resource: Resource;
}

export function arrivedSpans(sink: OtlpSink): ArrivedSpan[] {
  return sink.traces().flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource })))));
}

/** Waits until every span ID has arrived at the sink; returns them by span ID. */
export async function waitForSpans(sink: OtlpSink, spanIds: string[]): Promise<Map<string, ArrivedSpan>> {
  return waitFor(
    () => {
      const byId = new Map(arrivedSpans(sink).map((a) => [a.span.spanId as string, a]));
      return spanIds.every((id) => byId.has(id)) ? byId : undefined;
    },
    { timeoutMs: ARRIVAL_TIMEOUT_MS, what: `spans ${spanIds.join(', ')} at the OTLP backend` },
  );
}

/** A string attribute's value, or undefined. */
export function text(attributes: Span['attributes'], key: string): string | undefined {
  const v = attr(attributes, key);
  return v?.kind === 'string' ? v.value : undefined;
}
