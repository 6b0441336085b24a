// OTLP/gRPC receiver: TraceService/Export and MetricsService/Export on one
// port (4317 by default). Status codes follow the OTLP specification: a
// malformed or rejected request is INVALID_ARGUMENT (not retried), a refusal
// that may pass later is UNAVAILABLE, or RESOURCE_EXHAUSTED when we are out of
// room, both with a google.rpc.RetryInfo in grpc-status-details-bin (without
// it, clients do not retry RESOURCE_EXHAUSTED).
import * as grpc from '@grpc/grpc-js';
import { type Component, closeOnce } from '../../lifecycle.js';
import { watchedCertificates, type TlsFiles } from '../../net/tls.js';
import type { TelemetryConsumer } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/stats.js';
import type { Authenticator } from '../auth/authenticator.js';
import { GrpcServer, unaryService, type UnaryBytesHandler, type UnaryReply } from '../grpc-server.js';
import { grpcCodeFor, outcomeMessage } from '../outcome.js';
import { encodeRpcStatusProto } from '../../protocol/rpc-status.js';
import { handleExport, type ExportDeps } from './export.js';
import { METRICS, TRACES, type OtlpSignal } from './signals.js';

export interface OtlpGrpcReceiverOptions {
  /** 'host:port'; the OTLP default is '0.0.0.0:4317'. Port 0 picks a free port. */
  endpoint: string;
  consumer: TelemetryConsumer;
  registry: Registry;
  /** Component name in self-metrics; default 'otlp/grpc'. */
  name?: string;
  /** Largest request accepted, after decompression; default 4 MiB. */
  maxRecvMsgBytes?: number;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** close() waits this long for calls in flight; default 5 s. */
  closeTimeoutMs?: number;
  /** TLS (mutual with clientCaFile), certificates reloaded when their files change; plaintext when absent. */
  tls?: TlsFiles;
  /** How often, at most, the certificate files are looked at; default 1 s. */
  fileCheckIntervalMs?: number;
  /** Bearer tokens on every call; none when absent. */
  auth?: Authenticator;
  log?: Logger;
}

export class OtlpGrpcReceiver implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly server: GrpcServer;

  constructor(options: OtlpGrpcReceiverOptions) {
    this.name = options.name ?? 'otlp/grpc';
    const deps: ExportDeps = {
      consumer: options.consumer,
      registry: options.registry,
      stats: options.registry.component(this.name, 'receiver'),
    };
    this.server = new GrpcServer({
      name: this.name,
      endpoint: options.endpoint,
      maxRecvMsgBytes: options.maxRecvMsgBytes,
      keepaliveTimeMs: options.keepaliveTimeMs,
      keepaliveTimeoutMs: options.keepaliveTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs,
      tls: watchedCertificates(options.tls, { component: this.name, log: options.log, checkIntervalMs: options.fileCheckIntervalMs }),
      auth: options.auth,
      services: [
        unaryService({
          [TRACES.grpcPath]: exportHandler(TRACES, deps),
          [METRICS.grpcPath]: exportHandler(METRICS, deps),
        }),
      ],
    });
    this.close = closeOnce(() => this.server.close());
  }

  /** The bound port; only after start(). */
  get port(): number {
    return this.server.port;
  }

  start(): Promise<void> {
    return this.server.start();
  }
}

function exportHandler<T>(sig: OtlpSignal<T>, deps: ExportDeps): UnaryBytesHandler {
  return async (request, call, caller): Promise<UnaryReply> => {
    const ctx = { protocol: 'otlp/grpc', peer: call.getPeer(), receivedAtMs: Date.now(), tenant: caller.tenant };
    const outcome = await handleExport(sig, 'proto', request, ctx, deps);
    const code = grpcCodeFor(outcome);
    if (outcome.status === 'ok') return { ok: true, response: asBuffer(sig.response('proto')) };
    const details = outcomeMessage(outcome);
    if (outcome.status === 'rejected') return { ok: false, code, details };
    const metadata = new grpc.Metadata();
    const retryAfterMs = Math.max(0, Math.round(outcome.retryAfterMs));
    metadata.set('grpc-status-details-bin', asBuffer(encodeRpcStatusProto({ code, message: details, retryAfterMs })));
    // gRPC's own retry policy reads this one.
    metadata.set('grpc-retry-pushback-ms', String(retryAfterMs));
    return { ok: false, code, details, metadata };
  };
}

function asBuffer(bytes: Uint8Array | string): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
