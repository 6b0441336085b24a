// The one place where receivers accept connections themselves and terminate
// TLS: every gRPC and HTTP receiver behind TLS (GrpcServer and HttpServer
// with `tls`), and one port for gRPC and HTTP/1.1 together, as the OpenCensus
// agent serves its protocol and its HTTP/JSON gateway on 55678. Each
// accepted connection goes to one of the two:
//
// - plaintext: by its first bytes. The HTTP/2 connection preface ("PRI *
//   HTTP/2.0...") means gRPC (clients speak HTTP/2 with prior knowledge);
//   anything else is HTTP/1.x. The bytes read are put back before handing on.
// - TLS: terminated here, then by the protocol ALPN negotiated: h2 is gRPC,
//   http/1.1 or none is HTTP/1.x. Browsers offer h2 too, so over TLS they
//   reach gRPC, not the gateway; that is why the gateway can have its own
//   endpoint (then each port offers only its own protocol).
//
// A connection that sends nothing (or does not finish its TLS handshake)
// within firstBytesTimeoutMs is closed, so idle sockets cannot pile up;
// later slowness is the business of the gRPC and HTTP servers' own timeouts.
// Certificates are checked for changes on new connections (see net/tls.ts),
// which is why TLS is terminated here rather than by grpc-js's
// ServerCredentials.createSsl (fixed at bind time) or an https.Server.
// Mutual TLS (a client CA) refuses clients without a certificate it signed
// during the handshake: they never reach a server.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { parseEndpoint } from '../net/endpoint.js';
import type { TlsCertificates } from '../net/tls.js';

/** What every HTTP/2 client sends first (RFC 9113, section 3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface SharedListenerOptions {
  name: string;
  /** 'host:port'; port 0 picks a free port. */
  endpoint: string;
  /** Takes HTTP/2 (gRPC) connections; absent when this port serves no gRPC. */
  grpc?: (connection: Duplex) => void;
  /** Takes HTTP/1.x connections; absent when this port serves no HTTP/1.x. */
  http?: (connection: Duplex) => void;
  /** Terminate TLS with these certificates; plaintext when absent. */
  tls?: TlsCertificates;
  /** Time allowed for the first bytes, or for the TLS handshake; default 10 s. */
  firstBytesTimeoutMs?: number;
}

export class SharedListener {
  private readonly options: SharedListenerOptions;
  private readonly server: net.Server;
  private readonly tlsServer: tls.Server | undefined;
  /** Every accepted connection still open, for destroyAll(). */
  private readonly sockets = new Set<net.Socket>();
  /** Connections whose first bytes we are still waiting for. */
  private readonly pending = new Set<net.Socket>();
  private stopped = false;

  constructor(options: SharedListenerOptions) {
    if (!options.grpc && !options.http) throw new Error(`${options.name}: a listener needs somewhere to send connections`);
    this.options = options;
    this.server = net.createServer((socket) => this.accept(socket));
    if (options.tls) {
      const alpn = [...(options.grpc ? ['h2'] : []), ...(options.http ? ['http/1.1'] : [])];
      const tlsServer = tls.createServer({
        ...options.tls.serverOptions(),
        ALPNProtocols: alpn,
        handshakeTimeout: this.firstBytesTimeoutMs,
      });
      tlsServer.on('secureConnection', (socket: tls.TLSSocket) => this.route(socket, socket.alpnProtocol === 'h2' ? 'grpc' : 'http'));
      // Failed handshakes (no client certificate under mutual TLS, a timeout, a
      // port scanner) concern the client only; the socket is already destroyed.
      tlsServer.on('tlsClientError', () => undefined);
      this.tlsServer = tlsServer;
    }
  }

  private get firstBytesTimeoutMs(): number {
    return this.options.firstBytesTimeoutMs ?? 10_000; /* 10 seconds */
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error(`${this.options.name}: port is known only after start()`);
    return address.port;
  }

  async start(): Promise<void> {
    const { host, port } = parseEndpoint(this.options.endpoint);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new Error(`${this.options.name}: cannot listen on ${this.options.endpoint}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /**
   * Stops accepting and closes connections not yet handed on (handed-on ones
   * belong to their servers, which drain them). A TLS handshake that ends
   * after this is closed too. The promise settles once every connection this
   * port accepted has ended, handed-on ones included; callers that drain
   * their connections otherwise need not wait for it.
   */
  stopAccepting(): Promise<void> {
    this.stopped = true;
    const closed = new Promise<void>((resolve) => {
      if (this.server.listening) this.server.close(() => resolve());
      else resolve();
    });
    for (const socket of this.pending) socket.destroy();
    return closed;
  }

  /** The last resort of a close past its deadline: every connection this port accepted. */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // An error after a connection was handed on is its server's to handle;
    // before that there is nobody to tell, and an unhandled one would crash us.
    socket.on('error', () => socket.destroy());
    if (this.tlsServer) {
      const fresh = this.options.tls!.refresh();
      if (fresh) this.tlsServer.setSecureContext(fresh);
      this.tlsServer.emit('connection', socket);
      return;
    }
    // Also on a port of one protocol: the first-bytes timeout applies, and the
    // other protocol is turned away at once rather than misparsed.
    this.sniff(socket);
  }

  private sniff(socket: net.Socket): void {
    this.pending.add(socket);
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.firstBytesTimeoutMs);
    const decide = (kind: 'grpc' | 'http' | 'gone') => {
      clearTimeout(timer);
      this.pending.delete(socket);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (kind === 'gone') return void socket.destroy();
      socket.unshift(seen);
      this.route(socket, kind);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, HTTP2_PREFACE.length);
      if (n === 0) return;
      if (!seen.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n))) decide('http');
      else if (n === HTTP2_PREFACE.length) decide('grpc');
      // Otherwise a prefix of the preface: wait for the rest.
    };
    // Closed before saying which protocol: nothing to serve.
    const onEnd = () => decide('gone');
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  }

  private route(socket: Duplex, kind: 'grpc' | 'http'): void {
    const target = kind === 'grpc' ? this.options.grpc : this.options.http;
    if (target && !this.stopped) target(socket);
    else socket.destroy();
  }
}
