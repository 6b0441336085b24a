// Zipkin's v2 API as a backend: spans POSTed to /api/v2/spans in JSON or
// proto3 (lib/protocol/zipkin, as the OpenTelemetry specification maps them),
// with HttpPoster (keep-alive, gzip, timeout). Zipkin answers 202 when it has
// taken the spans; 429, 502, 503 and 504 are worth retrying; any other answer
// is a refusal of this data (a 400 names the problem in text), so the
// exporter dead-letters it rather than block the partition behind it.
// Zipkin has no metrics: a metrics export is refused (configuration keeps
// metrics away from this backend; see lib/config/backends.ts).
import { OcsvcError } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import { encodeZipkinV2Json, encodeZipkinV2Proto } from '../protocol/zipkin/index.js';
import type { Backend, ExportResult } from './backend.js';
import { parseRetryAfterMs, resultFromHttpStatus } from './classify.js';
import { backendPoster, clip, HttpPoster, type HttpBackendOptions } from './http-post.js';

export interface ZipkinOptions extends HttpBackendOptions {
  /**
   * The spans endpoint, such as 'http://zipkin:9411/api/v2/spans'; a URL
   * without a path ('http://zipkin:9411') gets /api/v2/spans appended.
   */
  endpoint: string;
  encoding?: 'json' | 'proto';
}

export const ZIPKIN_DEFAULTS = {
  // JSON is what every Zipkin server and most Zipkin-compatible backends take.
  encoding: 'json',
  compression: 'gzip',
  timeoutMs: 10_000, // 10 seconds, the OpenTelemetry Collector's default
} as const;

export const ZIPKIN_SPANS_PATH = '/api/v2/spans';

export class ZipkinBackend implements Backend {
  readonly type = 'zipkin';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly encoding: 'json' | 'proto';
  private readonly url: URL;
  private readonly http: HttpPoster;

  constructor(options: ZipkinOptions) {
    this.name = options.name ?? this.type;
    this.encoding = options.encoding ?? ZIPKIN_DEFAULTS.encoding;
    this.url = spansUrl(this.name, options.endpoint);
    this.http = backendPoster(this.name, options, ZIPKIN_DEFAULTS);
    this.close = closeOnce(async () => this.http.close());
  }

  async start(): Promise<void> {}

  async exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    const [body, contentType] = this.encoding === 'proto' ? [encodeZipkinV2Proto(traces), 'application/x-protobuf'] : [encodeZipkinV2Json(traces), 'application/json'];
    const outcome = await this.http.post(this.url, body, contentType, signal);
    if (!outcome.answered) return outcome.result;
    const { answer } = outcome;
    if (answer.statusCode >= 200 && answer.statusCode < 300) return { status: 'ok' };
    return resultFromHttpStatus(answer.statusCode, clip(answer.body.toString('utf8').trim()), parseRetryAfterMs(answer.retryAfter));
  }

  async exportMetrics(_metrics: Metrics, _signal: AbortSignal): Promise<ExportResult> {
    return { status: 'rejected', reason: 'Zipkin carries no metrics' };
  }
}

function spansUrl(name: string, endpoint: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new OcsvcError('INVALID_CONFIG', `${name}: endpoint must be an http(s) URL such as http://zipkin:9411${ZIPKIN_SPANS_PATH}, got ${JSON.stringify(endpoint)}`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = ZIPKIN_SPANS_PATH;
  return url;
}
