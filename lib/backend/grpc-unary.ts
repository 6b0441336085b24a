// What the unary gRPC backends (otlp, jaeger) share: channel credentials from
// the TLS options (also the opencensus backend's and the agent's forward), and one unary call with a
// deadline and an abort signal whose failure is classified by classify.ts
// (a google.rpc.RetryInfo in grpc-status-details-bin becomes retryAfterMs).
import * as grpc from '@grpc/grpc-js';
import { ClientTls } from '../net/tls-client.js';
import { decodeRpcStatusProto } from '../protocol/rpc-status.js';
import { ABORTED, type ExportResult } from './backend.js';
import { resultFromGrpcStatus } from './classify.js';
import { reloadingCredentials } from './grpc-tls.js';

/** What every gRPC backend (otlp, jaeger, opencensus) is configured with. */
export interface GrpcBackendOptions extends Partial<GrpcTlsOptions> {
  /** Component name in logs and stats; defaults to the type. */
  name?: string;
  /** 'host:port', or any gRPC target such as 'dns:///host:port'. */
  endpoint: string;
  /** Sent as metadata on every call or stream (authentication tokens, tenant IDs). */
  headers?: Record<string, string>;
  compression?: 'gzip' | 'none';
  /** Deadline of one export. */
  timeoutMs?: number;
}

const GZIP = 2; // grpc-js CompressionAlgorithms.gzip

/**
 * The channel and call metadata of a gRPC backend: its TLS, ocsvc's user
 * agent, gzip when asked, headers as metadata. The channel connects lazily, so
 * a backend that is down does not stop start-up.
 */
export function grpcBackendChannel(
  o: GrpcBackendOptions,
  name: string,
  defaults: { insecure: boolean; compression: 'gzip' | 'none' },
  extra: grpc.ChannelOptions = {},
): { client: grpc.Client; metadata: grpc.Metadata } {
  const channelOptions: grpc.ChannelOptions = { 'grpc.primary_user_agent': 'ocsvc', ...extra };
  if ((o.compression ?? defaults.compression) === 'gzip') channelOptions['grpc.default_compression_algorithm'] = GZIP;
  const client = new grpc.Client(o.endpoint, channelCredentials({ ...o, insecure: o.insecure ?? defaults.insecure }, name), channelOptions);
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(o.headers ?? {})) metadata.set(key.toLowerCase(), value);
  return { client, metadata };
}

export interface GrpcTlsOptions {
  /** Plaintext when true; otherwise TLS with the system's roots (or caFile). */
  insecure: boolean;
  /** PEM file of the CA that signed the server's certificate (a private CA). */
  caFile?: string;
  /** PEM client certificate and key, for mutual TLS; both or neither. */
  certFile?: string;
  keyFile?: string;
  /** Told when changed TLS files are unusable (the previous ones stay in use). */
  onTlsError?: (err: Error) => void;
}

/**
 * `name` prefixes configuration errors (an unreadable file, half a client
 * certificate), thrown here at construction. The files are read again when
 * they change, for new connections (grpc-tls.ts).
 */
export function channelCredentials(o: GrpcTlsOptions, name: string): grpc.ChannelCredentials {
  if (o.insecure) return grpc.credentials.createInsecure();
  return reloadingCredentials(new ClientTls(o, name, { onError: o.onTlsError }));
}

export function resultFromServiceError(err: grpc.ServiceError): ExportResult {
  let retryAfterMs: number | undefined;
  const details = err.metadata?.get('grpc-status-details-bin')[0];
  if (Buffer.isBuffer(details)) {
    try {
      retryAfterMs = decodeRpcStatusProto(details).retryAfterMs;
    } catch {
      // A malformed detail only loses the hint; the status code still classifies.
    }
  }
  return resultFromGrpcStatus(err.code, err.details, retryAfterMs);
}

export type UnaryOutcome = { ok: true; response: Buffer | undefined } | { ok: false; result: ExportResult };

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const identity = (bytes: Buffer): Buffer => bytes;

/** One unary call of `path` with `body`; aborting `signal` cancels it (the result is ABORTED). */
export function unaryExport(
  client: grpc.Client,
  path: string,
  body: Uint8Array,
  metadata: grpc.Metadata,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<UnaryOutcome> {
  if (signal.aborted) return Promise.resolve({ ok: false, result: ABORTED });
  return new Promise((resolve) => {
    const onAbort = () => call.cancel();
    const call = client.makeUnaryRequest(path, toBuffer, identity, body, metadata.clone(), { deadline: Date.now() + timeoutMs }, (err, response) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return resolve({ ok: false, result: ABORTED });
      if (err) return resolve({ ok: false, result: resultFromServiceError(err) });
      resolve({ ok: true, response });
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
