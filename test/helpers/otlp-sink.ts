// A real OTLP backend for tests: a gRPC server (on @grpc/grpc-js) and an
// HTTP server (on node:http), both on 127.0.0.1 port 0. It records every
// request as it arrived (headers, compression, decompressed body, decoded
// content, the answer it got) and can be told how to answer the next ones:
// fail with a gRPC code / HTTP status (and a retry delay), report a partial
// success, or never answer. Deliberately independent of lib/receiver, so that
// it can judge it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { encodeRpcStatusProto } from '../../lib/protocol/rpc-status.js';
import type { Metrics } from '../../lib/model/metrics.js';
import type { Span, Traces } from '../../lib/model/trace.js';
import * as otlp from '../../lib/protocol/otlp/index.js';

export type SinkSignal = 'traces' | 'metrics';

export interface SinkFailure {
  /** Default UNAVAILABLE. */
  grpcCode?: grpc.status;
  /** Default 503. */
  httpStatus?: number;
  message?: string;
  /** Sent as RetryInfo (gRPC) and as Retry-After in whole seconds, rounded up (HTTP). */
  retryAfterMs?: number;
}

export type PlannedAnswer =
  | { kind: 'fail'; failure: SinkFailure }
  | { kind: 'partial'; rejected: number; message: string }
  /** Never answers: for timeout and abort tests. The call ends when the client gives up or the sink closes. */
  | { kind: 'hang' };

export type SinkAnswer =
  | { kind: 'ok'; rejected: number; message: string }
  | { kind: 'failed'; grpcCode?: number; httpStatus?: number; message: string }
  /** The data was kept, but the client was told it failed: the acknowledgement was lost. */
  | { kind: 'lost-ack'; grpcCode?: number; httpStatus?: number }
  | { kind: 'hung' };

/** How the sink behaves besides the planned answers, until told otherwise. */
export interface SinkBehaviour {
  /** Refuse everything with UNAVAILABLE / 503, keeping nothing. */
  down: boolean;
  /** Answer this late. */
  delayMs: number;
  /** Keep every nth request's data but answer UNAVAILABLE / 503, as a backend whose answer got lost; 0: never. */
  loseAckEvery: number;
}

export interface SinkRequest {
  transport: 'grpc' | 'http';
  signal: SinkSignal;
  path: string;
  /** Lowercased names; gRPC metadata or HTTP headers. */
  headers: Record<string, string>;
  encoding: 'proto' | 'json';
  /** As the client sent it on the wire (grpc-encoding or content-encoding). */
  compression: string;
  /** The decompressed body. */
  body: Buffer;
  traces?: Traces;
  metrics?: Metrics;
  decodeError?: string;
  answer: SinkAnswer;
}

interface Cleanup {
  after(fn: () => Promise<void> | void): void;
}

const TRACE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const METRICS_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const HTTP_PATHS: Record<string, SinkSignal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics' };
// grpc-js strips grpc-encoding from the metadata a handler sees; an interceptor passes it on under this name.
const ENCODING_KEY = 'x-otlp-sink-grpc-encoding';
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const gunzip = promisify(zlib.gunzip);

export class OtlpSink {
  readonly requests: SinkRequest[] = [];
  grpcEndpoint = '';
  httpEndpoint = '';
  private readonly plan: PlannedAnswer[] = [];
  behaviour: SinkBehaviour = { down: false, delayMs: 0, loseAckEvery: 0 };
  private served = 0;
  private readonly grpcServer: grpc.Server;
  private readonly httpServer: http.Server;
  private closing: Promise<void> | undefined;

  private constructor() {
    this.grpcServer = new grpc.Server({ interceptors: [exposeEncoding] });
    for (const [path, signal] of [
      [TRACE_PATH, 'traces'],
      [METRICS_PATH, 'metrics'],
    ] as const) {
      const definition: grpc.ServiceDefinition = {
        Export: {
          path,
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      };
      this.grpcServer.addService(definition, {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
          this.onGrpc(signal, path, call, callback),
      });
    }
    this.httpServer = http.createServer((req, res) =>
      this.onHttp(req, res).catch((err: unknown) => {
        // A bug in the sink must show in the test, not vanish as an unhandled rejection.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`otlp-sink: ${err instanceof Error ? err.stack : String(err)}`);
      }),
    );
  }

  /** Starts both servers; with a test context, closes them after the test. */
  static async start(t?: Cleanup): Promise<OtlpSink> {
    const sink = new OtlpSink();
    t?.after(() => sink.close());
    const grpcPort = await new Promise<number>((resolve, reject) =>
      sink.grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    sink.grpcEndpoint = `127.0.0.1:${grpcPort}`;
    await new Promise<void>((resolve, reject) => {
      sink.httpServer.once('error', reject);
      sink.httpServer.listen(0, '127.0.0.1', resolve);
    });
    sink.httpEndpoint = `http://127.0.0.1:${(sink.httpServer.address() as AddressInfo).port}`;
    return sink;
  }

  /** The next `count` requests (either transport) fail. */
  failNext(count: number, failure: SinkFailure = {}): void {
    for (let i = 0; i < count; i++) this.plan.push({ kind: 'fail', failure });
  }

  /** The next `count` requests are accepted with a partial success. */
  partialSuccessNext(count: number, rejected: number, message: string): void {
    for (let i = 0; i < count; i++) this.plan.push({ kind: 'partial', rejected, message });
  }

  /** The next `count` requests get no answer. */
  hangNext(count: number): void {
    for (let i = 0; i < count; i++) this.plan.push({ kind: 'hang' });
  }

  /** Requests answered with success (full or partial). */
  accepted(): SinkRequest[] {
    return this.requests.filter((r) => r.answer.kind === 'ok');
  }

  /** Requests whose data the backend kept: accepted, or kept with the acknowledgement lost. */
  applied(): SinkRequest[] {
    return this.requests.filter((r) => r.answer.kind === 'ok' || r.answer.kind === 'lost-ack');
  }

  /** Decoded content of accepted trace requests, in arrival order. */
  traces(): Traces[] {
    return this.accepted().flatMap((r) => (r.traces ? [r.traces] : []));
  }

  metrics(): Metrics[] {
    return this.accepted().flatMap((r) => (r.metrics ? [r.metrics] : []));
  }

  spans(): Span[] {
    return this.traces().flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  }

  /** Polls until `predicate` holds; throws after timeoutMs with `what` in the message. */
  async waitFor(predicate: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`otlp-sink: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  waitForRequests(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.requests.length >= count, `${count} requests (have ${this.requests.length})`, timeoutMs);
  }

  /** Forgets recorded requests and planned answers. */
  reset(): void {
    this.requests.length = 0;
    this.plan.length = 0;
  }

  /** Stops both servers, cutting hung calls; safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.grpcServer.forceShutdown();
      this.httpServer.closeAllConnections();
      await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    })());
  }

  private record(request: Omit<SinkRequest, 'traces' | 'metrics' | 'decodeError' | 'answer'>): SinkRequest {
    const recorded: SinkRequest = { ...request, answer: { kind: 'hung' } };
    try {
      const json = request.encoding === 'json';
      if (request.signal === 'traces') {
        recorded.traces = json ? otlp.decodeTracesJson(request.body) : otlp.decodeTracesProto(request.body);
      } else {
        recorded.metrics = json ? otlp.decodeMetricsJson(request.body) : otlp.decodeMetricsProto(request.body);
      }
    } catch (err) {
      recorded.decodeError = err instanceof Error ? err.message : String(err);
    }
    this.requests.push(recorded);
    return recorded;
  }

  /**
   * What to answer: bad bodies are refused whatever the plan; then the
   * standing behaviour (down, lost acknowledgements); otherwise the plan, or
   * plain success. 'lost-ack' is only ever a standing behaviour.
   */
  private nextAnswer(request: SinkRequest): PlannedAnswer | { kind: 'lost-ack' } | undefined {
    if (request.decodeError !== undefined) {
      return { kind: 'fail', failure: { grpcCode: grpc.status.INVALID_ARGUMENT, httpStatus: 400, message: request.decodeError } };
    }
    if (this.behaviour.down) return { kind: 'fail', failure: { message: 'backend down' } };
    const planned = this.plan.shift();
    if (planned) return planned;
    this.served++;
    if (this.behaviour.loseAckEvery > 0 && this.served % this.behaviour.loseAckEvery === 0) return { kind: 'lost-ack' };
    return undefined;
  }

  private delay(): Promise<void> {
    const ms = this.behaviour.delayMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private onGrpc(
    signal: SinkSignal,
    path: string,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    callback: grpc.sendUnaryData<Buffer>,
  ): void {
    const metadata = call.metadata.getMap();
    const compression = String(metadata[ENCODING_KEY] ?? 'identity');
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata)) if (key !== ENCODING_KEY) headers[key] = String(value);
    const request = this.record({ transport: 'grpc', signal, path, headers, encoding: 'proto', compression, body: call.request });
    const planned = this.nextAnswer(request);
    if (planned?.kind === 'hang') return;
    void this.delay().then(() => this.answerGrpc(signal, request, planned, callback));
  }

  private answerGrpc(signal: SinkSignal, request: SinkRequest, planned: PlannedAnswer | { kind: 'lost-ack' } | undefined, callback: grpc.sendUnaryData<Buffer>): void {
    if (planned?.kind === 'lost-ack') {
      request.answer = { kind: 'lost-ack', grpcCode: grpc.status.UNAVAILABLE };
      callback({ code: grpc.status.UNAVAILABLE, details: 'applied, but the answer was lost' });
      return;
    }
    if (planned?.kind === 'fail') {
      const code = planned.failure.grpcCode ?? grpc.status.UNAVAILABLE;
      const message = planned.failure.message ?? 'told to fail';
      const trailer = new grpc.Metadata();
      if (planned.failure.retryAfterMs !== undefined) {
        const details = encodeRpcStatusProto({ code, message, retryAfterMs: planned.failure.retryAfterMs });
        trailer.set('grpc-status-details-bin', Buffer.from(details));
      }
      request.answer = { kind: 'failed', grpcCode: code, message };
      callback({ code, details: message, metadata: trailer });
      return;
    }
    const partial = planned?.kind === 'partial' ? { rejected: planned.rejected, message: planned.message } : undefined;
    request.answer = { kind: 'ok', rejected: partial?.rejected ?? 0, message: partial?.message ?? '' };
    const response = signal === 'traces' ? otlp.encodeTraceResponseProto(partial) : otlp.encodeMetricsResponseProto(partial);
    callback(null, Buffer.from(response));
  }

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const signal = HTTP_PATHS[path];
    if (signal === undefined) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const encoding = contentType === 'application/json' ? 'json' : contentType === 'application/x-protobuf' ? 'proto' : undefined;
    if (encoding === undefined) return void res.writeHead(415).end();
    const compression = req.headers['content-encoding'] ?? 'identity';
    let body: Buffer;
    try {
      body = await readBody(req);
      if (compression === 'gzip') body = await gunzip(body, { maxOutputLength: MAX_BODY_BYTES });
      else if (compression !== 'identity') throw new Error(`unsupported content-encoding ${compression}`);
    } catch (err) {
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : String(err));
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers[key] = String(value);
    const request = this.record({ transport: 'http', signal, path, headers, encoding, compression, body });
    const planned = this.nextAnswer(request);
    if (planned?.kind === 'hang') return;
    await this.delay();
    const json = encoding === 'json';
    if (planned?.kind === 'lost-ack') {
      request.answer = { kind: 'lost-ack', httpStatus: 503 };
      res.writeHead(503, { 'content-type': 'text/plain' }).end('applied, but the answer was lost');
      return;
    }
    if (planned?.kind === 'fail') {
      const status = planned.failure.httpStatus ?? 503;
      const message = planned.failure.message ?? 'told to fail';
      const answerHeaders: Record<string, string> = { 'content-type': json ? 'application/json' : 'application/x-protobuf' };
      if (planned.failure.retryAfterMs !== undefined) {
        answerHeaders['retry-after'] = String(Math.ceil(planned.failure.retryAfterMs / 1000));
      }
      request.answer = { kind: 'failed', httpStatus: status, message };
      const rpcStatus = { code: grpc.status.UNKNOWN, message };
      res.writeHead(status, answerHeaders).end(json ? JSON.stringify(rpcStatus) : encodeRpcStatusProto(rpcStatus));
      return;
    }
    const partial = planned?.kind === 'partial' ? { rejected: planned.rejected, message: planned.message } : undefined;
    request.answer = { kind: 'ok', rejected: partial?.rejected ?? 0, message: partial?.message ?? '' };
    let response: string | Uint8Array;
    if (signal === 'traces') response = json ? otlp.encodeTraceResponseJson(partial) : otlp.encodeTraceResponseProto(partial);
    else response = json ? otlp.encodeMetricsResponseJson(partial) : otlp.encodeMetricsResponseProto(partial);
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(response);
  }
}

/** Hands the request's grpc-encoding to the handler as metadata (see ENCODING_KEY). */
const exposeEncoding: grpc.ServerInterceptor = (_method, call) => {
  // Not public API: BaseServerInterceptingCall keeps the header here before stripping it.
  const encoding = (call as unknown as { incomingEncoding?: unknown }).incomingEncoding;
  return new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, pass) => {
          metadata.set(ENCODING_KEY, typeof encoding === 'string' ? encoding : 'unknown');
          pass(metadata);
        },
      }),
  });
};

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
