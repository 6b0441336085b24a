// CORS for the HTTP/JSON gateway, so that browser apps can POST spans to it.
// Origins are exact ("https://app.example.com") or patterns with * wildcards
// ("https://*.example.com", or "*" for any), as in the OpenTelemetry
// Collector's cors.allowed_origins. Only allowed origins get CORS headers; a
// preflight from any other origin is refused with 403, so the browser blocks
// the request and the operator can see why.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from '../http-server.js';

export interface CorsOptions {
  allowedOrigins: readonly string[];
  /** Request headers allowed besides the safelisted ones, Content-Type and Content-Encoding; "*" allows any. */
  allowedHeaders: readonly string[];
  /** How long a browser may cache a preflight answer; default 10 minutes. */
  maxAgeSeconds?: number;
}

/** Always allowed: JSON bodies need Content-Type, compressed ones Content-Encoding. */
const BASE_HEADERS = ['content-type', 'content-encoding'];
const METHODS = 'POST, OPTIONS';

export class Cors {
  private readonly patterns: RegExp[];
  private readonly allowedHeaders: readonly string[];
  private readonly anyHeader: boolean;
  private readonly maxAgeSeconds: number;

  constructor(options: CorsOptions) {
    this.patterns = options.allowedOrigins.map(originPattern);
    this.anyHeader = options.allowedHeaders.includes('*');
    this.allowedHeaders = [...new Set([...BASE_HEADERS, ...options.allowedHeaders.filter((h) => h !== '*').map((h) => h.toLowerCase())])];
    this.maxAgeSeconds = options.maxAgeSeconds ?? 600;
  }

  /** The request's Origin when it is allowed. */
  allowedOrigin(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined || origin === '') return undefined;
    return this.patterns.some((p) => p.test(origin)) ? origin : undefined;
  }

  /** Adds Access-Control-Allow-Origin and Vary to a response to an allowed origin. */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    const origin = this.allowedOrigin(req);
    if (origin === undefined) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
  }

  /** Answers an OPTIONS request: 204 with the CORS headers for an allowed origin, 403 otherwise. */
  preflight(req: IncomingMessage, res: ServerResponse): void {
    const origin = this.allowedOrigin(req);
    if (origin === undefined) {
      const what = req.headers.origin ? `origin ${req.headers.origin} is not allowed` : 'no Origin header: not a CORS preflight';
      send(res, 403, 'text/plain; charset=utf-8', `${what} (receivers.opencensus.corsAllowedOrigins)\n`, { vary: 'Origin' });
      return;
    }
    const requested = req.headers['access-control-request-headers'];
    const headers = this.anyHeader && requested ? requested : this.allowedHeaders.join(', ');
    res.writeHead(204, {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': METHODS,
      'access-control-allow-headers': headers,
      'access-control-max-age': String(this.maxAgeSeconds),
      vary: 'Origin',
    });
    res.end();
  }
}

/** "https://*.example.com" -> /^https:\/\/.*\.example\.com$/i; "*" matches any origin. */
export function originPattern(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}
