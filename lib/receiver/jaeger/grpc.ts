// Jaeger's collector gRPC service on 14250: CollectorService.PostSpans
// (api_v2), as the Jaeger agent and the OpenTelemetry Collector's jaeger
// exporter call it. Statuses as the OTLP receivers give them (../outcome.ts):
// INVALID_ARGUMENT for a malformed request, UNAVAILABLE or RESOURCE_EXHAUSTED
// with a retry delay when the pipeline refuses for now.
import { type Component, closeOnce } from '../../lifecycle.js';
import type { TlsCertificates } from '../../net/tls.js';
import { decodeJaegerProto, JAEGER_POST_SPANS_PATH } from '../../protocol/jaeger/index.js';
import type { Authenticator } from '../auth/authenticator.js';
import { GrpcServer, retryMetadata, unaryService, type UnaryReply } from '../grpc-server.js';
import type { ExportDeps } from '../otlp/export.js';
import { grpcCodeFor, outcomeMessage } from '../outcome.js';
import { exportJaeger } from './export.js';

export interface JaegerGrpcReceiverOptions {
  name: string;
  /** 'host:port'; Jaeger's default is '0.0.0.0:14250'. */
  endpoint: string;
  deps: ExportDeps;
  /** Largest request accepted, after decompression; default 4 MiB. */
  maxRecvMsgBytes?: number;
  closeTimeoutMs?: number;
  tls?: TlsCertificates;
  auth?: Authenticator;
}

/** PostSpansResponse has no fields: its encoding is empty. */
const EMPTY_RESPONSE = Buffer.alloc(0);

export class JaegerGrpcReceiver implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly server: GrpcServer;

  constructor(o: JaegerGrpcReceiverOptions) {
    this.name = o.name;
    this.server = new GrpcServer({
      name: o.name,
      endpoint: o.endpoint,
      maxRecvMsgBytes: o.maxRecvMsgBytes,
      closeTimeoutMs: o.closeTimeoutMs,
      tls: o.tls,
      auth: o.auth,
      services: [
        unaryService({
          [JAEGER_POST_SPANS_PATH]: async (request, call, caller): Promise<UnaryReply> => {
            const ctx = { protocol: 'jaeger/grpc', peer: call.getPeer(), receivedAtMs: Date.now(), tenant: caller.tenant };
            const outcome = await exportJaeger(() => decodeJaegerProto(request), 'Jaeger PostSpansRequest', ctx, o.deps);
            if (outcome.status === 'ok') return { ok: true, response: EMPTY_RESPONSE };
            const code = grpcCodeFor(outcome);
            const details = outcomeMessage(outcome);
            if (outcome.status === 'rejected') return { ok: false, code, details };
            return { ok: false, code, details, metadata: retryMetadata(code, details, outcome.retryAfterMs) };
          },
        }),
      ],
    });
    this.close = closeOnce(() => this.server.close());
  }

  get port(): number {
    return this.server.port;
  }

  start(): Promise<void> {
    return this.server.start();
  }
}
