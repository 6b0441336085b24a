// Real certificates for TLS tests, made with openssl at test time: a CA, a
// server certificate for 127.0.0.1 and localhost, and a client certificate,
// all signed by the CA, in a temporary folder removed after the test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

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
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCerts(t: TestContext): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-certs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const days = '2';
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/CN=ocsvc test CA']);
  const issue = (name: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, [
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`,
    ]);
    return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  };
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  const server = issue('server', serverExt);
  const client = issue('client', 'extendedKeyUsage=clientAuth\n');
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
  };
}
