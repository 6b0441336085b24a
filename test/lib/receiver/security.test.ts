// The receivers' security, the same checks over every TCP receiver, each
// built from its config section by receivers() (lib/service/receivers.ts) and
// publishing to the in-memory bus, as the agent and ingester run them:
//
// - TLS: the spans sent arrive with their content; a plaintext client on the
//   TLS port is turned away; new connections see a certificate whose files
//   were replaced. Mutual TLS: a client certificate from the configured CA is
//   served, none or one from another CA is refused at the handshake.
// - Bearer tokens: none, a wrong one or a malformed header is 401 with
//   WWW-Authenticate: Bearer (gRPC UNAUTHENTICATED), counted with its reason;
//   a right one is accepted and its tenant is the ocsvc.tenant header of the
//   published record (not a resource attribute); a rewritten tokens file is
//   picked up; no token ever reaches a log line or an answer.
// - Per-tenant rate limits: a tenant over its budget gets 429 /
//   RESOURCE_EXHAUSTED with a retry delay, counted by tenant, while another
//   tenant is still served.
//
// Certificates are real, made by openssl at test time (test/helpers/certs.ts).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import type { ConsumedRecord } from '../../../lib/bus/bus.js';
import { MemoryBus } from '../../../lib/bus/memory-bus.js';
import { loadConfig, type ReceiverAuthSection, type ReceiversSection, type TlsServerSection } from '../../../lib/config/index.js';
import type { Component } from '../../../lib/lifecycle.js';
import { spanCount, type Traces } from '../../../lib/model/index.js';
import { HEADER } from '../../../lib/pipeline/headers.js';
import { Publisher } from '../../../lib/pipeline/publisher.js';
import { TENANT_THROTTLED } from '../../../lib/pipeline/tenant-rate-limit.js';
import { decodeTracesProto } from '../../../lib/protocol/otlp/index.js';
import { AUTH_FAILURES } from '../../../lib/receiver/auth/authenticator.js';
import type { JaegerReceiver } from '../../../lib/receiver/jaeger/index.js';
import type { OpenCensusReceiver } from '../../../lib/receiver/opencensus/index.js';
import { receivers } from '../../../lib/service/receivers.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { uniqueName } from '../../harness/env.js';
import { waitFor } from '../../harness/wait-for.js';
import { makeCerts, type TestCerts } from '../../helpers/certs.js';
import {
  accepted,
  refusedAtConnection,
  samplingRequest,
  SENDERS,
  servedCertificateName,
  type Answer,
  type SendOptions,
  type SenderName,
} from '../../helpers/receiver-clients.js';
import { buildTrace } from '../../helpers/trace-builder.js';
import { RecordingConsumer } from './otlp/recording-consumer.js';

const PLAINTEXT: TlsServerSection = { certFile: '', keyFile: '', clientCaFile: '' };
const NO_AUTH: ReceiverAuthSection = { tokensFile: '', required: false, tenantRateLimit: { unit: 'requests', ratePerSecond: 0, burst: 0 } };
const ANY_PORT = '127.0.0.1:0';
const TOKENS = { acme: 'acme-0123456789abcdef', globex: 'globex-0123456789abcdef', later: 'later-0123456789abcdef' } as const;

/** Every receiver off: each row turns its own on. */
function allOff(): ReceiversSection {
  const d = loadConfig('ingester', { env: {} }).receivers;
  const off = <T extends { enabled: boolean }>(s: T): T => ({ ...s, enabled: false });
  return {
    ...d,
    otlp: { grpc: off(d.otlp.grpc), http: off(d.otlp.http) },
    opencensus: off(d.opencensus),
    jaeger: {
      ...off(d.jaeger),
      grpc: off(d.jaeger.grpc),
      thriftHttp: off(d.jaeger.thriftHttp),
      thriftCompact: off(d.jaeger.thriftCompact),
      thriftBinary: off(d.jaeger.thriftBinary),
      sampling: off(d.jaeger.sampling),
    },
    zipkin: off(d.zipkin),
  };
}

interface Row {
  name: string;
  /** What a client sends; the sampling endpoint carries no spans. */
  send: (port: number, traces: Traces, o: SendOptions) => Promise<Answer>;
  carriesSpans: boolean;
  /** What the port negotiates: gRPC ports h2, HTTP ports http/1.1. */
  alpn: 'h2' | 'http/1.1';
  /** The section with this receiver (alone) on, on a free port, with `tls`. */
  enable(s: ReceiversSection, tls: TlsServerSection): ReceiversSection;
  port(receiver: Component): number;
}

const spanRow = (name: SenderName, alpn: Row['alpn'], enable: Row['enable'], port: Row['port']): Row => ({
  name,
  send: SENDERS[name],
  carriesSpans: true,
  alpn,
  enable,
  port,
});
const portOf = (r: Component) => (r as unknown as { port: number }).port;
const jaeger = (r: Component) => r as JaegerReceiver;
const jaegerOn = (s: ReceiversSection, part: 'grpc' | 'thriftHttp' | 'sampling', tls: TlsServerSection): ReceiversSection => ({
  ...s,
  jaeger: { ...s.jaeger, enabled: true, [part]: { ...s.jaeger[part], enabled: true, endpoint: ANY_PORT, tls } },
});
const openCensusOn = (s: ReceiversSection, tls: TlsServerSection, gatewayEndpoint = ''): ReceiversSection => ({
  ...s,
  opencensus: { ...s.opencensus, enabled: true, endpoint: ANY_PORT, gatewayEndpoint, tls },
});

const ROWS: Row[] = [
  spanRow('otlp/grpc', 'h2', (s, tls) => ({ ...s, otlp: { ...s.otlp, grpc: { ...s.otlp.grpc, enabled: true, endpoint: ANY_PORT, tls } } }), portOf),
  spanRow('otlp/http', 'http/1.1', (s, tls) => ({ ...s, otlp: { ...s.otlp, http: { ...s.otlp.http, enabled: true, endpoint: ANY_PORT, tls } } }), portOf),
  spanRow('opencensus/grpc', 'h2', (s, tls) => openCensusOn(s, tls), portOf),
  spanRow('opencensus/http', 'http/1.1', (s, tls) => openCensusOn(s, tls), portOf),
  {
    ...spanRow('opencensus/http', 'http/1.1', (s, tls) => openCensusOn(s, tls, ANY_PORT), (r) => (r as OpenCensusReceiver).gatewayPort),
    name: 'opencensus/http on its own gatewayEndpoint',
  },
  spanRow('jaeger/grpc', 'h2', (s, tls) => jaegerOn(s, 'grpc', tls), (r) => jaeger(r).grpc!.port),
  spanRow('jaeger/thrift_http', 'http/1.1', (s, tls) => jaegerOn(s, 'thriftHttp', tls), (r) => jaeger(r).thriftHttp!.port),
  spanRow('zipkin', 'http/1.1', (s, tls) => ({ ...s, zipkin: { ...s.zipkin, enabled: true, endpoint: ANY_PORT, tls } }), portOf),
  {
    name: 'jaeger/sampling',
    send: (port, _traces, o) => samplingRequest(port, o),
    carriesSpans: false,
    alpn: 'http/1.1',
    enable: (s, tls) => jaegerOn(s, 'sampling', tls),
    port: (r) => jaeger(r).sampling!.port,
  },
];
const SPAN_ROWS = ROWS.filter((r) => r.carriesSpans);

interface Running {
  port: number;
  registry: Registry;
  /** Every record published to the spans topic so far. */
  records: ConsumedRecord[];
  /** Every log line so far. */
  logs: () => string;
}

/** The row's receiver built by receivers(), publishing to a memory bus, with a reader of what it publishes. */
async function start(t: TestContext, row: Row, o: { tls?: TlsServerSection; auth?: Partial<ReceiverAuthSection> } = {}): Promise<Running> {
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const log = createLogger({ level: 'debug', stream: sink });
  const bus = new MemoryBus({ logger: log });
  t.after(() => bus.close());
  const topics = { spans: uniqueName('spans'), metrics: uniqueName('metrics') };
  await bus.ensureTopics([
    { topic: topics.spans, partitions: 2 },
    { topic: topics.metrics, partitions: 2 },
  ]);
  const registry = new Registry();
  const publisher = new Publisher({ bus, topics, sender: 'ingester-1', stats: registry.component('publisher', 'publisher') });
  const section = { ...row.enable(allOff(), o.tls ?? PLAINTEXT), auth: { ...NO_AUTH, ...o.auth } };
  const parts = receivers(section, publisher, registry, log);
  assert.equal(parts.length, 1);
  const receiver = parts[0]!;
  await receiver.start();
  t.after(() => receiver.close());
  const records: ConsumedRecord[] = [];
  const reader = bus.consumer({ groupId: uniqueName('reader'), topics: [topics.spans], fromBeginning: true, handler: async (b) => void records.push(...b.records) });
  t.after(() => reader.close());
  await reader.start();
  return { port: row.port(receiver), registry, records, logs: () => logged };
}

let traceNumber = 0;
/** A trace whose service, span name and attribute say which test sent it. */
function traceFor(label: string): Traces {
  traceNumber += 1;
  return buildTrace({ resource: { 'service.name': 'checkout' }, spans: [{ name: `${label} #${traceNumber}`, attrs: { 'test.label': label } }] });
}

/** The answer is an acceptance, with what was answered in the message otherwise. */
function assertAccepted(answer: Answer, what: string): void {
  assert.ok(accepted(answer), `${what}: expected acceptance, got ${JSON.stringify(answer)}`);
}

/** Waits for the record of `sent` on the bus and checks it carries the span as sent. */
async function publishedRecordOf(running: Running, sent: Traces): Promise<ConsumedRecord> {
  const span = sent.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  const record = await waitFor(
    () => running.records.find((r) => decodeTracesProto(r.value).resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some((s) => s.spanId === span.spanId)))),
    { timeoutMs: 10_000, what: `the record of span ${span.name}` },
  );
  const traces = decodeTracesProto(record.value);
  const rs = traces.resourceSpans[0]!;
  const got = rs.scopeSpans[0]!.spans[0]!;
  assert.equal(got.traceId, span.traceId);
  assert.equal(got.name, span.name);
  assert.equal(got.startTimeUnixNano, span.startTimeUnixNano);
  assert.equal(got.endTimeUnixNano, span.endTimeUnixNano);
  const label = got.attributes.find((a) => a.key === 'test.label');
  assert.deepEqual(label?.value, span.attributes[0]!.value, 'the span keeps its attribute');
  const service = rs.resource.attributes.find((a) => a.key === 'service.name');
  assert.deepEqual(service?.value, { kind: 'string', value: 'checkout' });
  assert.ok(!rs.resource.attributes.some((a) => a.key === HEADER.tenant), 'the tenant is a header, never added to the resource');
  return record;
}

/** Fresh copies of the server certificate and key, which a test may overwrite. */
function liveCopy(certs: TestCerts, name: string): { certFile: string; keyFile: string } {
  const live = { certFile: join(certs.dir, `${name}.live.pem`), keyFile: join(certs.dir, `${name}.live.key`) };
  copyFileSync(certs.certFile, live.certFile);
  copyFileSync(certs.keyFile, live.keyFile);
  return live;
}

const slug = (name: string) => name.replace(/[^a-z0-9]+/gi, '-');

void test('every TCP receiver: TLS carries the spans, plaintext is turned away, a replaced certificate is served on new connections', async (t) => {
  const certs = makeCerts(t);
  const renewed = certs.issueServer('server-renewed');
  for (const row of ROWS) {
    await t.test(row.name, async (t) => {
      const live = liveCopy(certs, slug(row.name));
      const running = await start(t, row, { tls: { ...live, clientCaFile: '' } });
      const sent = traceFor(`tls ${row.name}`);
      assertAccepted(await row.send(running.port, sent, { tls: { ca: certs.ca } }), 'over TLS');
      if (row.carriesSpans) await publishedRecordOf(running, sent);
      const plaintext = await row.send(running.port, traceFor('plaintext'), {});
      assert.ok(refusedAtConnection(plaintext), `plaintext on the TLS port: ${JSON.stringify(plaintext)}`);

      assert.equal(await servedCertificateName(running.port, certs.ca, row.alpn), 'server');
      copyFileSync(renewed.certFile, live.certFile);
      copyFileSync(renewed.keyFile, live.keyFile);
      // Files are looked at no more than once a second: poll with new connections.
      await waitFor(async () => (await servedCertificateName(running.port, certs.ca, row.alpn)) === 'server-renewed', {
        timeoutMs: 10_000,
        what: 'the renewed certificate on a new connection',
      });
      const after = traceFor(`after reload ${row.name}`);
      assertAccepted(await row.send(running.port, after, { tls: { ca: certs.ca } }), 'over TLS with the renewed certificate');
      if (row.carriesSpans) {
        await publishedRecordOf(running, after);
        assert.equal(running.records.length, 2, 'the plaintext request published nothing');
      }
    });
  }
});

void test('every TCP receiver under mutual TLS: a client certificate from the CA is served; none, or one from another CA, is refused', async (t) => {
  const certs = makeCerts(t);
  const foreign = certs.foreignClient();
  for (const row of ROWS) {
    await t.test(row.name, async (t) => {
      const running = await start(t, row, { tls: { certFile: certs.certFile, keyFile: certs.keyFile, clientCaFile: certs.caFile } });
      const sent = traceFor(`mtls ${row.name}`);
      assertAccepted(await row.send(running.port, sent, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } }), 'with a client certificate');
      if (row.carriesSpans) await publishedRecordOf(running, sent);
      const without = await row.send(running.port, traceFor('no client certificate'), { tls: { ca: certs.ca } });
      assert.ok(refusedAtConnection(without), `without a client certificate: ${JSON.stringify(without)}`);
      const stranger = await row.send(running.port, traceFor('foreign client certificate'), { tls: { ca: certs.ca, cert: foreign.cert, key: foreign.key } });
      assert.ok(refusedAtConnection(stranger), `with a certificate from another CA: ${JSON.stringify(stranger)}`);
      if (row.carriesSpans) assert.equal(running.records.length, 1, 'only the client with a certificate from the CA published');
    });
  }
});

const isGrpc = (row: Row) => row.alpn === 'h2';

/** The answer is 401 with the Bearer challenge (HTTP) or UNAUTHENTICATED (gRPC). */
function assertUnauthenticated(row: Row, answer: Answer, error: 'none' | 'invalid_token'): void {
  assert.equal(answer.kind, 'answered', JSON.stringify(answer));
  if (answer.kind !== 'answered') return;
  if (isGrpc(row)) {
    assert.equal(answer.code, 'UNAUTHENTICATED', answer.message);
    return;
  }
  assert.equal(answer.code, '401', answer.message);
  const challenge = answer.headers['www-authenticate'] ?? '';
  assert.match(challenge, /^Bearer /);
  assert.equal(challenge.includes('error="invalid_token"'), error === 'invalid_token', challenge);
}

/** A tokens file (YAML map of tenant -> tokens) in a temporary folder removed after the test. */
function writeTokens(t: TestContext, tokens: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tokens.yaml');
  rewriteTokens(file, tokens);
  return file;
}

function rewriteTokens(file: string, tokens: Record<string, string[]>): void {
  writeFileSync(file, Object.entries(tokens).map(([tenant, list]) => `${tenant}: [${list.join(', ')}]\n`).join(''));
}

void test('every receiver that carries spans: bearer tokens required, the tenant on the published record, the tokens file reloaded', async (t) => {
  for (const row of SPAN_ROWS) {
    await t.test(row.name, async (t) => {
      const tokensFile = writeTokens(t, { acme: [TOKENS.acme], globex: [TOKENS.globex] });
      const running = await start(t, row, { auth: { tokensFile, required: true } });
      assertUnauthenticated(row, await row.send(running.port, traceFor('no token'), {}), 'none');
      assertUnauthenticated(row, await row.send(running.port, traceFor('wrong token'), { token: 'not-a-token-0123456789' }), 'invalid_token');
      assertUnauthenticated(row, await row.send(running.port, traceFor('basic'), { authorization: `Basic ${TOKENS.acme}` }), 'invalid_token');
      const failures = (reason: string) => running.registry.total(AUTH_FAILURES, { reason });
      assert.deepEqual([failures('missing'), failures('unknown_token'), failures('malformed')], [1, 1, 1], 'each refusal counted with its reason');

      const fromAcme = traceFor(`acme ${row.name}`);
      const fromGlobex = traceFor(`globex ${row.name}`);
      assertAccepted(await row.send(running.port, fromAcme, { token: TOKENS.acme }), 'the token of acme');
      assertAccepted(await row.send(running.port, fromGlobex, { token: TOKENS.globex }), 'the token of globex');
      assert.equal((await publishedRecordOf(running, fromAcme)).headers[HEADER.tenant], 'acme');
      assert.equal((await publishedRecordOf(running, fromGlobex)).headers[HEADER.tenant], 'globex');
      assert.equal(running.records.length, 2, 'refused requests published nothing');

      // A new token for acme replaces the old one; checked no more than once a second.
      rewriteTokens(tokensFile, { acme: [TOKENS.later], globex: [TOKENS.globex] });
      await waitFor(async () => accepted(await row.send(running.port, traceFor('reloaded'), { token: TOKENS.later })), {
        timeoutMs: 10_000,
        what: 'the new token accepted',
      });
      assertUnauthenticated(row, await row.send(running.port, traceFor('old token'), { token: TOKENS.acme }), 'invalid_token');
      for (const token of Object.values(TOKENS)) assert.ok(!running.logs().includes(token), 'no token in the logs');
      assert.match(running.logs(), /tokens file reloaded/);
    });
  }
});

void test('with required: false a request without a token passes without a tenant, but a wrong token is still refused', async (t) => {
  for (const row of SPAN_ROWS.filter((r) => r.name === 'otlp/grpc' || r.name === 'zipkin')) {
    await t.test(row.name, async (t) => {
      const tokensFile = writeTokens(t, { acme: [TOKENS.acme] });
      const running = await start(t, row, { auth: { tokensFile, required: false } });
      const anonymous = traceFor(`anonymous ${row.name}`);
      assertAccepted(await row.send(running.port, anonymous, {}), 'without a token');
      assert.equal((await publishedRecordOf(running, anonymous)).headers[HEADER.tenant], undefined);
      assertUnauthenticated(row, await row.send(running.port, traceFor('wrong'), { token: 'not-a-token-0123456789' }), 'invalid_token');
    });
  }
});

void test('Jaeger sampling takes no token (its clients send no headers) even when tokens are required', async (t) => {
  const row = ROWS.find((r) => r.name === 'jaeger/sampling')!;
  const tokensFile = writeTokens(t, { acme: [TOKENS.acme] });
  const running = await start(t, row, { auth: { tokensFile, required: true } });
  const answer = await row.send(running.port, traceFor('sampling'), {});
  assertAccepted(answer, 'a strategy without a token');
  assert.ok(answer.kind === 'answered' && 'strategyType' in (JSON.parse(answer.message) as object), answer.kind === 'answered' ? answer.message : '');
});

void test('every receiver that carries spans: a tenant over its rate gets 429 / RESOURCE_EXHAUSTED with a retry delay while another is served', async (t) => {
  for (const row of SPAN_ROWS) {
    await t.test(row.name, async (t) => {
      const tokensFile = writeTokens(t, { acme: [TOKENS.acme], globex: [TOKENS.globex] });
      const running = await start(t, row, { auth: { tokensFile, required: true, tenantRateLimit: { unit: 'requests', ratePerSecond: 1, burst: 1 } } });
      assertAccepted(await row.send(running.port, traceFor('acme 1'), { token: TOKENS.acme }), 'acme within its rate');
      const over = traceFor('acme 2');
      const limited = await row.send(running.port, over, { token: TOKENS.acme });
      assert.equal(limited.kind, 'answered', JSON.stringify(limited));
      if (limited.kind !== 'answered') return;
      if (isGrpc(row)) {
        assert.equal(limited.code, 'RESOURCE_EXHAUSTED', limited.message);
        const pushbackMs = Number(limited.headers['grpc-retry-pushback-ms']);
        assert.ok(pushbackMs > 0 && pushbackMs <= 1_000, `a retry delay of at most a second: ${pushbackMs}`);
      } else {
        assert.equal(limited.code, '429', limited.message);
        assert.equal(limited.headers['retry-after'], '1');
      }
      assert.match(limited.message, /tenant acme is over its limit/);
      const fromGlobex = traceFor('globex 1');
      assertAccepted(await row.send(running.port, fromGlobex, { token: TOKENS.globex }), 'globex, another tenant');
      assert.equal((await publishedRecordOf(running, fromGlobex)).headers[HEADER.tenant], 'globex');
      assert.equal(running.registry.total(TENANT_THROTTLED, { tenant: 'acme', signal: 'traces' }), spanCount(over));
      assert.equal(running.registry.total(TENANT_THROTTLED, { tenant: 'globex' }), 0);
      assert.equal(running.records.length, 2);
    });
  }
});

void test('with tokens required, a Jaeger UDP transport (which carries no token) is refused at start-up unless it listens on loopback', (t) => {
  const tokensFile = writeTokens(t, { acme: [TOKENS.acme] });
  const d = allOff();
  const withUdp = (endpoint: string): ReceiversSection => ({
    ...d,
    auth: { ...NO_AUTH, tokensFile, required: true },
    jaeger: { ...d.jaeger, enabled: true, thriftCompact: { ...d.jaeger.thriftCompact, enabled: true, endpoint } },
  });
  const registry = new Registry();
  assert.throws(
    () => receivers(withUdp('0.0.0.0:6831'), new RecordingConsumer(), registry),
    /receivers\.jaeger\.thriftCompact listens on 0\.0\.0\.0:6831 without authentication .* disable it .* or bind it to loopback/,
  );
  assert.equal(receivers(withUdp('127.0.0.1:0'), new RecordingConsumer(), registry).length, 1);
  const notRequired = { ...withUdp('0.0.0.0:6831'), auth: { ...NO_AUTH, tokensFile, required: false } };
  assert.equal(receivers(notRequired, new RecordingConsumer(), registry).length, 1, 'without required, anonymous UDP is allowed');
});
