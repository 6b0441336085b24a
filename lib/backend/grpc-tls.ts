// TLS credentials of the gRPC backends (otlp, opencensus, jaeger, the agent's
// forward) whose files are re-read when they change, as the HTTP backends'
// and Kafka's are: grpc-js's createSsl() fixes the certificates for the
// channel's life, but its certificate-provider credentials build the secure
// context of every new connection from what a provider last pushed. This
// provider pushes the files of a ClientTls (lib/net/tls-client.ts), checking
// them on a timer while a channel listens, so that a renewed client
// certificate or CA is used from the next connection on.
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { ClientTls, TlsClientOptions } from '../net/tls-client.js';

type Provider = grpc.experimental.CertificateProvider;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/** Without a caFile, the roots Node trusts (createSsl's default too). */
const SYSTEM_ROOTS = Buffer.from(tls.rootCertificates.join('\n'));
const DEFAULT_CHECK_INTERVAL_MS = 1_000;

const asBuffer = (v: unknown): Buffer | undefined => (Buffer.isBuffer(v) ? v : undefined);

class ClientTlsProvider implements Provider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly files: ClientTls,
    private readonly checkIntervalMs: number,
  ) {}

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    listener(this.caUpdate(this.files.connectionOptions()));
    this.watch();
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatchIfIdle();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    listener(this.identityUpdate(this.files.connectionOptions()));
    this.watch();
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatchIfIdle();
  }

  private caUpdate(o: TlsClientOptions): grpc.experimental.CaCertificateUpdate {
    return { caCertificate: asBuffer(o.ca) ?? SYSTEM_ROOTS };
  }

  private identityUpdate(o: TlsClientOptions): grpc.experimental.IdentityCertificateUpdate | null {
    const certificate = asBuffer(o.cert);
    const privateKey = asBuffer(o.key);
    return certificate && privateKey ? { certificate, privateKey } : null;
  }

  private watch(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      const fresh = this.files.refresh();
      if (fresh === undefined) return;
      for (const listener of this.caListeners) listener(this.caUpdate(fresh));
      for (const listener of this.identityListeners) listener(this.identityUpdate(fresh));
    }, this.checkIntervalMs);
    // A channel nobody closed must not keep the process alive.
    this.timer.unref();
  }

  private unwatchIfIdle(): void {
    if (this.caListeners.size > 0 || this.identityListeners.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Credentials that verify the server with the files' CA (else the system roots) and present their client certificate, if any. */
export function reloadingCredentials(files: ClientTls, checkIntervalMs = DEFAULT_CHECK_INTERVAL_MS): grpc.ChannelCredentials {
  const provider = new ClientTlsProvider(files, checkIntervalMs);
  const mutual = files.files.certFile !== undefined;
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, mutual ? provider : null);
}
