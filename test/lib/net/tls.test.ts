// TLS files -> server options, mutual TLS, and reloading certificates when
// their files change, with real certificates made by openssl.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { readSecureContextOptions, TlsCertificates, tlsFilesFrom } from '../../../lib/net/tls.js';
import { makeCerts } from '../../helpers/certs.js';

const WHERE = 'receivers.opencensus.tls';

test('empty TLS settings mean plaintext; one of certFile and keyFile alone is refused, naming the missing one', () => {
  assert.equal(tlsFilesFrom({ certFile: '', keyFile: '', clientCaFile: '' }, WHERE), undefined);
  assert.throws(() => tlsFilesFrom({ certFile: 'c.pem', keyFile: '', clientCaFile: '' }, WHERE), /receivers\.opencensus\.tls\.keyFile is empty/);
  assert.throws(() => tlsFilesFrom({ certFile: '', keyFile: 'k.pem', clientCaFile: '' }, WHERE), /receivers\.opencensus\.tls\.certFile is empty/);
  assert.throws(() => tlsFilesFrom({ certFile: '', keyFile: '', clientCaFile: 'ca.pem' }, WHERE), /clientCaFile needs .*certFile and .*keyFile/);
  assert.deepEqual(tlsFilesFrom({ certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: '' }, WHERE), { certFile: 'c.pem', keyFile: 'k.pem' });
  assert.deepEqual(tlsFilesFrom({ certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: 'ca.pem' }, WHERE), {
    certFile: 'c.pem',
    keyFile: 'k.pem',
    clientCaFile: 'ca.pem',
  });
});

test('unreadable or mismatched files are refused with the file named', (t) => {
  const certs = makeCerts(t);
  assert.throws(() => readSecureContextOptions({ certFile: join(certs.dir, 'nope.pem'), keyFile: certs.keyFile }), /cannot read the TLS certificate .*nope\.pem/);
  assert.throws(() => readSecureContextOptions({ certFile: certs.certFile, keyFile: certs.clientKeyFile }), /unusable TLS certificate .*server\.pem/);
  const ok = readSecureContextOptions({ certFile: certs.certFile, keyFile: certs.keyFile, clientCaFile: certs.caFile });
  assert.ok(ok.cert && ok.key && ok.ca);
});

test('a client CA turns on mutual TLS: a client certificate is requested and required', (t) => {
  const certs = makeCerts(t);
  const plain = new TlsCertificates({ certFile: certs.certFile, keyFile: certs.keyFile }).serverOptions();
  assert.equal(plain.requestCert, false);
  const mutual = new TlsCertificates({ certFile: certs.certFile, keyFile: certs.keyFile, clientCaFile: certs.caFile }).serverOptions();
  assert.equal(mutual.requestCert, true);
  assert.equal(mutual.rejectUnauthorized, true);
});

function peerCommonName(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(Array.isArray(cn) ? cn.join() : (cn ?? ''));
    });
    socket.on('error', reject);
  });
}

test('certificates reload when their files change; a broken file keeps the old ones and is reported once', async (t) => {
  const certs = makeCerts(t);
  const errors: Error[] = [];
  const files = { certFile: join(certs.dir, 'live.pem'), keyFile: join(certs.dir, 'live.key') };
  copyFileSync(certs.certFile, files.certFile);
  copyFileSync(certs.keyFile, files.keyFile);
  const live = new TlsCertificates(files, { checkIntervalMs: 0, onError: (err) => errors.push(err) });
  const server = tls.createServer(live.serverOptions(), (s) => s.end());
  // The check a listener makes on each new connection.
  server.prependListener('connection', () => {
    const fresh = live.refresh();
    if (fresh) server.setSecureContext(fresh);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as { port: number }).port;

  assert.equal(live.refresh(), undefined, 'unchanged files are not read again');
  assert.equal(await peerCommonName(port, certs.ca), 'server');

  const next = certs.issueServer('server-2');
  writeFileSync(files.keyFile, 'not a key');
  assert.equal(live.refresh(), undefined, 'a half-written pair is not used');
  assert.equal(live.refresh(), undefined, 'nor retried until the files change again');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /unusable TLS certificate/);
  assert.equal(await peerCommonName(port, certs.ca), 'server', 'the previous certificate still serves');

  copyFileSync(next.certFile, files.certFile);
  copyFileSync(next.keyFile, files.keyFile);
  assert.equal(await peerCommonName(port, certs.ca), 'server-2', 'the new certificate serves the next connection');
});
