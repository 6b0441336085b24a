// One client per receiver protocol, each sending the same Traces in its own
// encoding over plaintext or TLS (optionally with a client certificate) and
// optionally with a bearer token, and reporting what it got back: a gRPC
// status, an HTTP status, or a connection that failed. Used by the security
// tests, which run the same checks over every TCP receiver.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Traces } from '../../lib/model/index.js';
import { encodeBatchThrift, encodePostSpansProto, JAEGER_POST_SPANS_PATH, tracesToJaeger } from '../../lib/protocol/jaeger/index.js';
import { encodeTraceRequestJson, encodeTraceRequestProto, OC_TRACE_EXPORT_PATH, tracesToOc } from '../../lib/protocol/opencensus/index.js';
import { encodeTracesJson, encodeTracesProto, TRACE_EXPORT_PATH } from '../../lib/protocol/otlp/index.js';
import { encodeZipkinV2Json } from '../../lib/protocol/zipkin/index.js';
import { ACK_METADATA } from '../../lib/receiver/opencensus/export-stream.js';

export interface ClientTls {
  /** The CA the client trusts. */
  ca: Buffer;
  /** A client certificate and key, for mutual TLS. */
  cert?: Buffer;
  key?: Buffer;
}

export interface SendOptions {
  /** TLS when set; plaintext otherwise. */
  tls?: ClientTls;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Sent as the authorization header or metadata as it is (overrides token). */
  authorization?: string;
}

export type Answer =
  /**
   * gRPC: the status name ('OK', 'UNAUTHENTICATED', ...) and the text values
   * of the trailing metadata; HTTP: the status code as text and the headers.
   */
  | { kind: 'answered'; code: string; message: string; headers: Record<string, string> }
  /** The connection failed before any answer (a refused handshake, a reset). */
  | { kind: 'failed'; message: string };

export type Sender = (port: number, traces: Traces, options: SendOptions) => Promise<Answer>;

const DEADLINE_MS = 10_000;

function authorizationOf(o: SendOptions): string | undefined {
  return o.authorization ?? (o.token === undefined ? undefined : `Bearer ${o.token}`);
}

function credentials(o: SendOptions): grpc.ChannelCredentials {
  if (!o.tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(o.tls.ca, o.tls.key ?? null, o.tls.cert ?? null);
}

/** A channel to 127.0.0.1 whose TLS names the server localhost (an IP address is no server name, RFC 6066). */
function channel(port: number, o: SendOptions): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, credentials(o), o.tls ? { 'grpc.ssl_target_name_override': 'localhost' } : {});
}

function metadata(o: SendOptions, extra: Record<string, string> = {}): grpc.Metadata {
  const m = new grpc.Metadata();
  const authorization = authorizationOf(o);
  if (authorization !== undefined) m.set('authorization', authorization);
  for (const [k, v] of Object.entries(extra)) m.set(k, v);
  return m;
}

function grpcAnswer(code: grpc.status, details: string, trailers?: grpc.Metadata): Answer {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(trailers?.getMap() ?? {})) if (typeof v === 'string') headers[k] = v;
  return { kind: 'answered', code: grpc.status[code] ?? String(code), message: details, headers };
}

/** One unary call; a fresh channel each time, so that every call is a new connection. */
export function grpcUnary(port: number, path: string, body: Uint8Array, o: SendOptions): Promise<Answer> {
  const client = channel(port, o);
  return new Promise<Answer>((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata(o),
      { deadline: Date.now() + DEADLINE_MS },
      (err) => resolve(err ? grpcAnswer(err.code, err.details, err.metadata) : grpcAnswer(grpc.status.OK, '')),
    );
  }).finally(() => client.close());
}

/** One message on a bidirectional stream, half-closed at once: its final status. */
export function grpcOneMessageStream(port: number, path: string, body: Uint8Array, o: SendOptions): Promise<Answer> {
  const client = channel(port, o);
  return new Promise<Answer>((resolve) => {
    const call = client.makeBidiStreamRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      metadata(o, { [ACK_METADATA.key]: ACK_METADATA.value }),
      { deadline: Date.now() + DEADLINE_MS },
    );
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => resolve(grpcAnswer(s.code, s.details, s.metadata)));
    call.write(Buffer.from(body));
    call.end();
  }).finally(() => client.close());
}

/** One HTTP(S) request on its own connection. */
export function httpRequest(port: number, method: string, path: string, contentType: string, body: Uint8Array | string, o: SendOptions): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': contentType };
  const authorization = authorizationOf(o);
  if (authorization !== undefined) headers.authorization = authorization;
  const options: https.RequestOptions = { host: '127.0.0.1', port, method, path, headers, agent: false, timeout: DEADLINE_MS };
  const request = o.tls ? https.request({ ...options, servername: 'localhost', ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key }) : http.request(options);
  return new Promise<Answer>((resolve) => {
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => resolve({ kind: 'failed', message: err.message }));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ kind: 'answered', code: String(res.statusCode), message: Buffer.concat(chunks).toString('utf8'), headers: flat });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (err) => resolve({ kind: 'failed', message: err.message }));
    request.end(body);
  });
}

/** The receiver protocols that carry spans over TCP, each with its client. */
export const SENDERS = {
  'otlp/grpc': (port, traces, o) => grpcUnary(port, TRACE_EXPORT_PATH, encodeTracesProto(traces), o),
  'otlp/http': (port, traces, o) => httpRequest(port, 'POST', '/v1/traces', 'application/json', encodeTracesJson(traces), o),
  'opencensus/grpc': (port, traces, o) => grpcOneMessageStream(port, OC_TRACE_EXPORT_PATH, encodeTraceRequestProto(tracesToOc(traces)[0]!), o),
  'opencensus/http': (port, traces, o) => httpRequest(port, 'POST', '/v1/trace', 'application/json', encodeTraceRequestJson(tracesToOc(traces)[0]!), o),
  'jaeger/grpc': (port, traces, o) => grpcUnary(port, JAEGER_POST_SPANS_PATH, encodePostSpansProto(tracesToJaeger(traces)[0]!), o),
  'jaeger/thrift_http': (port, traces, o) => httpRequest(port, 'POST', '/api/traces', 'application/x-thrift', encodeBatchThrift(tracesToJaeger(traces)[0]!), o),
  zipkin: (port, traces, o) => httpRequest(port, 'POST', '/api/v2/spans', 'application/json', encodeZipkinV2Json(traces), o),
} as const satisfies Record<string, Sender>;

export type SenderName = keyof typeof SENDERS;

/** Jaeger remote sampling: the strategy of one service (GET, no spans). */
export function samplingRequest(port: number, o: SendOptions): Promise<Answer> {
  return httpRequest(port, 'GET', '/sampling?service=checkout', 'text/plain', '', o);
}

/**
 * The common name of the certificate a TLS port serves on a new connection,
 * offering `alpn` (h2 for gRPC ports, http/1.1 for HTTP ones).
 */
export function servedCertificateName(port: number, ca: Buffer, alpn: 'h2' | 'http/1.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: [alpn], servername: 'localhost' }, () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.end();
    });
    socket.setTimeout(DEADLINE_MS, () => socket.destroy(new Error('timed out')));
    socket.on('error', reject);
  });
}

/** Whether the protocol's answer means the data was accepted. */
export function accepted(answer: Answer): boolean {
  return answer.kind === 'answered' && (answer.code === 'OK' || answer.code === '200' || answer.code === '202');
}

/** Whether the client was turned away at the connection: no TLS session (gRPC reports UNAVAILABLE). */
export function refusedAtConnection(answer: Answer): boolean {
  return answer.kind === 'failed' || (answer.kind === 'answered' && answer.code === 'UNAVAILABLE');
}
