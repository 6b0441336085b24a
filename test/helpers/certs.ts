// Real certificates for TLS tests, made with openssl at test time: a CA, a
// server certificate for 127.0.0.1 and localhost, and a client certificate,
// all signed by the CA, in a temporary folder removed after the test. More
// server or client certificates on demand, and a client certificate signed by
// another CA (which a server under mutual TLS must refuse).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** Issues another server certificate (same CA, new serial) into certFile/keyFile's siblings; returns their paths. */
  issueServer(name: string): { certFile: string; keyFile: string };
  /** Issues another client certificate (same CA). */
  issueClient(name: string): { certFile: string; keyFile: string };
  /** A client certificate signed by a CA the server does not trust. */
  foreignClient(): { certFile: string; keyFile: string; cert: Buffer; key: Buffer };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `t` removes the folder afterwards: a test's context, or anything with after(). */
export function makeCerts(t: { after(fn: () => void): void }): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-certs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const days = '2';
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/CN=ocsvc test CA']);
  const issue = (name: string, ext: string, ca = 'ca') => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, [
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`,
    ]);
    return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  };
  const clientExt = 'extendedKeyUsage=clientAuth\n';
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  const server = issue('server', serverExt);
  const client = issue('client', clientExt);
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    ...server,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
    ca: readFileSync(join(dir, 'ca.pem')),
    clientCert: readFileSync(client.certFile),
    clientKey: readFileSync(client.keyFile),
    issueServer: (name) => issue(name, serverExt),
    issueClient: (name) => issue(name, clientExt),
    foreignClient: () => {
      openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'foreign-ca.key', '-out', 'foreign-ca.pem', '-days', days, '-subj', '/CN=another CA']);
      const foreign = issue('foreign-client', clientExt, 'foreign-ca');
      return { ...foreign, cert: readFileSync(foreign.certFile), key: readFileSync(foreign.keyFile) };
    },
  };
}
