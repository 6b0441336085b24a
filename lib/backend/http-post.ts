// One HTTP POST of an export body, for every backend that speaks HTTP (OTLP/HTTP,
// Zipkin): node:http with keep-alive so that every export reuses a warm
// connection, optional gzip, a bound on the whole request, the caller's abort
// signal, and a bounded read of the answer. Failures before an answer are
// retryable (refused, reset, timed out: the backend may be back soon); what an
// answer means is for the caller to say. For https:// URLs, a private CA and a
// client certificate (mutual TLS) from files that are read again when they
// change: new connections then use the new files (lib/net/tls-client.ts).
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { OcsvcError, errorMessage } from '../errors.js';
import { ClientTls, type TlsClientFiles, type TlsClientOptions } from '../net/tls-client.js';
import { linkSignals } from './abort.js';
import { ABORTED, type ExportResult } from './backend.js';

export interface HttpPostOptions {
  /** Names the backend in errors. */
  name: string;
  /** Sent with every request; Content-Type, Content-Encoding and Content-Length are ours. */
  headers?: Record<string, string>;
  gzip: boolean;
  /** For https:// URLs: the server's CA (default: the system's roots) and a client certificate for mutual TLS. */
  tls?: TlsClientFiles;
  /** Told when changed TLS files are unusable (the previous ones stay in use). */
  onTlsError?: (err: Error) => void;
  /** Bound on one request, from connecting to the last byte of the answer. */
  timeoutMs: number;
}

/** What every HTTP backend (otlphttp, zipkin) is configured with, besides its URLs and encoding. */
export interface HttpBackendOptions {
  /** Component name in logs and stats; defaults to the type. */
  name?: string;
  compression?: 'gzip' | 'none';
  headers?: Record<string, string>;
  /** Bound on one request, from connecting to the last byte of the answer. */
  timeoutMs?: number;
  /** For an https:// endpoint: PEM file of the CA that signed the server's certificate (default: the system's roots). */
  caFile?: string;
  /** PEM client certificate and key, for mutual TLS; both or neither. Re-read when they change. */
  certFile?: string;
  keyFile?: string;
  /** Told when changed TLS files are unusable (the previous ones stay in use). */
  onTlsError?: (err: Error) => void;
}

/** The poster of an HTTP backend from its options. */
export function backendPoster(name: string, o: HttpBackendOptions, defaults: { compression: 'gzip' | 'none'; timeoutMs: number }): HttpPoster {
  return new HttpPoster({
    name,
    headers: o.headers,
    tls: { caFile: o.caFile, certFile: o.certFile, keyFile: o.keyFile },
    onTlsError: o.onTlsError,
    gzip: (o.compression ?? defaults.compression) === 'gzip',
    timeoutMs: o.timeoutMs ?? defaults.timeoutMs,
  });
}

export interface HttpAnswer {
  statusCode: number;
  contentType: string;
  retryAfter: string | undefined;
  /** At most MAX_RESPONSE_BYTES of it. */
  body: Buffer;
}

export type PostOutcome = { answered: true; answer: HttpAnswer } | { answered: false; result: ExportResult };

/** Answers bigger than this are cut: only a partial success or an error message is read from them. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 300;

const gzip = promisify(zlib.gzip);

export class HttpPoster {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private httpsAgent: https.Agent;
  private readonly tls: ClientTls | undefined;
  private readonly retired = new Set<https.Agent>();
  private readonly headers: Record<string, string>;
  private closed = false;

  constructor(private readonly options: HttpPostOptions) {
    this.headers = { 'user-agent': 'ocsvc', ...options.headers };
    const files = options.tls;
    this.tls = files && (files.caFile || files.certFile || files.keyFile) ? new ClientTls(files, options.name, { onError: options.onTlsError }) : undefined;
    this.httpsAgent = httpsAgent(this.tls?.connectionOptions());
  }

  /** The pool for https:// URLs, replaced when the TLS files changed; the old one is closed once its requests are done. */
  private currentHttpsAgent(): https.Agent {
    const fresh = this.tls?.refresh();
    if (fresh) {
      const old = this.httpsAgent;
      this.httpsAgent = httpsAgent(fresh);
      this.retired.add(old);
      // Every request ends within timeoutMs, so by then the old pool is idle.
      setTimeout(() => {
        this.retired.delete(old);
        old.destroy();
      }, this.options.timeoutMs).unref();
    }
    return this.httpsAgent;
  }

  async post(url: URL, payload: Uint8Array | string, contentType: string, signal: AbortSignal): Promise<PostOutcome> {
    if (this.closed) throw new OcsvcError('BACKEND_CLOSED', `${this.options.name}: export after close`);
    if (signal.aborted) return { answered: false, result: ABORTED };
    let body: Uint8Array = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const headers: Record<string, string> = { ...this.headers, 'content-type': contentType };
    if (this.options.gzip) {
      body = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.byteLength);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
    const linked = linkSignals([signal, timeout.signal]);
    try {
      const agent = url.protocol === 'https:' ? this.currentHttpsAgent() : this.httpAgent;
      return { answered: true, answer: await request(url, { method: 'POST', headers, agent }, body, linked.signal) };
    } catch (err) {
      if (signal.aborted) return { answered: false, result: ABORTED };
      if (timeout.signal.aborted) return { answered: false, result: { status: 'retryable', reason: `timed out after ${this.options.timeoutMs} ms` } };
      // Refused, reset or unresolvable: the backend may be back soon.
      return { answered: false, result: { status: 'retryable', reason: errorMessage(err) } };
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  }

  /** Destroys the connection pools; later posts throw. */
  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    for (const old of this.retired) old.destroy();
    this.retired.clear();
  }
}

const httpsAgent = (tls: TlsClientOptions | undefined) => new https.Agent({ keepAlive: true, ...tls });

function request(url: URL, options: http.RequestOptions, body: Uint8Array, signal: AbortSignal): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? https.request : http.request;
    const req = send(url, { ...options, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          statusCode: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          retryAfter: res.headers['retry-after'],
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An answer's text cut to a length fit for a log line or a metric's reason. */
export function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}
