// What the Zipkin interop tests share: an ocsvc all-in-one process on free
// loopback ports, either with the zipkin receiver in front of an OTLP backend
// (test/helpers/otlp-sink.ts), so that what Zipkin clients send is checked
// where it leaves ocsvc, or with the OTLP/HTTP receiver in front of the zipkin
// backend pointed at a real Zipkin server.
import { freePort } from '../../harness/free-port.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';
import { scrape, startService, type ServiceProcess } from '../../helpers/service-process.js';

export { arrivedSpans, assertAttributes, startClient, waitForSpans, ARRIVAL_TIMEOUT_MS, type ArrivedSpan, type Expected, type JsonLine } from '../opencensus/interop.js';

interface Cleanup {
  after(fn: () => Promise<void> | void): void;
}

/** Decided quickly, so that spans reach the backend within a second or so. */
const FAST_SAMPLER = { OCSVC_SAMPLER_DECISION_WAIT_MS: '500', OCSVC_SAMPLER_TICK_MS: '100' };

export interface ZipkinFront {
  /** http://127.0.0.1:<port>, the zipkin receiver. */
  zipkinUrl: string;
  sink: OtlpSink;
  service: ServiceProcess;
}

/** all-in-one with only the zipkin receiver, exporting traces to an OTLP sink. */
export async function startZipkinFront(t: Cleanup): Promise<ZipkinFront> {
  const sink = await OtlpSink.start(t);
  const port = await freePort();
  const service = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENABLED: 'false',
    OCSVC_RECEIVERS_OTLP_HTTP_ENABLED: 'false',
    OCSVC_RECEIVERS_ZIPKIN_ENABLED: 'true',
    OCSVC_RECEIVERS_ZIPKIN_ENDPOINT: `127.0.0.1:${port}`,
    OCSVC_EXPORTER_BACKENDS: JSON.stringify([{ name: 'sink', type: 'otlp', endpoint: sink.grpcEndpoint, insecure: true, signals: ['traces'] }]),
    ...FAST_SAMPLER,
  });
  return { zipkinUrl: `http://127.0.0.1:${port}`, sink, service };
}

/** Spans the zipkin receiver counted in. */
export function receivedByZipkin(front: ZipkinFront): Promise<number> {
  return scrape(front.service, 'ocsvc_component_received_items_total', { component: 'zipkin', signal: 'traces' });
}

export interface ZipkinBack {
  /** http://127.0.0.1:<port>, the OTLP/HTTP receiver (POST /v1/traces). */
  otlpHttpUrl: string;
  service: ServiceProcess;
}

/** all-in-one with only the OTLP/HTTP receiver, exporting traces to a Zipkin server with the zipkin backend. */
export async function startZipkinBack(t: Cleanup, zipkinUrl: string, encoding: 'json' | 'proto'): Promise<ZipkinBack> {
  const port = await freePort();
  const service = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENABLED: 'false',
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: `127.0.0.1:${port}`,
    OCSVC_EXPORTER_BACKENDS: JSON.stringify([{ name: 'zipkin', type: 'zipkin', endpoint: `${zipkinUrl}/api/v2/spans`, encoding }]),
    ...FAST_SAMPLER,
  });
  return { otlpHttpUrl: `http://127.0.0.1:${port}`, service };
}
