// What a standalone HTTP receiver (OTLP/HTTP, Zipkin) is configured with, and
// the server it becomes: its export dependencies and body bounds made once,
// its certificates watched, its routes given by the protocol. The receivers
// are HttpServers (name, port, start, close) with their own routes.
import { watchedCertificates, type TlsFiles } from '../net/tls.js';
import type { TelemetryConsumer } from '../pipeline/consumer.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';
import type { Authenticator } from './auth/authenticator.js';
import { DEFAULT_MAX_BODY_BYTES, type BodyBounds } from './body.js';
import type { HttpRoute, HttpServerOptions } from './http-server.js';
import type { ExportDeps } from './otlp/export.js';

export interface HttpReceiverOptions {
  /** 'host:port'; port 0 picks a free port. */
  endpoint: string;
  consumer: TelemetryConsumer;
  registry: Registry;
  /** Component name in self-metrics; the protocol's by default. */
  name?: string;
  /** Largest body accepted, both as sent and once decompressed; default 4 MiB. */
  maxRequestBytes?: number;
  /** Most a body may inflate, as a multiple of its compressed size (see body.ts). */
  maxInflateRatio?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** close() waits this long for requests in flight; default 5 s. */
  closeTimeoutMs?: number;
  /** Told about unexpected failures (answered with 500). */
  onError?: (err: unknown) => void;
  /** TLS (mutual with clientCaFile), certificates reloaded when their files change; plaintext when absent. */
  tls?: TlsFiles;
  /** How often, at most, the certificate files are looked at; default 1 s. */
  fileCheckIntervalMs?: number;
  /** Bearer tokens on every request; none when absent. */
  auth?: Authenticator;
  log?: Logger;
}

/** The HttpServer options of a receiver named `name` whose routes `routes` makes. */
export function httpReceiverServer(
  o: HttpReceiverOptions,
  name: string,
  routes: (deps: ExportDeps, bounds: BodyBounds) => HttpRoute[],
  extra: Pick<HttpServerOptions, 'onUnauthenticated'> = {},
): HttpServerOptions {
  const deps: ExportDeps = { consumer: o.consumer, registry: o.registry, stats: o.registry.component(name, 'receiver') };
  return {
    name,
    endpoint: o.endpoint,
    headersTimeoutMs: o.headersTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    closeTimeoutMs: o.closeTimeoutMs,
    onError: o.onError,
    tls: watchedCertificates(o.tls, { component: name, log: o.log, checkIntervalMs: o.fileCheckIntervalMs }),
    auth: o.auth,
    ...extra,
    routes: routes(deps, { maxBytes: o.maxRequestBytes ?? DEFAULT_MAX_BODY_BYTES, maxInflateRatio: o.maxInflateRatio }),
  };
}
