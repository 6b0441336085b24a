// The receivers a front-door service (agent, ingester, all-in-one) runs, from
// its receivers section, all handing data to one consumer.
import type { JaegerReceiverSection, JaegerUdpSection, ReceiversSection } from '../config/sections.js';
import type { Component } from '../lifecycle.js';
import { tlsFilesFrom } from '../net/tls.js';
import type { TelemetryConsumer } from '../pipeline/consumer.js';
import { withLimits } from '../pipeline/limits.js';
import { JaegerReceiver, type JaegerUdpOptions } from '../receiver/jaeger/index.js';
import { OpenCensusReceiver } from '../receiver/opencensus/index.js';
import { OtlpGrpcReceiver } from '../receiver/otlp/otlp-grpc.js';
import { OtlpHttpReceiver } from '../receiver/otlp/otlp-http.js';
import { ZipkinReceiver } from '../receiver/zipkin/index.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';

export function receivers(section: ReceiversSection, pipeline: TelemetryConsumer, registry: Registry, log?: Logger): Component[] {
  const out: Component[] = [];
  // One place for every protocol's limits.
  const consumer = withLimits(pipeline, section.limits, registry);
  const { maxInflateRatio } = section.limits;
  const { grpc, http } = section.otlp;
  if (grpc.enabled) out.push(new OtlpGrpcReceiver({ endpoint: grpc.endpoint, maxRecvMsgBytes: grpc.maxRecvMsgBytes, consumer, registry }));
  if (http.enabled) out.push(new OtlpHttpReceiver({ endpoint: http.endpoint, maxRequestBytes: http.maxRequestBytes, maxInflateRatio, consumer, registry }));
  const oc = section.opencensus;
  if (oc.enabled) {
    out.push(
      new OpenCensusReceiver({
        endpoint: oc.endpoint,
        gatewayEndpoint: oc.gatewayEndpoint,
        maxRecvMsgBytes: oc.maxRecvMsgBytes,
        maxInflateRatio,
        corsAllowedOrigins: oc.corsAllowedOrigins,
        corsAllowedHeaders: oc.corsAllowedHeaders,
        // Throws at start-up when only one of certFile and keyFile is set.
        tls: tlsFilesFrom(oc.tls, 'receivers.opencensus.tls'),
        traceConfig: oc.traceConfig,
        traceConfigFile: oc.traceConfigFile || undefined,
        consumer,
        registry,
        log,
      }),
    );
  }
  if (section.jaeger.enabled) out.push(jaegerReceiver(section.jaeger, maxInflateRatio, consumer, registry, log));
  const zipkin = section.zipkin;
  if (zipkin.enabled) {
    out.push(
      new ZipkinReceiver({
        endpoint: zipkin.endpoint,
        maxRequestBytes: zipkin.maxRequestBytes,
        maxInflateRatio,
        consumer,
        registry,
        onError: (err) => log?.error('zipkin request failed', { component: 'zipkin', err }),
      }),
    );
  }
  return out;
}

/** Each transport whose enabled flag is set gets its options; the others none, and are not served. */
function jaegerReceiver(s: JaegerReceiverSection, maxInflateRatio: number, consumer: TelemetryConsumer, registry: Registry, log?: Logger): JaegerReceiver {
  const udp = ({ enabled, ...options }: JaegerUdpSection): JaegerUdpOptions | undefined => (enabled ? options : undefined);
  return new JaegerReceiver({
    consumer,
    registry,
    log,
    grpc: s.grpc.enabled ? { endpoint: s.grpc.endpoint, maxRecvMsgBytes: s.grpc.maxRecvMsgBytes } : undefined,
    thriftHttp: s.thriftHttp.enabled ? { endpoint: s.thriftHttp.endpoint, maxRequestBytes: s.thriftHttp.maxRequestBytes, maxInflateRatio } : undefined,
    thriftCompact: udp(s.thriftCompact),
    thriftBinary: udp(s.thriftBinary),
    sampling: s.sampling.enabled ? { endpoint: s.sampling.endpoint, strategiesFile: s.sampling.strategiesFile || undefined } : undefined,
  });
}
