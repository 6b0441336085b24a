// TLS and SASL of the Kafka connections, as KafkaJS takes them. TLS goes
// through our own socket factory (KafkaJS's, plus the client certificate files
// read again when they change: lib/net/tls-client.ts), so that a renewed
// certificate is used by the next broker connection without a restart. The
// SASL password is handed over here and nowhere else: no log line or error
// message carries it (KafkaJS's own messages name the user at most).
import { isIP, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ISocketFactory, KafkaConfig, SASLOptions } from 'kafkajs';
import type { ClientTls } from '../net/tls-client.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSecurity {
  /** TLS to the brokers; its files are re-read when they change. */
  tls?: ClientTls;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

/** KafkaJS's idle-socket keep-alive, which its default factory sets. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/** KafkaJS's default socket factory with the TLS options of the moment. */
export function reloadingSocketFactory(tls: ClientTls): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...ssl, ...tls.connectionOptions() }, onConnect)
      : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}

/** The KafkaConfig entries for `security`. */
export function kafkaSecurityConfig(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl' | 'socketFactory'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl' | 'socketFactory'> = {};
  if (security.tls) {
    out.ssl = true;
    out.socketFactory = reloadingSocketFactory(security.tls);
  }
  if (security.sasl) out.sasl = { ...security.sasl } as SASLOptions;
  return out;
}
