// OTLP over HTTP (protobuf or JSON bodies), posted with HttpPoster (keep-alive,
// gzip, timeout); the answer's partial success or google.rpc.Status is read here.
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
import type { Backend, ExportResult } from './backend.js';
import { okResult, parseRetryAfterMs, resultFromHttpStatus } from './classify.js';
import { backendPoster, clip, HttpPoster, type HttpAnswer, type HttpBackendOptions } from './http-post.js';
import { decodeRpcStatusProto } from '../protocol/rpc-status.js';

export interface OtlpHttpOptions extends HttpBackendOptions {
  /** Base URL such as 'http://host:4318'; /v1/traces and /v1/metrics are appended. */
  endpoint?: string;
  /** Full URLs, used as they are; each overrides the one derived from endpoint. */
  tracesUrl?: string;
  metricsUrl?: string;
  encoding?: 'proto' | 'json';
}

export const OTLP_HTTP_DEFAULTS = {
  encoding: 'proto',
  compression: 'gzip',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;

export class OtlpHttpBackend implements Backend {
  readonly type = 'otlphttp';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly encoding: 'proto' | 'json';
  private readonly http: HttpPoster;
  private readonly tracesUrl: URL;
  private readonly metricsUrl: URL;

  constructor(options: OtlpHttpOptions) {
    this.name = options.name ?? this.type;
    this.encoding = options.encoding ?? OTLP_HTTP_DEFAULTS.encoding;
    this.http = backendPoster(this.name, options, OTLP_HTTP_DEFAULTS);
    this.tracesUrl = signalUrl(options.tracesUrl, options.endpoint, 'v1/traces');
    this.metricsUrl = signalUrl(options.metricsUrl, options.endpoint, 'v1/metrics');
    this.close = closeOnce(async () => this.http.close());
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
    const contentType = this.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
    const outcome = await this.http.post(url, payload, contentType, signal);
    if (!outcome.answered) return outcome.result;
    const { answer } = outcome;
    if (answer.statusCode >= 200 && answer.statusCode < 300) return okFromBody(answer.body, decode);
    return resultFromHttpStatus(answer.statusCode, errorReason(answer), parseRetryAfterMs(answer.retryAfter));
  }
}

function signalUrl(explicit: string | undefined, endpoint: string | undefined, suffix: string): URL {
  if (explicit !== undefined) return new URL(explicit);
  if (endpoint === undefined) throw new OcsvcError('INVALID_CONFIG', `otlphttp: set endpoint or the ${suffix} URL`);
  const base = new URL(endpoint);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(suffix, base);
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
function errorReason(answer: HttpAnswer): string {
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
