// A gRPC server over @grpc/grpc-js, kept behind this small wrapper so that
// receivers do not depend on its API directly. Methods are defined by hand
// with identity (de)serialisers: the receiver gets the raw request bytes and
// decodes them itself, so that a malformed message becomes INVALID_ARGUMENT
// carrying the decoder's message (grpc-js would otherwise answer INTERNAL).
// Compressed requests (grpc-encoding gzip or deflate) are inflated by grpc-js,
// which bounds the inflated size by maxRecvMsgBytes.
//
// Instead of listening itself, the server can take connections another
// listener accepted (`inject: true`, then injectConnection()): that is how one
// port serves both gRPC and HTTP/1.1. With `tls` it does the same with its own
// listener (listener.ts), which terminates TLS, reloads certificates when
// their files change and, with a client CA, requires client certificates:
// grpc-js's own ServerCredentials.createSsl cannot reload.
//
// With `auth`, every call of every method first shows a bearer token in its
// `authorization` metadata (auth/authenticator.ts) or ends UNAUTHENTICATED
// before its handler runs; handlers learn the caller's tenant from their
// `caller` argument (callerOf()).
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { type Component, closeOnce } from '../lifecycle.js';
import { formatEndpoint, parseEndpoint, type HostPort } from '../net/endpoint.js';
import type { TlsCertificates } from '../net/tls.js';
import { encodeRpcStatusProto } from '../protocol/rpc-status.js';
import type { Authenticator, Caller } from './auth/authenticator.js';
import { SharedListener } from './listener.js';

/** The OpenTelemetry Collector's default, and gRPC's own. */
export const DEFAULT_MAX_RECV_MSG_BYTES = 4 * 1024 * 1024;

export interface GrpcServerOptions {
  name: string;
  /** 'host:port'; port 0 picks a free port (see `port` after start()). Not with `inject`. */
  endpoint?: string;
  /**
   * Listen nowhere: serve the connections handed to injectConnection(), which
   * another listener accepted (and, for TLS, already decrypted).
   */
  inject?: boolean;
  /** Largest request message accepted, after decompression. */
  maxRecvMsgBytes?: number;
  /** Ping an idle client this often to find dead connections. */
  keepaliveTimeMs?: number;
  /** Close the connection when a ping is not answered within this time. */
  keepaliveTimeoutMs?: number;
  /** close() waits this long for calls in flight, then cancels them. */
  closeTimeoutMs?: number;
  /** Terminate TLS (mutual with a client CA) with these certificates; plaintext when absent. Not with `inject`: the listener owns TLS. */
  tls?: TlsCertificates;
  /** Bearer tokens required (or checked) on every call; none when absent. */
  auth?: Authenticator;
  services: readonly GrpcService[];
}

export interface GrpcService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
  /**
   * Its methods take no bearer token even when the server has `auth`: only
   * for methods through which no telemetry comes in and whose clients cannot
   * send one (the OpenCensus Config stream).
   */
  anonymous?: boolean;
}

/** A unary handler's answer: a response message, or a status error. */
export type UnaryReply =
  | { ok: true; response: Buffer }
  | { ok: false; code: grpc.status; details: string; metadata?: grpc.Metadata };

export type UnaryBytesHandler = (request: Buffer, call: grpc.ServerUnaryCall<Buffer, Buffer>, caller: Caller) => Promise<UnaryReply>;

/**
 * A streaming handler: it owns the call until the promise settles and must
 * end it (with a status) on every path. A rejection is a bug: the call ends
 * with INTERNAL if it is still open.
 */
export type StreamBytesHandler = (call: grpc.ServerDuplexStream<Buffer, Buffer>, caller: Caller) => Promise<void>;

const identity = (b: Buffer): Buffer => b;

/** The caller of each call that passed authentication, set before its handler runs. */
const callers = new WeakMap<object, Caller>();
const ANONYMOUS: Caller = Object.freeze({});

/** Who made a call: its tenant once authenticated; anonymous without auth. */
export function callerOf(call: object): Caller {
  return callers.get(call) ?? ANONYMOUS;
}

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
      handler(call.request, call, callerOf(call)).then(
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

/** A service of bidirectional-streaming methods keyed by full path. */
export function bidiService(handlers: Record<string, StreamBytesHandler>): GrpcService {
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [path, handler] of Object.entries(handlers)) {
    definition[path] = bytesMethod(path, { requestStream: true, responseStream: true });
    implementation[path] = (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      handler(call, callerOf(call)).catch((err: unknown) => {
        if (!call.writableEnded && !call.destroyed) {
          call.emit('error', { code: grpc.status.INTERNAL, details: `internal error: ${String(err)}` });
        }
      });
    };
  }
  return { definition, implementation };
}

/**
 * Ends a stream with a status: after the responses already written, the
 * client gets `code` and `details` (and the trailing metadata). grpc-js turns
 * an 'error' event on a server stream into exactly that.
 */
export function endStream(call: grpc.ServerDuplexStream<Buffer, Buffer>, code: grpc.status, details: string, metadata?: grpc.Metadata): void {
  if (call.writableEnded || call.destroyed) return;
  if (code === grpc.status.OK) call.end(metadata);
  else call.emit('error', { code, details, metadata: metadata ?? new grpc.Metadata() });
}

/**
 * The next message of a stream, read one at a time so that nothing more is
 * taken from the client while the caller works (grpc-js buffers at most 16
 * messages; past that, HTTP/2 flow control holds the client back). undefined
 * once the client half-closed, the call was cancelled, or `signal` aborted.
 */
export function nextMessage(call: grpc.ServerDuplexStream<Buffer, Buffer>, signal?: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const attempt = () => {
      if (signal?.aborted || call.destroyed) return finish(undefined);
      const message = call.read() as Buffer | null;
      if (message !== null) return finish(message);
      if (call.readableEnded) return finish(undefined);
    };
    const finish = (value: Buffer | undefined) => {
      call.off('readable', attempt);
      call.off('end', attempt);
      call.off('close', attempt);
      signal?.removeEventListener('abort', attempt);
      resolve(value);
    };
    call.on('readable', attempt);
    call.on('end', attempt);
    call.on('close', attempt);
    signal?.addEventListener('abort', attempt);
    attempt();
  });
}

/**
 * Writes a response and, when the stream's buffer is full (the client reads
 * slower than we answer), waits until it drains. false when the call ended
 * meanwhile. There is no time limit: a stream whose buffered responses wait
 * cannot end with a status either (the status follows them), and a client
 * that does not read holds back only its own stream.
 */
export function writeResponse(call: grpc.ServerDuplexStream<Buffer, Buffer>, message: Buffer): Promise<boolean> {
  if (call.write(message)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (drained: boolean) => {
      call.off('drain', onDrain);
      call.off('close', onGone);
      resolve(drained);
    };
    const onDrain = () => finish(true);
    const onGone = () => finish(false);
    call.on('drain', onDrain);
    call.on('close', onGone);
  });
}

/**
 * Trailing metadata of a retryable status: a google.rpc.Status with a
 * RetryInfo in grpc-status-details-bin (without it, OTLP clients do not retry
 * RESOURCE_EXHAUSTED), and grpc-retry-pushback-ms, which gRPC's own retry
 * policy reads.
 */
export function retryMetadata(code: grpc.status, details: string, retryAfterMs: number): grpc.Metadata {
  const ms = Math.max(0, Math.round(retryAfterMs));
  const metadata = new grpc.Metadata();
  const status = encodeRpcStatusProto({ code, message: details, retryAfterMs: ms });
  metadata.set('grpc-status-details-bin', Buffer.from(status.buffer, status.byteOffset, status.byteLength));
  metadata.set('grpc-retry-pushback-ms', String(ms));
  return metadata;
}

export class GrpcServer implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly address: HostPort | undefined;
  private readonly options: GrpcServerOptions;
  private server: grpc.Server | undefined;
  private injector: grpc.ConnectionInjector | undefined;
  private listener: SharedListener | undefined;
  private boundPort: number | undefined;

  constructor(options: GrpcServerOptions) {
    if ((options.endpoint === undefined) === !options.inject) {
      throw new Error(`${options.name}: give either an endpoint to listen on or inject: true, not ${options.inject ? 'both' : 'neither'}`);
    }
    if (options.inject && options.tls) throw new Error(`${options.name}: with inject: true, TLS belongs to the listener that accepts`);
    this.name = options.name;
    this.options = options;
    this.address = options.endpoint === undefined ? undefined : parseEndpoint(options.endpoint);
    this.close = closeOnce(() => this.shutdown());
  }

  /**
   * Serves a connection accepted elsewhere (inject mode, after start()): the
   * socket or TLS socket must be at the HTTP/2 connection preface; bytes
   * already read from it must have been unshift()ed back.
   */
  injectConnection(connection: Duplex): void {
    if (!this.injector) throw new Error(`${this.name}: injectConnection() needs inject: true and start()`);
    this.injector.injectConnection(connection);
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
    for (const service of o.services) {
      server.addService(service.definition, o.auth && !service.anonymous ? authenticated(service, o.auth, this.name) : service.implementation);
    }
    this.server = server;
    if (!this.address || o.tls) {
      // Plaintext here: whoever injects has already terminated TLS. The
      // injector's HTTP/2 server belongs to `server`, so shutdown covers it.
      const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
      this.injector = injector;
      if (!o.tls) return;
      // Reads the certificates now: unusable files fail the start.
      const listener = new SharedListener({ name: this.name, endpoint: o.endpoint!, tls: o.tls, grpc: (c) => injector.injectConnection(c) });
      this.listener = listener;
      await listener.start();
      this.boundPort = listener.port;
      return;
    }
    const address = this.address;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(
        formatEndpoint(address),
        grpc.ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(new Error(`${this.name}: cannot listen on ${o.endpoint}: ${err.message}`, { cause: err })) : resolve(port)),
      );
    });
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const listener = this.listener;
    // Its connections are the server's to drain; destroyAll() below is the last resort.
    if (listener) void listener.stopAccepting();
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
    listener?.destroyAll();
  }
}

/** The first authorization metadata value, if any. */
function authorizationOf(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

type AnyHandler = (call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => void;

/**
 * The service with every method behind `auth`: a refused call ends
 * UNAUTHENTICATED before its handler runs (through the callback of unary and
 * client-streaming methods, an 'error' of streaming responses, which is how
 * grpc-js ends such a call with a status).
 */
function authenticated(service: GrpcService, auth: Authenticator, component: string): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, impl] of Object.entries(service.implementation)) {
    const handler = impl as unknown as AnyHandler;
    out[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
      const verdict = auth.check(authorizationOf(call.metadata), component);
      if (!verdict.ok) {
        const error = { code: grpc.status.UNAUTHENTICATED, details: verdict.message, metadata: new grpc.Metadata() };
        if (callback) callback(error);
        else call.emit('error', error);
        return;
      }
      callers.set(call, verdict.caller);
      handler(call, callback);
    }) as unknown as grpc.UntypedHandleCall;
  }
  return out;
}
