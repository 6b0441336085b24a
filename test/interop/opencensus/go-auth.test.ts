// The real OpenCensus Go exporter (contrib.go.opencensus.io/exporter/ocagent
// v0.7.0) against the receiver under TLS with bearer tokens required, as
// docs/security.md tells its users to set it up. What its source shows and
// these tests pin down: ocagent.WithHeaders puts the headers on the trace
// Export stream only (the Metrics and Config streams are opened with a bare
// context), so the traces of a WithHeaders client arrive with its tenant
// while its metrics stream is refused UNAUTHENTICATED; gRPC per-RPC
// credentials (ocagent.WithGRPCDialOption) cover every stream. The Config
// stream takes no token, so both keep their sampler.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Authenticator, AUTH_FAILURES } from '../../../lib/receiver/auth/authenticator.js';
import { Registry } from '../../../lib/telemetry/stats.js';
import { uniqueName } from '../../harness/env.js';
import { goProgram } from '../../harness/go.js';
import { waitFor } from '../../harness/wait-for.js';
import { makeCerts } from '../../helpers/certs.js';
import { startReceiver } from '../../lib/receiver/opencensus/helpers.js';
import { startClient, type JsonLine } from './interop.js';

const SOURCE = fileURLToPath(new URL('./go-client', import.meta.url));
const TOKEN = 'acme-4b1f9e2c7d0a6e35';
const TRACE_EXPORT = 'trace.v1.TraceService.Export';
const METRICS_EXPORT = 'metrics.v1.MetricsService.Export';
const CONFIG = 'trace.v1.TraceService.Config';
const closed = (out: JsonLine | undefined, stream: string): unknown => (out?.closed as Record<string, string> | undefined)?.[stream];

async function secureReceiver(t: TestContext) {
  const certs = makeCerts(t);
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-oc-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokensFile = join(dir, 'tokens.yaml');
  writeFileSync(tokensFile, `acme: [${TOKEN}]\n`);
  const registry = new Registry();
  const auth = new Authenticator({ tokensFile, required: true, registry });
  const { receiver, consumer } = await startReceiver(t, { tls: { certFile: certs.certFile, keyFile: certs.keyFile }, auth, registry });
  return { receiver, consumer, registry, caFile: certs.caFile };
}

function goClient(t: TestContext, binary: string, port: number, mode: string, ...extra: string[]) {
  const run = uniqueName('go-auth');
  return startClient(t, binary, [mode, '-agent', `127.0.0.1:${port}`, '-service', 'oc-auth', '-run', run, ...extra], {});
}

void test('Go with ocagent.WithHeaders over TLS: its traces arrive with the tenant of its token; its metrics stream, which carries no header, is refused', async (t) => {
  const binary = await goProgram(t, SOURCE, 'ocagent-client');
  if (!binary) return;
  const { receiver, consumer, registry, caFile } = await secureReceiver(t);
  const proc = goClient(t, binary, receiver.port, 'traces', '-ca', caFile, '-token', TOKEN);
  const [out] = await proc.done();
  assert.equal(closed(out, TRACE_EXPORT), 'ok', JSON.stringify(out));
  assert.equal(closed(out, CONFIG), 'ok', 'the Config stream takes no token');
  assert.match(String(closed(out, METRICS_EXPORT)), /Unauthenticated/, 'WithHeaders leaves the metrics stream without the token');
  const spans = consumer.traces.flatMap(({ traces, ctx }) => traces.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ name: s.name, tenant: ctx.tenant })))));
  assert.deepEqual(spans.map((s) => s.name).sort(), ['oc-interop child', 'oc-interop root']);
  assert.deepEqual(new Set(spans.map((s) => s.tenant)), new Set(['acme']));
  assert.ok(registry.total(AUTH_FAILURES, { component: 'opencensus', reason: 'missing' }) >= 1);
});

void test('Go with per-RPC credentials over TLS: its metrics arrive with the tenant of its token, nothing is refused', async (t) => {
  const binary = await goProgram(t, SOURCE, 'ocagent-client');
  if (!binary) return;
  const { receiver, consumer, registry, caFile } = await secureReceiver(t);
  const proc = goClient(t, binary, receiver.port, 'metrics', '-ca', caFile, '-token', TOKEN, '-per-rpc');
  const [out] = await proc.done();
  assert.equal(closed(out, METRICS_EXPORT), 'ok', JSON.stringify(out));
  await waitFor(() => consumer.metrics.length > 0, { timeoutMs: 10_000, what: 'the Go metrics' });
  assert.deepEqual(new Set(consumer.metrics.map(({ ctx }) => ctx.tenant)), new Set(['acme']));
  assert.equal(registry.total(AUTH_FAILURES), 0);
});
