// TraceService.Config: the answer to a library's CurrentLibraryConfig, pushes
// to every open stream when the config changes (setTraceConfig, or the
// operator's trace config file), and no ping-pong with libraries that confirm.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  OC_TRACE_CONFIG_PATH,
  OC_TRACE_EXPORT_PATH,
  OcConstantDecision,
  decodeLibraryConfigProto,
  encodeLibraryConfigProto,
  type OcLibraryConfig,
  type OcTraceConfig,
} from '../../../../lib/protocol/opencensus/index.js';
import { AUTH_FAILURES, Authenticator } from '../../../../lib/receiver/auth/authenticator.js';
import { DEFAULT_TRACE_CONFIG } from '../../../../lib/receiver/opencensus/index.js';
import { readTraceConfigFile, toOcTraceConfig } from '../../../../lib/receiver/opencensus/trace-config.js';
import { createLogger } from '../../../../lib/telemetry/log.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { client, ocNode, RawStream, startReceiver } from './helpers.js';

const current = (config?: OcTraceConfig): Uint8Array => encodeLibraryConfigProto({ node: ocNode('lib'), config });
const updates = (s: RawStream): OcLibraryConfig[] => s.responses.map((b) => decodeLibraryConfigProto(b));

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-oc-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ stream, level: 'info' }) };
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("each CurrentLibraryConfig is answered with the configured TraceConfig and the library's node", async (t) => {
  const { receiver } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_CONFIG_PATH);
  stream.send(current());
  await stream.responsesAtLeast(1);
  const [answer] = updates(stream);
  assert.equal(answer!.node?.serviceInfo?.name, 'lib');
  assert.deepEqual(answer!.config, {
    sampler: { kind: 'probability', samplingProbability: 1 },
    maxNumberOfAttributes: 32n,
    maxNumberOfAnnotations: 32n,
    maxNumberOfMessageEvents: 128n,
    maxNumberOfLinks: 32n,
  });
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

test('a library confirming the sampler it was sent is not answered again (no ping-pong); a different one is', async (t) => {
  const { receiver } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_CONFIG_PATH);
  stream.send(current({ ...toOcTraceConfig(DEFAULT_TRACE_CONFIG), sampler: { kind: 'probability', samplingProbability: 0.0001 } }));
  await stream.responsesAtLeast(1);
  // What Go's ocagent exporter sends after applying an update: the sampler alone.
  const echo: OcTraceConfig = { sampler: { kind: 'probability', samplingProbability: 1 }, maxNumberOfAttributes: 0n, maxNumberOfAnnotations: 0n, maxNumberOfMessageEvents: 0n, maxNumberOfLinks: 0n };
  stream.send(current(echo));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(stream.responses.length, 1);
  stream.send(current({ ...echo, sampler: { kind: 'constant', decision: OcConstantDecision.ALWAYS_OFF } }));
  await stream.responsesAtLeast(2);
  stream.end();
  assert.equal((await stream.status).code, grpc.status.OK);
});

test('setTraceConfig pushes the new config down every open stream', async (t) => {
  const { receiver } = await startReceiver(t);
  const c = client(t, receiver.port);
  const streams = [new RawStream(c, OC_TRACE_CONFIG_PATH), new RawStream(c, OC_TRACE_CONFIG_PATH)];
  for (const s of streams) s.send(current());
  for (const s of streams) await s.responsesAtLeast(1);
  assert.equal(receiver.configStreamCount, 2);
  receiver.setTraceConfig({ ...DEFAULT_TRACE_CONFIG, sampler: 'rate_limiting', qps: 250 });
  for (const s of streams) {
    await s.responsesAtLeast(2);
    assert.deepEqual(updates(s)[1]!.config?.sampler, { kind: 'rateLimiting', qps: 250n });
  }
  receiver.setTraceConfig({ ...DEFAULT_TRACE_CONFIG, sampler: 'constant', constantDecision: 'always_parent' });
  for (const s of streams) {
    await s.responsesAtLeast(3);
    assert.deepEqual(updates(s)[2]!.config?.sampler, { kind: 'constant', decision: OcConstantDecision.ALWAYS_PARENT });
  }
  assert.throws(() => receiver.setTraceConfig({ ...DEFAULT_TRACE_CONFIG, samplingProbability: 1.5 }), /samplingProbability must be from 0 to 1/);
  for (const s of streams) s.end();
  for (const s of streams) assert.equal((await s.status).code, grpc.status.OK);
  await until('streams to be forgotten', () => receiver.configStreamCount === 0);
});

test('the trace config file overrides the inline config; a change is pushed, an invalid one is logged and skipped', async (t) => {
  const file = join(tempDir(t), 'trace-config.yaml');
  writeFileSync(file, 'samplingProbability: 0.25\n');
  const { lines, log } = capturedLog();
  const { receiver } = await startReceiver(t, {
    traceConfig: { ...DEFAULT_TRACE_CONFIG, maxNumberOfLinks: 8 },
    traceConfigFile: file,
    fileCheckIntervalMs: 20,
    log,
  });
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_CONFIG_PATH);
  stream.send(current());
  await stream.responsesAtLeast(1);
  assert.deepEqual(updates(stream)[0]!.config?.sampler, { kind: 'probability', samplingProbability: 0.25 });
  assert.equal(updates(stream)[0]!.config?.maxNumberOfLinks, 8n, 'keys the file leaves out keep the inline value');

  writeFileSync(file, '{"sampler": "constant", "constantDecision": "always_off"}\n');
  await stream.responsesAtLeast(2);
  assert.deepEqual(updates(stream)[1]!.config?.sampler, { kind: 'constant', decision: OcConstantDecision.ALWAYS_OFF });

  writeFileSync(file, 'samplingProbability: 7\nsurprise: true\n');
  await until('the error to be logged', () => lines.some((l) => l.level === 'error'));
  const error = lines.find((l) => l.level === 'error')!;
  assert.match(String(error.msg), /keeping the previous config/);
  assert.match(JSON.stringify(error), /samplingProbability: must be a number from 0 to 1 \(got 7\)/);
  assert.match(JSON.stringify(error), /surprise: unknown key/);
  assert.equal(stream.responses.length, 2, 'nothing pushed for an invalid file');
  receiver.setTraceConfig(DEFAULT_TRACE_CONFIG);
  await stream.responsesAtLeast(3);
});

test('an invalid trace config file at start-up stops the start with the problem named', async (t) => {
  const file = join(tempDir(t), 'bad.json');
  writeFileSync(file, '{"sampler": "sometimes"}');
  await assert.rejects(startReceiver(t, { traceConfigFile: file }), /bad\.json:\n {2}sampler: must be one of the possible values/);
  assert.throws(() => readTraceConfigFile(join(tempDir(t), 'missing.yaml'), DEFAULT_TRACE_CONFIG), /missing\.yaml: ENOENT/);
});

test('a malformed CurrentLibraryConfig ends that stream with INVALID_ARGUMENT', async (t) => {
  const { receiver } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_CONFIG_PATH);
  stream.send(Uint8Array.from([0x0a, 0x05, 0x01]));
  const status = await stream.status;
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.match(status.details, /malformed OpenCensus\/protobuf CurrentLibraryConfig/);
});

test('close() ends open Config streams with UNAVAILABLE', async (t) => {
  const { receiver } = await startReceiver(t);
  const stream = new RawStream(client(t, receiver.port), OC_TRACE_CONFIG_PATH);
  stream.send(current());
  await stream.responsesAtLeast(1);
  const started = Date.now();
  await receiver.close();
  assert.equal((await stream.status).code, grpc.status.UNAVAILABLE);
  assert.ok(Date.now() - started < 1_500, 'without waiting for the close deadline');
});

test('with bearer tokens required, the Config stream still takes a library without one: it hands out the sampler, no telemetry comes in', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-oc-config-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokensFile = join(dir, 'tokens.yaml');
  writeFileSync(tokensFile, 'acme: [acme-0123456789abcdef]\n');
  const registry = new Registry();
  const { receiver } = await startReceiver(t, { auth: new Authenticator({ tokensFile, required: true, registry }), registry });
  const config = new RawStream(client(t, receiver.port), OC_TRACE_CONFIG_PATH);
  config.send(current());
  await config.responsesAtLeast(1);
  assert.equal(updates(config)[0]!.node?.serviceInfo?.name, 'lib');
  const traces = new RawStream(client(t, receiver.port), OC_TRACE_EXPORT_PATH);
  traces.end();
  assert.equal((await traces.status).code, grpc.status.UNAUTHENTICATED, 'the export streams do need a token');
  assert.equal(registry.total(AUTH_FAILURES, { reason: 'missing' }), 1);
});
