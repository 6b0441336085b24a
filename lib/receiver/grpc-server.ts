// A gRPC server over @grpc/grpc-js, kept behind this small wrapper so that
// receivers do not depend on its API directly. Methods are defined by hand
// with identity (de)serialisers: the receiver gets the raw request bytes and
// decodes them itself, so that a malformed message becomes INVALID_ARGUMENT
// carrying the decoder's message (grpc-js would otherwise answer INTERNAL).
// Compressed requests (grpc-encoding gzip or deflate) are inflated by grpc-js,
// which bounds the inflated size by maxRecvMsgBytes.
import * as grpc from '@grpc/grpc-js';
import { type Component, closeOnce } from '../lifecycle.js';
import { formatEndpoint, parseEndpoint, type HostPort } from '../net/endpoint.js';

/** The OpenTelemetry Collector's default, and gRPC's own. */
export const DEFAULT_MAX_RECV_MSG_BYTES = 4 * 1024 * 1024;

export interface GrpcServerOptions {
  name: string;
  /** 'host:port'; port 0 picks a free port (see `port` after start()). */
  endpoint: string;
  /** Largest request message accepted, after decompression. */
  maxRecvMsgBytes?: number;
  /** Ping an idle client this often to find dead connections. */
  keepaliveTimeMs?: number;
  /** Close the connection when a ping is not answered within this time. */
  keepaliveTimeoutMs?: number;
  /** close() waits this long for calls in flight, then cancels them. */
  closeTimeoutMs?: number;
  /** TLS credentials; plaintext when absent. */
  credentials?: grpc.ServerCredentials;
  services: readonly GrpcService[];
}

export interface GrpcService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/** A unary handler's answer: a response message, or a status error. */
export type UnaryReply =
  | { ok: true; response: Buffer }
  | { ok: false; code: grpc.status; details: string; metadata?: grpc.Metadata };

export type UnaryBytesHandler = (request: Buffer, call: grpc.ServerUnaryCall<Buffer, Buffer>) => Promise<UnaryReply>;

const identity = (b: Buffer): Buffer => b;

/** A method definition passing raw bytes both ways, e.g. for '/pkg.Service/Method'. */
export function bytesMethod(
  path: string,
  streaming: { requestStream: boolean; responseStream: boolean } = { requestStream: false, responseStream: false },
): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    ...streaming,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/**
 * A service of unary methods keyed by full path. A handler that throws is a
 * bug: the client gets INTERNAL rather than a hung call.
 */
export function unaryService(handlers: Record<string, UnaryBytesHandler>): GrpcService {
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [path, handler] of Object.entries(handlers)) {
    definition[path] = bytesMethod(path);
    implementation[path] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      handler(call.request, call).then(
        (reply) => {
          if (reply.ok) callback(null, reply.response);
          else callback({ code: reply.code, details: reply.details, metadata: reply.metadata ?? new grpc.Metadata() });
        },
        (err: unknown) => callback({ code: grpc.status.INTERNAL, details: `internal error: ${String(err)}` }),
      );
    };
  }
  return { definition, implementation };
}

export class GrpcServer implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly address: HostPort;
  private readonly options: GrpcServerOptions;
  private server: grpc.Server | undefined;
  private boundPort: number | undefined;

  constructor(options: GrpcServerOptions) {
    this.name = options.name;
    this.options = options;
    this.address = parseEndpoint(options.endpoint);
    this.close = closeOnce(() => this.shutdown());
  }

  /** The bound port; only after start(). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error(`${this.name}: port is known only after start()`);
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error(`${this.name}: already started`);
    const o = this.options;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': o.maxRecvMsgBytes ?? DEFAULT_MAX_RECV_MSG_BYTES,
      'grpc.keepalive_time_ms': o.keepaliveTimeMs ?? 120_000 /* 2 minutes */,
      'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs ?? 20_000 /* 20 seconds, gRPC's default */,
    });
    for (const service of o.services) server.addService(service.definition, service.implementation);
    this.server = server;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(
        formatEndpoint(this.address),
        o.credentials ?? grpc.ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(new Error(`${this.name}: cannot listen on ${o.endpoint}: ${err.message}`, { cause: err })) : resolve(port)),
      );
    });
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const deadlineMs = this.options.closeTimeoutMs ?? 5_000;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // Calls still running past the deadline are cancelled.
        server.forceShutdown();
        resolve();
      }, deadlineMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
