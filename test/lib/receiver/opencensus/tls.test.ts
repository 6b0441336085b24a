// The receiver behind TLS we terminate ourselves, with certificates openssl
// makes at test time: gRPC (ALPN h2) and the gateway (http/1.1) on one port,
// mutual TLS refusing clients without a certificate, and certificate reload.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { OC_TRACE_EXPORT_PATH, encodeTraceRequestJson, encodeTraceRequestProto } from '../../../../lib/protocol/opencensus/index.js';
import { makeCerts, type TestCerts } from '../../../helpers/certs.js';
import { client, ocNode, ocSpan, RawStream, spanNames, startReceiver, traceRequest } from './helpers.js';

function post(port: number, certs: TestCerts, options: { clientCert?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/trace',
        ca: certs.ca,
        ...(options.clientCert ? { cert: certs.clientCert, key: certs.clientKey } : {}),
        headers: { 'content-type': 'application/json' },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end(encodeTraceRequestJson(traceRequest({ node: ocNode('https-app'), spans: [ocSpan('over https')] })));
  });
}

async function exportOnce(t: TestContext, port: number, credentials: grpc.ChannelCredentials): Promise<grpc.StatusObject> {
  const stream = new RawStream(client(t, port, credentials), OC_TRACE_EXPORT_PATH);
  stream.send(encodeTraceRequestProto(traceRequest({ node: ocNode('grpc-app'), spans: [ocSpan('over TLS')] })));
  stream.end();
  return stream.status;
}

test('over TLS, gRPC (h2) and the gateway (http/1.1) share the port', async (t) => {
  const certs = makeCerts(t);
  const { receiver, consumer } = await startReceiver(t, { tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  assert.equal((await exportOnce(t, receiver.port, grpc.credentials.createSsl(certs.ca))).code, grpc.status.OK);
  assert.equal(await post(receiver.port, certs), 200);
  assert.deepEqual(spanNames(consumer).sort(), [['over TLS'], ['over https']]);
  const plaintext = await exportOnce(t, receiver.port, grpc.credentials.createInsecure());
  assert.equal(plaintext.code, grpc.status.UNAVAILABLE, 'a plaintext client gets no service');
});

test('mutual TLS: clients with a certificate from the CA are served, clients without one are refused', async (t) => {
  const certs = makeCerts(t);
  const { receiver, consumer } = await startReceiver(t, {
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, clientCaFile: certs.caFile },
  });
  const withCert = grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert);
  assert.equal((await exportOnce(t, receiver.port, withCert)).code, grpc.status.OK);
  assert.equal(await post(receiver.port, certs, { clientCert: true }), 200);
  const without = await exportOnce(t, receiver.port, grpc.credentials.createSsl(certs.ca));
  assert.equal(without.code, grpc.status.UNAVAILABLE);
  await assert.rejects(post(receiver.port, certs));
  assert.equal(consumer.traces.length, 2, 'only the clients with a certificate got through');
});

test('with TLS and a gateway endpoint each port offers only its protocol: browsers negotiate h2 otherwise', async (t) => {
  const certs = makeCerts(t);
  const { receiver } = await startReceiver(t, { tls: { certFile: certs.certFile, keyFile: certs.keyFile }, gatewayEndpoint: '127.0.0.1:0' });
  const alpn = (port: number) =>
    new Promise<string | false>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: certs.ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        resolve(s.alpnProtocol ?? false);
        s.end();
      });
      s.on('error', reject);
    });
  assert.equal(await alpn(receiver.port), 'h2');
  assert.equal(await alpn(receiver.gatewayPort), 'http/1.1', 'a browser offering h2 still reaches the gateway');
  assert.equal(await post(receiver.gatewayPort, certs), 200);
  assert.equal((await exportOnce(t, receiver.port, grpc.credentials.createSsl(certs.ca))).code, grpc.status.OK);
});

test('new connections get the new certificate once its files change', async (t) => {
  const certs = makeCerts(t);
  const live = { certFile: join(certs.dir, 'live.pem'), keyFile: join(certs.dir, 'live.key') };
  copyFileSync(certs.certFile, live.certFile);
  copyFileSync(certs.keyFile, live.keyFile);
  const { receiver } = await startReceiver(t, { tls: live, fileCheckIntervalMs: 0 });
  const servedName = () =>
    new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: receiver.port, ca: certs.ca, ALPNProtocols: ['http/1.1'] }, () => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.end();
      });
      s.on('error', reject);
    });
  assert.equal(await servedName(), 'server');
  const next = certs.issueServer('server-renewed');
  copyFileSync(next.certFile, live.certFile);
  copyFileSync(next.keyFile, live.keyFile);
  assert.equal(await servedName(), 'server-renewed');
});

test('unusable certificates stop the start with the file named', async (t) => {
  const certs = makeCerts(t);
  await assert.rejects(startReceiver(t, { tls: { certFile: join(certs.dir, 'absent.pem'), keyFile: certs.keyFile } }), /cannot read the TLS certificate .*absent\.pem/);
});
