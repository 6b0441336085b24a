// The receivers a front-door service (agent, ingester, all-in-one) runs, from
// its receivers section, all handing data to one consumer. Security
// (docs/security.md) is applied here once for all: each TCP receiver's tls
// block, one Authenticator for every receiver (receivers.auth), and the
// per-tenant rate limit in front of the pipeline.
import { InvalidInputError } from '../errors.js';
import type { JaegerReceiverSection, JaegerUdpSection, ReceiverAuthSection, ReceiversSection, TlsServerSection } from '../config/sections.js';
import type { Component } from '../lifecycle.js';
import { parseEndpoint } from '../net/endpoint.js';
import { tlsFilesFrom, type TlsFiles } from '../net/tls.js';
import type { TelemetryConsumer } from '../pipeline/consumer.js';
import { withLimits } from '../pipeline/limits.js';
import { withTenantRateLimit } from '../pipeline/tenant-rate-limit.js';
import { Authenticator } from '../receiver/auth/authenticator.js';
import { JaegerReceiver, type JaegerUdpOptions } from '../receiver/jaeger/index.js';
import { OpenCensusReceiver } from '../receiver/opencensus/index.js';
import { OtlpGrpcReceiver } from '../receiver/otlp/otlp-grpc.js';
import { OtlpHttpReceiver } from '../receiver/otlp/otlp-http.js';
import { ZipkinReceiver } from '../receiver/zipkin/index.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** The TLS files of a receiver's tls block (throws at start-up when only one of certFile and keyFile is set). */
const tlsOf = (tls: TlsServerSection, where: string): TlsFiles | undefined => tlsFilesFrom(tls, `receivers.${where}.tls`);

/** The authenticator of receivers.auth, or undefined when no tokens file is set. Reads the file now. */
export function authenticator(section: ReceiverAuthSection, registry: Registry, log?: Logger): Authenticator | undefined {
  if (section.tokensFile === '') {
    if (section.required) throw new InvalidInputError('receivers.auth.required needs receivers.auth.tokensFile: a file of the tokens to accept');
    return undefined;
  }
  return new Authenticator({ tokensFile: section.tokensFile, required: section.required, registry, log });
}

export function receivers(section: ReceiversSection, pipeline: TelemetryConsumer, registry: Registry, log?: Logger): Component[] {
  const out: Component[] = [];
  // One place for every protocol's limits, then each tenant's rate.
  const consumer = withLimits(withTenantRateLimit(pipeline, section.auth.tenantRateLimit, registry), section.limits, registry);
  const auth = authenticator(section.auth, registry, log);
  const { maxInflateRatio } = section.limits;
  // What every receiver takes; the gRPC ones have no bodies to inflate.
  const common = { auth, consumer, registry, log };
  const { grpc, http } = section.otlp;
  if (grpc.enabled) {
    out.push(new OtlpGrpcReceiver({ ...common, endpoint: grpc.endpoint, maxRecvMsgBytes: grpc.maxRecvMsgBytes, tls: tlsOf(grpc.tls, 'otlp.grpc') }));
  }
  if (http.enabled) {
    out.push(new OtlpHttpReceiver({ ...common, endpoint: http.endpoint, maxRequestBytes: http.maxRequestBytes, maxInflateRatio, tls: tlsOf(http.tls, 'otlp.http') }));
  }
  const oc = section.opencensus;
  if (oc.enabled) {
    out.push(
      new OpenCensusReceiver({
        ...common,
        endpoint: oc.endpoint,
        gatewayEndpoint: oc.gatewayEndpoint,
        maxRecvMsgBytes: oc.maxRecvMsgBytes,
        maxInflateRatio,
        corsAllowedOrigins: oc.corsAllowedOrigins,
        corsAllowedHeaders: oc.corsAllowedHeaders,
        tls: tlsOf(oc.tls, 'opencensus'),
        traceConfig: oc.traceConfig,
        traceConfigFile: oc.traceConfigFile || undefined,
      }),
    );
  }
  if (section.jaeger.enabled) out.push(jaegerReceiver(section.jaeger, maxInflateRatio, consumer, registry, auth, log));
  const zipkin = section.zipkin;
  if (zipkin.enabled) {
    out.push(
      new ZipkinReceiver({
        ...common,
        endpoint: zipkin.endpoint,
        maxRequestBytes: zipkin.maxRequestBytes,
        maxInflateRatio,
        tls: tlsOf(zipkin.tls, 'zipkin'),
        onError: (err) => log?.error('zipkin request failed', { component: 'zipkin', err }),
      }),
    );
  }
  return out;
}

/** Each transport whose enabled flag is set gets its options; the others none, and are not served. */
function jaegerReceiver(
  s: JaegerReceiverSection,
  maxInflateRatio: number,
  consumer: TelemetryConsumer,
  registry: Registry,
  auth: Authenticator | undefined,
  log?: Logger,
): JaegerReceiver {
  const udp = ({ enabled, ...options }: JaegerUdpSection, where: string): JaegerUdpOptions | undefined => {
    if (!enabled) return undefined;
    if (auth?.required && !isLoopback(parseEndpoint(options.endpoint).host)) {
      // UDP carries no token: "required" would not hold for it.
      throw new InvalidInputError(
        `receivers.${where} listens on ${options.endpoint} without authentication (UDP carries no token) while receivers.auth.required is true: ` +
          `disable it (receivers.${where}.enabled: false) or bind it to loopback (127.0.0.1) for the applications of this host only`,
      );
    }
    return options;
  };
  const { grpc, thriftHttp, sampling } = s;
  return new JaegerReceiver({
    consumer,
    registry,
    log,
    auth,
    grpc: grpc.enabled ? { endpoint: grpc.endpoint, maxRecvMsgBytes: grpc.maxRecvMsgBytes, tls: tlsOf(grpc.tls, 'jaeger.grpc') } : undefined,
    thriftHttp: thriftHttp.enabled
      ? { endpoint: thriftHttp.endpoint, maxRequestBytes: thriftHttp.maxRequestBytes, maxInflateRatio, tls: tlsOf(thriftHttp.tls, 'jaeger.thriftHttp') }
      : undefined,
    thriftCompact: udp(s.thriftCompact, 'jaeger.thriftCompact'),
    thriftBinary: udp(s.thriftBinary, 'jaeger.thriftBinary'),
    sampling: sampling.enabled
      ? { endpoint: sampling.endpoint, strategiesFile: sampling.strategiesFile || undefined, tls: tlsOf(sampling.tls, 'jaeger.sampling') }
      : undefined,
  });
}
