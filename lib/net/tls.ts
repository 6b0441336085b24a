// TLS for listeners: certificate files -> the options of a tls.Server, mutual
// TLS when a client CA is given, and certificates that reload when their files
// change. Reloading is checked on new connections (at most once per interval)
// by comparing each file's mtime, size and inode: simple, no watcher to leak,
// and it notices Kubernetes secret updates, which swap a symlink (the inode
// changes) rather than write the file. A reload that fails (a key that does not
// match its certificate because only one file is written so far, a file that is
// briefly missing) keeps the previous certificates and is reported once; it is
// retried as soon as the files change again.
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { InvalidInputError, errorMessage } from '../errors.js';
import type { Logger } from '../telemetry/log.js';
import { ReloadingFiles } from './reloading-files.js';

export interface TlsFiles {
  /** PEM certificate chain of this server. */
  certFile: string;
  /** PEM private key of certFile. */
  keyFile: string;
  /** PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS). */
  clientCaFile?: string;
}

/**
 * The TLS files of a config section, or undefined for plaintext (all empty).
 * `where` names the section in the message, e.g. 'receivers.opencensus.tls'.
 */
export function tlsFilesFrom(section: { certFile: string; keyFile: string; clientCaFile: string }, where: string): TlsFiles | undefined {
  const { certFile, keyFile, clientCaFile } = section;
  if (certFile === '' && keyFile === '') {
    if (clientCaFile !== '') throw new InvalidInputError(`${where}.clientCaFile needs ${where}.certFile and ${where}.keyFile: mutual TLS is TLS first`);
    return undefined;
  }
  if (certFile === '' || keyFile === '') {
    const missing = certFile === '' ? 'certFile' : 'keyFile';
    throw new InvalidInputError(`${where}.${missing} is empty: set both certFile and keyFile for TLS, or neither for plaintext`);
  }
  return clientCaFile === '' ? { certFile, keyFile } : { certFile, keyFile, clientCaFile };
}

/** Reads the files; throws an InvalidInputError naming the file or the problem (e.g. a key that does not match). */
export function readSecureContextOptions(files: TlsFiles): tls.SecureContextOptions {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new InvalidInputError(`cannot read the TLS ${what} ${path}: ${errorMessage(err)}`, { cause: err });
    }
  };
  const options: tls.SecureContextOptions = { cert: read('certificate', files.certFile), key: read('key', files.keyFile) };
  if (files.clientCaFile) options.ca = read('client CA', files.clientCaFile);
  try {
    // Checks now what a tls.Server would otherwise report on the first handshake.
    tls.createSecureContext(options);
  } catch (err) {
    throw new InvalidInputError(`unusable TLS certificate ${files.certFile} / key ${files.keyFile}: ${errorMessage(err)}`, { cause: err });
  }
  return options;
}

export interface TlsCertificatesOptions {
  /** Files are looked at no more often than this; default 1 s. */
  checkIntervalMs?: number;
  /** Told when a reload failed (the previous certificates stay in use). */
  onError?: (err: Error) => void;
  /** Told when new certificates were loaded. */
  onReload?: () => void;
}

export class TlsCertificates {
  readonly files: TlsFiles;
  private readonly reloading: ReloadingFiles<tls.SecureContextOptions>;

  constructor(files: TlsFiles, options: TlsCertificatesOptions = {}) {
    this.files = files;
    this.reloading = new ReloadingFiles([files.certFile, files.keyFile, files.clientCaFile ?? ''], () => readSecureContextOptions(files), {
      checkIntervalMs: options.checkIntervalMs,
      onError: options.onError,
      onReload: () => options.onReload?.(),
    });
  }

  /** Mutual TLS: clients without a certificate signed by clientCaFile are refused. */
  get mutual(): boolean {
    return Boolean(this.files.clientCaFile);
  }

  /** The options of a tls.Server; reads the files the first time and throws when they are unusable. */
  serverOptions(): tls.TlsOptions {
    return { ...this.reloading.value(), requestCert: this.mutual, rejectUnauthorized: this.mutual };
  }

  /**
   * New secure context options when the files changed since they were last
   * read and the new ones are usable; undefined otherwise. Never throws.
   */
  refresh(nowMs = Date.now()): tls.SecureContextOptions | undefined {
    return this.reloading.refresh(nowMs);
  }
}

/**
 * The certificates of one server, reloading with a log line (and keeping the
 * previous ones, with an error line, when new files are unusable); undefined
 * for plaintext. One per listening port: each keeps its own reload state.
 */
export function watchedCertificates(
  files: TlsFiles | undefined,
  o: { component: string; log?: Logger; checkIntervalMs?: number },
): TlsCertificates | undefined {
  if (!files) return undefined;
  return new TlsCertificates(files, {
    checkIntervalMs: o.checkIntervalMs,
    onError: (err) => o.log?.error('TLS certificates not reloaded; keeping the previous ones', { component: o.component, err }),
    onReload: () => o.log?.info('TLS certificates reloaded', { component: o.component, certFile: files.certFile }),
  });
}
