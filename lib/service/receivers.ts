// The receivers a front-door service (agent, ingester, all-in-one) runs, from
// its receivers section, all handing data to one consumer.
import type { ReceiversSection } from '../config/sections.js';
import type { Component } from '../lifecycle.js';
import type { TelemetryConsumer } from '../pipeline/consumer.js';
import { OtlpGrpcReceiver } from '../receiver/otlp/otlp-grpc.js';
import { OtlpHttpReceiver } from '../receiver/otlp/otlp-http.js';
import type { Registry } from '../telemetry/stats.js';

export function receivers(section: ReceiversSection, consumer: TelemetryConsumer, registry: Registry): Component[] {
  const out: Component[] = [];
  const { grpc, http } = section.otlp;
  if (grpc.enabled) out.push(new OtlpGrpcReceiver({ endpoint: grpc.endpoint, maxRecvMsgBytes: grpc.maxRecvMsgBytes, consumer, registry }));
  if (http.enabled) out.push(new OtlpHttpReceiver({ endpoint: http.endpoint, maxRequestBytes: http.maxRequestBytes, consumer, registry }));
  return out;
}
