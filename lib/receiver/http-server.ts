// An HTTP/1.1 server on node:http for every HTTP receiver: exact-path routes,
// 404 and 405 (with Allow) answered here, bounded header and request times,
// keep-alive, and a close() that lets requests in flight finish until a
// deadline. Handlers answer with send(); a handler that throws is a bug and
// gets a 500, never a hung connection.
//
// With `tls` the server does not listen itself: its listener (listener.ts)
// terminates TLS, reloads certificates when their files change and, with a
// client CA, requires client certificates, then hands each connection here.
// With `auth`, a request must show a bearer token (auth/authenticator.ts)
// before its route runs, or gets 401 with WWW-Authenticate: Bearer.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Component, closeOnce } from '../lifecycle.js';
import { parseEndpoint, type HostPort } from '../net/endpoint.js';
import type { TlsCertificates } from '../net/tls.js';
import { bearerChallenge, type AuthVerdict, type Authenticator, type Caller } from './auth/authenticator.js';
import { SharedListener } from './listener.js';

/** `caller` is who sent the request: its tenant once authenticated. */
export type HttpHandler = (req: http.IncomingMessage, res: http.ServerResponse, caller: Caller) => Promise<void>;

export interface HttpRoute {
  /** Exact path, compared without the query string. */
  path: string;
  /** Upper-case methods this route answers; others get 405. */
  methods: readonly string[];
  handle: HttpHandler;
}

export type AuthRefusal = Extract<AuthVerdict, { ok: false }>;

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
  /** Terminate TLS (mutual with a client CA) with these certificates; plaintext when absent. */
  tls?: TlsCertificates;
  /** Bearer tokens required (or checked) before any route runs; none when absent. */
  auth?: Authenticator;
  /** Writes the 401 in the protocol's own error format; plain text by default (answerUnauthenticated). */
  onUnauthenticated?: (req: http.IncomingMessage, res: http.ServerResponse, refusal: AuthRefusal) => void;
}

/**
 * A 401 with the Bearer challenge and a plain-text reason. The body is left
 * unread, so the connection closes rather than drain an upload we will not use.
 */
export function answerUnauthenticated(res: http.ServerResponse, refusal: AuthRefusal, contentType = 'text/plain; charset=utf-8', body: string | Uint8Array = `${refusal.message}\n`): void {
  send(res, 401, contentType, body, { 'www-authenticate': bearerChallenge(refusal), connection: 'close' });
}

/** Checks a request's bearer token: the caller, or undefined once `refuse` has answered 401. */
export function authenticateRequest(
  auth: Authenticator | undefined,
  component: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  refuse: (refusal: AuthRefusal) => void = (refusal) => answerUnauthenticated(res, refusal),
): Caller | undefined {
  if (!auth) return {};
  const verdict = auth.check(req.headers.authorization, component);
  if (verdict.ok) return verdict.caller;
  refuse(verdict);
  return undefined;
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
  private listener: SharedListener | undefined;
  private closing = false;

  constructor(options: HttpServerOptions) {
    this.name = options.name;
    this.options = options;
    this.address = parseEndpoint(options.endpoint);
    this.routes = new Map(options.routes.map((r) => [r.path, r]));
    this.close = closeOnce(() => this.shutdown());
  }

  get port(): number {
    if (this.listener) return this.listener.port;
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
    if (o.tls) {
      // node:http tracks connections and starts its header and request
      // timeouts on 'listening'; this server never listens itself.
      server.emit('listening');
      // Reads the certificates now: unusable files fail the start.
      const listener = new SharedListener({ name: this.name, endpoint: o.endpoint, tls: o.tls, http: (c) => server.emit('connection', c) });
      this.listener = listener;
      await listener.start();
      return;
    }
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
    const refuse = this.options.onUnauthenticated && ((refusal: AuthRefusal) => this.options.onUnauthenticated!(req, res, refusal));
    const caller = authenticateRequest(this.options.auth, this.name, req, res, refuse);
    if (caller === undefined) return;
    route.handle(req, res, caller).catch((err: unknown) => {
      this.options.onError?.(err);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', { connection: 'close' });
      else res.destroy();
    });
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    if (!server || (!listener && !server.listening)) return;
    this.closing = true;
    let closed: Promise<void>;
    if (listener) {
      // Settles once every connection it accepted has ended; close() stops the timeout checks.
      closed = listener.stopAccepting();
      server.close();
    } else {
      closed = new Promise<void>((resolve) => server.close(() => resolve()));
    }
    server.closeIdleConnections();
    // Connections that finish their request while we wait turn idle; close them too.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      // Handshakes still under way, which the HTTP server never saw.
      listener?.destroyAll();
    }, this.options.closeTimeoutMs ?? 5_000);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
      clearTimeout(deadline);
    }
  }
}
