// TLS for ocsvc's own connections (exporter backends, the agent's forward,
// Kafka, Redis): the CA that signed the server's certificate (default: the
// system's roots) and, for mutual TLS, a client certificate and key. One
// reader for all of them, so that every client names a missing or unusable
// file the same way, and one reloading holder for the clients that open new
// connections through us (every backend, Kafka, Redis): each new connection gets the
// files' current contents, checked at most once per interval as the
// receivers' TlsCertificates do (lib/net/reloading-files.ts).
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { OcsvcError, errorMessage } from '../errors.js';
import { ReloadingFiles } from './reloading-files.js';

export interface TlsClientFiles {
  /** PEM CA bundle that verifies the server; absent: the system's roots. */
  caFile?: string;
  /** PEM client certificate and its key, for mutual TLS; both or neither. */
  certFile?: string;
  keyFile?: string;
}

/** The secure options of a connection: what tls.connect, https.Agent, KafkaJS and ioredis take. */
export type TlsClientOptions = Pick<tls.ConnectionOptions, 'ca' | 'cert' | 'key'>;

/** The files of a config block with '' for "not set"; `where` names the block in errors. */
export function tlsClientFilesFrom(section: { caFile?: string; certFile?: string; keyFile?: string }, where: string): TlsClientFiles {
  const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const files: TlsClientFiles = { caFile: set(section.caFile), certFile: set(section.certFile), keyFile: set(section.keyFile) };
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new OcsvcError('INVALID_CONFIG', `${where}: certFile and keyFile go together (mutual TLS); set both or neither`);
  }
  return files;
}

/** Reads the files; throws INVALID_CONFIG naming the file, or a key that does not match its certificate. */
export function readTlsClientOptions(files: TlsClientFiles, where: string): TlsClientOptions {
  const checked = tlsClientFilesFrom(files, where);
  const read = (what: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new OcsvcError('INVALID_CONFIG', `${where}: cannot read ${what} ${file}: ${errorMessage(err)}`, { cause: err });
    }
  };
  const options: TlsClientOptions = {};
  const ca = read('caFile', checked.caFile);
  const cert = read('certFile', checked.certFile);
  const key = read('keyFile', checked.keyFile);
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  try {
    // Now rather than on the first connection, which would only say "handshake failed".
    tls.createSecureContext(options);
  } catch (err) {
    throw new OcsvcError('INVALID_CONFIG', `${where}: unusable TLS files (${[checked.caFile, checked.certFile, checked.keyFile].filter(Boolean).join(', ')}): ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return options;
}

export interface ClientTlsOptions {
  /** Files are looked at no more often than this; default 1 s. */
  checkIntervalMs?: number;
  /** Told when changed files could not be used (the previous ones stay in use). */
  onError?: (err: Error) => void;
}

/** A client's TLS files, read at construction (throwing when unusable) and again when they change. */
export class ClientTls {
  readonly files: TlsClientFiles;
  private readonly reloading: ReloadingFiles<TlsClientOptions>;

  constructor(files: TlsClientFiles, where: string, options: ClientTlsOptions = {}) {
    const checked = tlsClientFilesFrom(files, where);
    this.files = checked;
    this.reloading = new ReloadingFiles([checked.caFile ?? '', checked.certFile ?? '', checked.keyFile ?? ''], () => readTlsClientOptions(checked, where), {
      checkIntervalMs: options.checkIntervalMs,
      onError: options.onError,
    });
    this.reloading.load();
  }

  /** The options for a new connection: the files' current contents when they changed and are usable. Never throws. */
  connectionOptions(nowMs = Date.now()): TlsClientOptions {
    return this.reloading.get(nowMs);
  }

  /** New options when the files changed since they were last read and are usable; undefined otherwise. Never throws. */
  refresh(nowMs = Date.now()): TlsClientOptions | undefined {
    return this.reloading.refresh(nowMs);
  }
}

/**
 * Options whose ca, cert and key are the files' contents at the moment a
 * client copies them, for clients that copy their TLS options into every
 * connection they open (ioredis does, with Object.assign, on each
 * reconnection). Reading `ca` (the first key copied) takes one snapshot that
 * cert and key then come from, so a pair never mixes two rotations.
 */
export function liveTlsOptions(tls: ClientTls): TlsClientOptions {
  let snapshot = tls.connectionOptions();
  return {
    get ca() {
      snapshot = tls.connectionOptions();
      return snapshot.ca;
    },
    get cert() {
      return snapshot.cert;
    },
    get key() {
      return snapshot.key;
    },
  };
}
