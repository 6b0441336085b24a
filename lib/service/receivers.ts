// The receivers a front-door service (agent, ingester, all-in-one) runs, from
// its receivers section, all handing data to one consumer.
import type { ReceiversSection } from '../config/sections.js';
import type { Component } from '../lifecycle.js';
import { tlsFilesFrom } from '../net/tls.js';
import type { TelemetryConsumer } from '../pipeline/consumer.js';
import { OpenCensusReceiver } from '../receiver/opencensus/index.js';
import { OtlpGrpcReceiver } from '../receiver/otlp/otlp-grpc.js';
import { OtlpHttpReceiver } from '../receiver/otlp/otlp-http.js';
import { ZipkinReceiver } from '../receiver/zipkin/index.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';

export function receivers(section: ReceiversSection, consumer: TelemetryConsumer, registry: Registry, log?: Logger): Component[] {
  const out: Component[] = [];
  const { grpc, http } = section.otlp;
  if (grpc.enabled) out.push(new OtlpGrpcReceiver({ endpoint: grpc.endpoint, maxRecvMsgBytes: grpc.maxRecvMsgBytes, consumer, registry }));
  if (http.enabled) out.push(new OtlpHttpReceiver({ endpoint: http.endpoint, maxRequestBytes: http.maxRequestBytes, consumer, registry }));
  const oc = section.opencensus;
  if (oc.enabled) {
    out.push(
      new OpenCensusReceiver({
        endpoint: oc.endpoint,
        gatewayEndpoint: oc.gatewayEndpoint,
        maxRecvMsgBytes: oc.maxRecvMsgBytes,
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
  const zipkin = section.zipkin;
  if (zipkin.enabled) {
    out.push(
      new ZipkinReceiver({
        endpoint: zipkin.endpoint,
        maxRequestBytes: zipkin.maxRequestBytes,
        consumer,
        registry,
        onError: (err) => log?.error('zipkin request failed', { component: 'zipkin', err }),
      }),
    );
  }
  return out;
}
