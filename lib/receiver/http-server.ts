// An HTTP/1.1 server on node:http for every HTTP receiver: exact-path routes,
// 404 and 405 (with Allow) answered here, bounded header and request times,
// keep-alive, and a close() that lets requests in flight finish until a
// deadline. Handlers answer with send(); a handler that throws is a bug and
// gets a 500, never a hung connection.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Component, closeOnce } from '../lifecycle.js';
import { parseEndpoint, type HostPort } from '../net/endpoint.js';

export type HttpHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export interface HttpRoute {
  /** Exact path, compared without the query string. */
  path: string;
  /** Upper-case methods this route answers; others get 405. */
  methods: readonly string[];
  handle: HttpHandler;
}

export interface HttpServerOptions {
  name: string;
  /** 'host:port'; port 0 picks a free port (see `port` after start()). */
  endpoint: string;
  routes: readonly HttpRoute[];
  /** Time allowed to receive the headers. */
  headersTimeoutMs?: number;
  /** Time allowed to receive the whole request, body included. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs?: number;
  /** close() waits this long for requests in flight, then closes every connection. */
  closeTimeoutMs?: number;
  /** Told about handler failures (answered with 500). */
  onError?: (err: unknown) => void;
}

/** Writes a complete response with its length (headers set earlier with setHeader are kept). */
export function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(payload.length) });
  res.end(payload);
}

export class HttpServer implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly options: HttpServerOptions;
  private readonly address: HostPort;
  private readonly routes: Map<string, HttpRoute>;
  private server: http.Server | undefined;
  private closing = false;

  constructor(options: HttpServerOptions) {
    this.name = options.name;
    this.options = options;
    this.address = parseEndpoint(options.endpoint);
    this.routes = new Map(options.routes.map((r) => [r.path, r]));
    this.close = closeOnce(() => this.shutdown());
  }

  get port(): number {
    const addr = this.server?.address();
    if (!addr || typeof addr === 'string') throw new Error(`${this.name}: port is known only after start()`);
    return (addr as AddressInfo).port;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error(`${this.name}: already started`);
    const o = this.options;
    const server = http.createServer({
      headersTimeout: o.headersTimeoutMs ?? 10_000 /* 10 seconds */,
      requestTimeout: o.requestTimeoutMs ?? 30_000 /* 30 seconds */,
      keepAliveTimeout: o.keepAliveTimeoutMs ?? 65_000 /* 65 seconds: longer than common load balancers' 60 s */,
      keepAlive: true,
    });
    // Malformed request lines and timeouts are left to node's own
    // clientError handling (400, 408, 431 and close).
    server.on('request', (req, res) => this.dispatch(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`${this.name}: cannot listen on ${o.endpoint}: ${err.message}`, { cause: err }));
      server.once('error', onError);
      server.listen(this.address.port, this.address.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.closing) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const route = this.routes.get(path);
    if (!route) {
      send(res, 404, 'text/plain; charset=utf-8', `no such path: ${path}\n`);
      return;
    }
    if (!route.methods.includes(req.method ?? '')) {
      send(res, 405, 'text/plain; charset=utf-8', `method ${req.method ?? ''} not allowed on ${path}\n`, {
        allow: route.methods.join(', '),
      });
      return;
    }
    route.handle(req, res).catch((err: unknown) => {
      this.options.onError?.(err);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', { connection: 'close' });
      else res.destroy();
    });
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Connections that finish their request while we wait turn idle; close them too.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => server.closeAllConnections(), this.options.closeTimeoutMs ?? 5_000);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
      clearTimeout(deadline);
    }
  }
}
