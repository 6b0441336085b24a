// OTLP over HTTP (protobuf or JSON bodies), on node:http with keep-alive, so
// that every export reuses a warm connection and close() can destroy the pool.
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { OcsvcError, errorMessage } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import {
  decodeMetricsResponseJson,
  decodeMetricsResponseProto,
  decodeTraceResponseJson,
  decodeTraceResponseProto,
  encodeMetricsJson,
  encodeMetricsProto,
  encodeTracesJson,
  encodeTracesProto,
  type PartialSuccess,
} from '../protocol/otlp/index.js';
import { linkSignals } from './abort.js';
import { ABORTED, type Backend, type ExportResult } from './backend.js';
import { okResult, parseRetryAfterMs, resultFromHttpStatus } from './classify.js';
import { decodeRpcStatusProto } from '../protocol/rpc-status.js';

export interface OtlpHttpOptions {
  name?: string;
  /** Base URL such as 'http://host:4318'; /v1/traces and /v1/metrics are appended. */
  endpoint?: string;
  /** Full URLs, used as they are; each overrides the one derived from endpoint. */
  tracesUrl?: string;
  metricsUrl?: string;
  encoding?: 'proto' | 'json';
  compression?: 'gzip' | 'none';
  headers?: Record<string, string>;
  /** Bound on one request, from connecting to the last byte of the answer. */
  timeoutMs?: number;
}

export const OTLP_HTTP_DEFAULTS = {
  encoding: 'proto',
  compression: 'gzip',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;

/** Answers bigger than this are cut: only a partial success or an error message is read from them. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 300;

const gzip = promisify(zlib.gzip);

export class OtlpHttpBackend implements Backend {
  readonly type = 'otlphttp';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly encoding: 'proto' | 'json';
  private readonly gzip: boolean;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly tracesUrl: URL;
  private readonly metricsUrl: URL;
  private closed = false;

  constructor(options: OtlpHttpOptions) {
    this.name = options.name ?? this.type;
    this.encoding = options.encoding ?? OTLP_HTTP_DEFAULTS.encoding;
    this.gzip = (options.compression ?? OTLP_HTTP_DEFAULTS.compression) === 'gzip';
    this.timeoutMs = options.timeoutMs ?? OTLP_HTTP_DEFAULTS.timeoutMs;
    this.headers = { ...options.headers };
    this.tracesUrl = signalUrl(options.tracesUrl, options.endpoint, 'v1/traces');
    this.metricsUrl = signalUrl(options.metricsUrl, options.endpoint, 'v1/metrics');
    this.close = closeOnce(async () => {
      this.closed = true;
      this.httpAgent.destroy();
      this.httpsAgent.destroy();
    });
  }

  async start(): Promise<void> {}

  async exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    const body = this.encoding === 'json' ? encodeTracesJson(traces) : encodeTracesProto(traces);
    const decode = this.encoding === 'json' ? decodeTraceResponseJson : decodeTraceResponseProto;
    return this.post(this.tracesUrl, body, decode, signal);
  }

  async exportMetrics(metrics: Metrics, signal: AbortSignal): Promise<ExportResult> {
    const body = this.encoding === 'json' ? encodeMetricsJson(metrics) : encodeMetricsProto(metrics);
    const decode = this.encoding === 'json' ? decodeMetricsResponseJson : decodeMetricsResponseProto;
    return this.post(this.metricsUrl, body, decode, signal);
  }

  private async post(
    url: URL,
    payload: Uint8Array | string,
    decode: (bytes: Uint8Array) => PartialSuccess,
    signal: AbortSignal,
  ): Promise<ExportResult> {
    if (this.closed) throw new OcsvcError('BACKEND_CLOSED', `${this.name}: export after close`);
    if (signal.aborted) return ABORTED;
    let body: Uint8Array = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const headers: Record<string, string> = {
      'user-agent': 'ocsvc',
      ...this.headers,
      'content-type': this.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    };
    if (this.gzip) {
      body = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.byteLength);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
    const linked = linkSignals([signal, timeout.signal]);
    let answer: Answer;
    try {
      answer = await request(url, { method: 'POST', headers, agent: this.agentFor(url) }, body, linked.signal);
    } catch (err) {
      if (signal.aborted) return ABORTED;
      if (timeout.signal.aborted) return { status: 'retryable', reason: `timed out after ${this.timeoutMs} ms` };
      // Refused, reset or unresolvable: the backend may be back soon.
      return { status: 'retryable', reason: errorMessage(err) };
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
    if (answer.statusCode >= 200 && answer.statusCode < 300) return okFromBody(answer.body, decode);
    return resultFromHttpStatus(answer.statusCode, errorReason(answer), parseRetryAfterMs(answer.retryAfter));
  }

  private agentFor(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
  }
}

function signalUrl(explicit: string | undefined, endpoint: string | undefined, suffix: string): URL {
  if (explicit !== undefined) return new URL(explicit);
  if (endpoint === undefined) throw new OcsvcError('INVALID_CONFIG', `otlphttp: set endpoint or the ${suffix} URL`);
  const base = new URL(endpoint);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(suffix, base);
}

interface Answer {
  statusCode: number;
  contentType: string;
  retryAfter: string | undefined;
  body: Buffer;
}

function request(url: URL, options: http.RequestOptions, body: Uint8Array, signal: AbortSignal): Promise<Answer> {
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

function okFromBody(body: Buffer, decode: (bytes: Uint8Array) => PartialSuccess): ExportResult {
  if (body.length === 0) return { status: 'ok' };
  try {
    return okResult(decode(body));
  } catch (err) {
    // A 2xx means accepted, even when the answer cannot be read.
    return { status: 'ok', message: `unreadable response: ${errorMessage(err)}` };
  }
}

/** The server's explanation: a google.rpc.Status (protobuf or JSON) or plain text. */
function errorReason(answer: Answer): string {
  if (answer.body.length === 0) return '';
  if (answer.contentType.includes('protobuf')) {
    try {
      return clip(decodeRpcStatusProto(answer.body).message);
    } catch {
      return '';
    }
  }
  const text = answer.body.toString('utf8');
  if (answer.contentType.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
        return clip(parsed.message);
      }
    } catch {
      // Fall through to the raw text.
    }
  }
  return clip(text.trim());
}

const clip = (text: string): string => (text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text);
