// One small HTTP server for the operator endpoints (health, metrics, the
// operator page), each on its own host:port. Read-only GET routes that answer
// from memory, so no framework: a map of path -> handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OcsvcError, errorMessage } from '../errors.js';
import { closeOnce, type Component } from '../lifecycle.js';
import { formatEndpoint, parseEndpoint } from '../net/endpoint.js';
import type { Logger } from './log.js';

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export type Route = (req: IncomingMessage) => Reply;
export type Routes = Record<string, Route>;

export interface AdminServerOptions {
  /** Used in logs and errors, e.g. 'health'. */
  name: string;
  /** 'host:port', ':port' or 'port' (host 127.0.0.1), '[::1]:port'. Port 0 picks a free port. */
  endpoint: string;
  routes: Routes;
  logger?: Logger;
}

/** Admin endpoints stay on loopback unless configured otherwise (containers set 0.0.0.0). */
export const DEFAULT_ADMIN_HOST = '127.0.0.1';

export class AdminServer implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly routes: Map<string, Route>;
  private readonly logger: Logger | undefined;
  private server: Server | undefined;
  private closed = false;

  constructor(options: AdminServerOptions) {
    this.name = options.name;
    // A bare port ('13133') is kept as ':13133' for code that builds an
    // AdminServer itself; configuration only lets the host:port forms through.
    const endpoint = /^\d+$/.test(options.endpoint) ? `:${options.endpoint}` : options.endpoint;
    ({ host: this.host, port: this.requestedPort } = parseEndpoint(endpoint, { defaultHost: DEFAULT_ADMIN_HOST }));
    this.routes = new Map(Object.entries(options.routes));
    this.logger = options.logger;
    this.close = closeOnce(() => {
      this.closed = true;
      return this.shutdown();
    });
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new OcsvcError('NOT_LISTENING', `${this.name} endpoint is not listening`);
    return (address as AddressInfo).port;
  }

  /** A URL for humans and tests, e.g. http://127.0.0.1:13133 */
  get url(): string {
    return `http://${formatEndpoint({ host: this.host, port: this.port })}`;
  }

  async start(): Promise<void> {
    if (this.closed) throw new OcsvcError('CLOSED', `${this.name} endpoint was closed; create a new AdminServer`);
    if (this.server) return;
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        reject(new OcsvcError('LISTEN_FAILED', `${this.name} endpoint cannot listen on ${this.host}:${this.requestedPort}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', onError);
        resolve();
      });
    }).catch((err: unknown) => {
      this.server = undefined;
      throw err;
    });
    this.logger?.info('admin endpoint listening', { endpoint: this.name, url: this.url });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = this.routes.get(path);
    let reply: Reply;
    if (!route) reply = text(404, 'not found\n');
    else if (req.method !== 'GET' && req.method !== 'HEAD') reply = { ...text(405, 'method not allowed\n'), headers: { allow: 'GET, HEAD' } };
    else {
      try {
        reply = route(req);
      } catch (err) {
        this.logger?.error('admin endpoint failed', { endpoint: this.name, path, err });
        reply = text(500, `internal error: ${errorMessage(err)}\n`);
      }
    }
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // Replies are written synchronously, so only idle keep-alive connections
    // (a scraper's) can be open; dropping them lets close() finish now.
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }
}

export function text(status: number, body: string): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

export function json(status: number, value: unknown): Reply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) + '\n' };
}
