// The OpenCensus HTTP/JSON gateway: POST /v1/trace and /v1/metrics with an
// ExportTraceServiceRequest / ExportMetricsServiceRequest in the protobuf JSON
// mapping, optionally gzip- or deflate-compressed. As in the original
// (grpc-gateway) each request is a stream of one message, so the stream's
// rules apply: the request must carry a Node. Answers: 200 `{}` once the
// consumer accepted (the data is in Kafka); 400 naming the problem; 413; 415;
// 503, or 429 when we are out of room, with Retry-After; errors as a JSON
// google.rpc.Status, as OTLP/HTTP does.
//
// The node:http server here never listens: the listener hands it connections
// (see ../listener.ts), which is why it is started by hand below. Bearer
// tokens (receivers.auth) are checked after CORS preflights, which browsers
// send without credentials; a browser must be allowed the Authorization
// header (corsAllowedHeaders) to send one.
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Outcome } from '../../pipeline/consumer.js';
import type { Authenticator, Caller } from '../auth/authenticator.js';
import { encodeRpcStatusJson, type RpcStatus } from '../../protocol/rpc-status.js';
import { mediaType, readBody } from '../body.js';
import { answerUnauthenticated, authenticateRequest, send } from '../http-server.js';
import { grpcCodeFor, httpStatusFor, outcomeMessage, retryAfterSeconds } from '../outcome.js';
import type { ExportDeps } from '../otlp/export.js';
import type { Cors } from './cors.js';
import { exportMessage, METRICS, newStreamState, TRACES, type OcRequest, type OcSignal } from './export.js';

export interface GatewayOptions {
  deps: ExportDeps;
  maxBodyBytes: number;
  maxInflateRatio?: number;
  cors: Cors;
  /** Time allowed to receive a request's headers, and the whole request. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  onError?: (err: unknown) => void;
  /** Bearer tokens on every export; none when absent. */
  auth?: Authenticator;
  /** Names the gateway in the auth failure counter. */
  component?: string;
}

const JSON_TYPE = 'application/json';

export class Gateway {
  private readonly server: http.Server;
  private readonly options: GatewayOptions;
  private readonly sockets = new Set<Duplex>();
  private closing = false;

  constructor(options: GatewayOptions) {
    this.options = options;
    const headersTimeoutMs = options.headersTimeoutMs ?? 10_000; /* 10 seconds */
    this.server = http.createServer({
      headersTimeout: headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? 30_000 /* 30 seconds */,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000 /* 65 seconds: longer than common load balancers' 60 s */,
      // How often those two timeouts are checked; node's default (30 s) would let a slow client stay far longer.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersTimeoutMs / 4)),
      keepAlive: true,
    });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.dispatch(req, res));
    // node:http tracks connections and starts its header and request timeouts
    // on 'listening'; this server never listens itself.
    this.server.emit('listening');
  }

  /** Serves an accepted connection (plaintext or TLS) whose next bytes are an HTTP/1.x request. */
  connection(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.server.emit('connection', socket);
  }

  /** Lets requests in flight finish until the deadline, then closes every connection. */
  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    // Closes idle keep-alive connections and stops the timeout checks.
    this.server.close();
    const end = Date.now() + deadlineMs;
    while (this.sockets.size > 0 && Date.now() < end) {
      this.server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.closing) res.setHeader('connection', 'close');
    const { cors } = this.options;
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const sig = path === TRACES.httpPath ? TRACES : path === METRICS.httpPath ? METRICS : undefined;
    if (sig === undefined) {
      send(res, 404, 'text/plain; charset=utf-8', `no such path: ${path}; use POST ${TRACES.httpPath} or ${METRICS.httpPath}\n`);
      return;
    }
    if (req.method === 'OPTIONS') {
      cors.preflight(req, res);
      return;
    }
    cors.decorate(req, res);
    if (req.method !== 'POST') {
      send(res, 405, 'text/plain; charset=utf-8', `method ${req.method ?? ''} not allowed on ${path}\n`, { allow: 'POST, OPTIONS' });
      return;
    }
    const caller = authenticateRequest(this.options.auth, this.options.component ?? 'opencensus', req, res, (refusal) =>
      answerUnauthenticated(res, refusal, JSON_TYPE, encodeRpcStatusJson({ code: GrpcStatus.UNAUTHENTICATED, message: refusal.message })),
    );
    if (caller === undefined) return;
    const work = sig === TRACES ? this.export(TRACES, req, res, caller) : this.export(METRICS, req, res, caller);
    work.catch((err: unknown) => {
      this.options.onError?.(err);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', { connection: 'close' });
      else res.destroy();
    });
  }

  private async export<R extends OcRequest, D>(sig: OcSignal<R, D>, req: http.IncomingMessage, res: http.ServerResponse, caller: Caller): Promise<void> {
    if (mediaType(req) !== JSON_TYPE) {
      const message = `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}; the gateway takes ${JSON_TYPE}`;
      // The body is unread: close rather than drain an upload we will not use.
      sendStatus(res, 415, { code: GrpcStatus.INVALID_ARGUMENT, message }, { connection: 'close' });
      return;
    }
    const body = await readBody(req, { maxBytes: this.options.maxBodyBytes, maxInflateRatio: this.options.maxInflateRatio });
    if (!body.ok) {
      if (body.status === 'aborted') return;
      const tooLarge = body.status === 413;
      const code = tooLarge ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INVALID_ARGUMENT;
      sendStatus(res, body.status, { code, message: body.message }, tooLarge ? { connection: 'close' } : {});
      return;
    }
    const ctx = { protocol: 'opencensus/http', peer: req.socket.remoteAddress, receivedAtMs: Date.now(), tenant: caller.tenant };
    answer(res, await exportMessage(sig, 'json', body.body, newStreamState(), ctx, this.options.deps));
  }
}

function answer(res: http.ServerResponse, outcome: Outcome): void {
  const status = httpStatusFor(outcome);
  if (outcome.status === 'ok') {
    send(res, status, JSON_TYPE, '{}');
    return;
  }
  const rpc: RpcStatus = { code: grpcCodeFor(outcome), message: outcomeMessage(outcome) };
  if (outcome.status === 'rejected') {
    sendStatus(res, status, rpc);
    return;
  }
  const seconds = retryAfterSeconds(outcome.retryAfterMs);
  sendStatus(res, status, { ...rpc, retryAfterMs: seconds * 1_000 }, { 'retry-after': String(seconds) });
}

function sendStatus(res: http.ServerResponse, httpStatus: number, rpc: RpcStatus, headers: Record<string, string> = {}): void {
  send(res, httpStatus, JSON_TYPE, encodeRpcStatusJson(rpc), headers);
}
