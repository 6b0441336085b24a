// What the OpenCensus interop tests share: an ocsvc all-in-one process with
// the opencensus receiver on a free loopback port and a real OTLP backend
// (test/helpers/otlp-sink.ts) behind it, so that content is checked where it
// leaves ocsvc; a client process (the Go or Python program) run with a time
// bound, read as JSON lines; and the expectations both clients must meet.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { attr, type AnyValue, type KeyValue, type Resource } from '../../../lib/model/common.js';
import type { HistogramDataPoint, Metric, NumberDataPoint } from '../../../lib/model/metrics.js';
import type { Span } from '../../../lib/model/trace.js';
import { freePort } from '../../harness/free-port.js';
import { waitFor } from '../../harness/wait-for.js';
import { OtlpSink } from '../../helpers/otlp-sink.js';
import { scrape, startService, type ServiceProcess } from '../../helpers/service-process.js';

/** The bound on one client run; the clients bound each of their own waits at 20 s. */
export const CLIENT_TIMEOUT_MS = 45_000;
/** Through all-in-one (sampler decision wait 500 ms) to the sink. */
export const ARRIVAL_TIMEOUT_MS = 30_000;

/** receivers.opencensus.traceConfig keys, as the trace config file takes them. */
export type TraceConfigFile = Partial<{
  sampler: 'probability' | 'constant' | 'rate_limiting';
  samplingProbability: number;
  constantDecision: 'always_on' | 'always_off' | 'always_parent';
  qps: number;
}>;

export interface Collector {
  /** host:port of the opencensus receiver. */
  agent: string;
  sink: OtlpSink;
  service: ServiceProcess;
  /** Rewrites the trace config file and waits until the receiver pushes the new config down the tests' own Config stream. */
  setTraceConfig(config: TraceConfigFile): Promise<void>;
  /**
   * Stops the service with SIGTERM while the tests' own Config stream is still
   * open, as libraries keep theirs for life; resolves with its exit code.
   */
  stop(): Promise<number | null>;
}

// The tests' own view of the Config stream: a bare gRPC client that asks
// once and then only listens (it never reports back, unlike the libraries),
// decoding with protobufjs from the .proto files, independently of
// lib/protocol. It tells when the receiver has loaded a new trace config file.
const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
const CONFIG_PATH = '/opencensus.proto.agent.trace.v1.TraceService/Config';

function updatedLibraryConfigType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : join(PROTO_DIR, target));
  root.loadSync('opencensus/proto/agent/trace/v1/trace_service.proto');
  return root.lookupType('opencensus.proto.agent.trace.v1.UpdatedLibraryConfig');
}

/** The sampler of a pushed TraceConfig, spelled as the trace config file spells it. */
function samplerOf(pushed: Record<string, unknown>): TraceConfigFile {
  const config = (pushed.config ?? {}) as Record<string, Record<string, unknown> | undefined>;
  if (config.probabilitySampler) return { sampler: 'probability', samplingProbability: Number(config.probabilitySampler.samplingProbability ?? 0) };
  if (config.constantSampler) return { sampler: 'constant', constantDecision: String(config.constantSampler.decision ?? 'ALWAYS_OFF').toLowerCase() as 'always_on' };
  if (config.rateLimitingSampler) return { sampler: 'rate_limiting', qps: Number(config.rateLimitingSampler.qps ?? 0) };
  return {};
}

function configWatcher(t: TestContext, agent: string): { pushes: () => TraceConfigFile[]; close: () => void } {
  const type = updatedLibraryConfigType();
  const client = new grpc.Client(agent, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(CONFIG_PATH, (b: Buffer) => b, (b: Buffer) => b);
  const pushes: TraceConfigFile[] = [];
  call.on('data', (bytes: Buffer) => pushes.push(samplerOf(type.toObject(type.decode(bytes), { enums: String, longs: String, oneofs: true }))));
  call.on('error', () => undefined); // cancelled at the end
  call.write(Buffer.alloc(0)); // an empty CurrentLibraryConfig: "what should I use?"
  const close = () => {
    call.cancel();
    client.close();
  };
  t.after(close);
  return { pushes: () => pushes, close };
}

/**
 * all-in-one with only the opencensus receiver (OTLP receivers off, so no
 * fixed ports), the trace config from a file we can rewrite, and the sink as
 * its one backend, for traces and metrics.
 */
export async function startCollector(t: TestContext, traceConfig: TraceConfigFile = {}): Promise<Collector> {
  const sink = await OtlpSink.start(t);
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-oc-interop-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'trace-config.json');
  const write = async (config: TraceConfigFile) => {
    // Renamed into place: the receiver never reads a half-written file.
    const temp = join(dir, `.trace-config-${randomUUID()}.json`);
    await writeFile(temp, JSON.stringify(config));
    await rename(temp, configFile);
  };
  await write(traceConfig);
  const agent = `127.0.0.1:${await freePort()}`;
  const service = await startService(t, 'all-in-one', {
    OCSVC_RECEIVERS_OTLP_GRPC_ENABLED: 'false',
    OCSVC_RECEIVERS_OTLP_HTTP_ENABLED: 'false',
    OCSVC_RECEIVERS_OPENCENSUS_ENABLED: 'true',
    OCSVC_RECEIVERS_OPENCENSUS_ENDPOINT: agent,
    OCSVC_RECEIVERS_OPENCENSUS_TRACE_CONFIG_FILE: configFile,
    OCSVC_EXPORTER_BACKENDS: JSON.stringify([{ name: 'sink', type: 'otlp', endpoint: sink.grpcEndpoint, insecure: true, signals: ['traces', 'metrics'] }]),
    OCSVC_SAMPLER_DECISION_WAIT_MS: '500',
    OCSVC_SAMPLER_TICK_MS: '100',
  });
  const watcher = configWatcher(t, agent);
  const pushes = watcher.pushes;
  await waitFor(() => pushes().length > 0, { what: 'the receiver to answer a Config stream' });
  return {
    agent,
    sink,
    service,
    async setTraceConfig(config) {
      const seen = pushes().length;
      await write(config);
      await waitFor(() => pushes().slice(seen).some((p) => Object.entries(config).every(([k, v]) => p[k as keyof TraceConfigFile] === v)), {
        timeoutMs: 10_000,
        what: `the receiver to push ${JSON.stringify(config)} from the changed file`,
      });
    },
    async stop() {
      const code = await service.stop();
      watcher.close();
      return code;
    },
  };
}

/** Spans and data points the receiver counted in, per signal. */
export function receivedByReceiver(collector: Collector, signal: 'traces' | 'metrics'): Promise<number> {
  return scrape(collector.service, 'ocsvc_component_received_items_total', { component: 'opencensus', signal });
}

// ---- client processes ----

export type JsonLine = Record<string, unknown>;

export interface ClientProcess {
  readonly pid: number;
  /** The next JSON line on stdout (in order), within timeoutMs. */
  next(what: string, timeoutMs?: number): Promise<JsonLine>;
  /** Writes a line to the client's stdin. */
  send(line: string): void;
  /** Resolves once the client has exited with status 0 and every line it printed; rejects otherwise. */
  done(): Promise<JsonLine[]>;
}

/**
 * Runs a client program, killed after timeoutMs (and when the test ends).
 * Failures carry its stderr and stdout.
 */
export function startClient(t: TestContext, command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = CLIENT_TIMEOUT_MS): ClientProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const name = `${command.split('/').pop()} ${args[0] ?? ''}`;
  const lines: JsonLine[] = [];
  const raw: string[] = [];
  let stderr = '';
  let read = 0;
  let wake: (() => void) | undefined;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined);
  createInterface({ input: child.stdout }).on('line', (line) => {
    raw.push(line);
    try {
      lines.push(JSON.parse(line) as JsonLine);
    } catch {
      stderr += `(not JSON on stdout) ${line}\n`;
    }
    wake?.();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
      wake?.();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  t.after(() => {
    if (!gone) child.kill('SIGKILL');
  });
  const describe = () => `--- ${name} stderr ---\n${stderr.slice(-4_000)}\n--- stdout ---\n${raw.join('\n').slice(-4_000)}`;
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`could not run ${command}: ${err.message}`))));
  spawnError.catch(() => undefined);

  return {
    pid: child.pid ?? 0,
    async next(what, waitMs = timeoutMs) {
      const deadline = Date.now() + waitMs;
      while (read >= lines.length) {
        if (gone || Date.now() > deadline) throw new Error(`${name}: no line for ${what} (${gone ? 'exited' : `waited ${waitMs} ms`})\n${describe()}`);
        await Promise.race([
          new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 100);
          }),
          spawnError,
        ]);
      }
      return lines[read++]!;
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    async done() {
      child.stdin.end();
      const { code, signal } = await Promise.race([exited, spawnError]);
      if (timedOut) throw new Error(`${name}: killed after ${timeoutMs} ms\n${describe()}`);
      if (code !== 0) throw new Error(`${name}: exited with ${code ?? signal}\n${describe()}`);
      return lines;
    },
  };
}

// ---- what arrives at the sink ----

export interface ArrivedSpan {
  span: Span;
  resource: Resource;
}

export function arrivedSpans(sink: OtlpSink): ArrivedSpan[] {
  return sink.traces().flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource })))));
}

export interface ArrivedMetric {
  metric: Metric;
  resource: Resource;
}

export function arrivedMetrics(sink: OtlpSink): ArrivedMetric[] {
  return sink.metrics().flatMap((m) => m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => ({ metric, resource: rm.resource })))));
}

/** Waits until every span ID has arrived; returns them by span ID (the last copy of each). */
export async function waitForSpans(sink: OtlpSink, spanIds: string[]): Promise<Map<string, ArrivedSpan>> {
  return waitFor(
    () => {
      const byId = new Map(arrivedSpans(sink).map((a) => [a.span.spanId as string, a]));
      return spanIds.every((id) => byId.has(id)) ? byId : undefined;
    },
    { timeoutMs: ARRIVAL_TIMEOUT_MS, what: `spans ${spanIds.join(', ')} at the OTLP backend` },
  );
}

// ---- expectations ----

/** An attribute's type and value as a test states it. */
export type Expected = string | boolean | { int: bigint } | { double: number } | { strings: string[] };

function matches(value: AnyValue | undefined, want: Expected): boolean {
  if (value === undefined) return false;
  if (typeof want === 'string') return value.kind === 'string' && value.value === want;
  if (typeof want === 'boolean') return value.kind === 'bool' && value.value === want;
  if ('int' in want) return value.kind === 'int' && value.value === want.int;
  if ('double' in want) return value.kind === 'double' && value.value === want.double;
  return value.kind === 'array' && value.value.length === want.strings.length && value.value.every((v, i) => v.kind === 'string' && v.value === want.strings[i]);
}

const show = (attributes: readonly KeyValue[]) => JSON.stringify(attributes, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/** Each expected attribute is there with that type and value. */
export function assertAttributes(attributes: readonly KeyValue[], want: Record<string, Expected>, where: string): void {
  for (const [key, expected] of Object.entries(want)) {
    assert.ok(matches(attr(attributes, key), expected), `${where}: ${key} should be ${JSON.stringify(expected, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}; got ${show(attributes)}`);
  }
}

/**
 * Exactly these attributes besides the receiver's opencensus.* markers
 * (which record what OTLP has no field for), with these types and values.
 */
export function assertUserAttributes(attributes: readonly KeyValue[], want: Record<string, Expected>, where: string): void {
  assertAttributes(attributes, want, where);
  const user = attributes.filter((a) => !a.key.startsWith('opencensus.')).map((a) => a.key);
  assert.deepEqual(user.sort(), Object.keys(want).sort(), `${where}: attribute keys; got ${show(attributes)}`);
}

/**
 * The child span both client programs make: a "cache miss" annotation, then a
 * SENT message event, both within the span.
 */
export function assertChildEvents(child: Span): void {
  assert.equal(child.events.length, 2);
  const [annotation, message] = child.events;
  assert.equal(annotation!.name, 'cache miss');
  assertUserAttributes(annotation!.attributes, { 'cache.key': 'sku-42', attempt: { int: 2n }, stale: false }, 'annotation');
  assert.equal(message!.name, 'SENT');
  assertAttributes(
    message!.attributes,
    {
      'opencensus.timeevent.messageevent.type': 'SENT',
      'opencensus.timeevent.messageevent.id': { int: 7n },
      'opencensus.timeevent.messageevent.usize': { int: 1024n },
      'opencensus.timeevent.messageevent.csize': { int: 512n },
    },
    'message event',
  );
  for (const e of child.events) assert.ok(e.timeUnixNano >= child.startTimeUnixNano && e.timeUnixNano <= child.endTimeUnixNano, `event ${e.name} within the span`);
}

/** The child's one link, to the span the program reported, with its type and the user attributes the library kept. */
export function assertChildLink(child: Span, to: { traceId: string; spanId: string }, userAttributes: Record<string, Expected>): void {
  assert.equal(child.links.length, 1);
  const [link] = child.links;
  assert.equal(link!.traceId, to.traceId);
  assert.equal(link!.spanId, to.spanId);
  assertUserAttributes(link!.attributes, userAttributes, 'link');
  assertAttributes(link!.attributes, { 'opencensus.link.type': 'PARENT_LINKED_SPAN' }, 'link');
}

/** The resource a library's Node (and Resource) becomes. */
export function assertNodeResource(resource: Resource, want: { service: string; hostName: string; pid: number; language: string; coreLibraryVersion: string; exporterVersion: string }, where: string): void {
  assertAttributes(
    resource.attributes,
    {
      'service.name': want.service,
      'host.name': want.hostName,
      'process.pid': { int: BigInt(want.pid) },
      'telemetry.sdk.language': want.language,
      'telemetry.sdk.version': want.coreLibraryVersion,
      'opencensus.exporterversion': want.exporterVersion,
    },
    `${where} resource`,
  );
  const start = attr(resource.attributes, 'opencensus.starttime');
  assert.ok(start?.kind === 'string' && !Number.isNaN(Date.parse(start.value)), `${where} resource: opencensus.starttime is a time; got ${show(resource.attributes)}`);
}

// Both clients record the same values into the same views (go-client/metrics.go,
// python-client/client.py): requests GET/200 x3 (100, 200, 300 bytes; 5, 20,
// 70 ms) and POST/500 x1 (1000 bytes; 600 ms); queue depth 4 then 9;
// temperature 21.5 then 22.25.
type Labels = Record<string, string>;
export type ExpectedMetric =
  | { name: string; description: string; unit: string; kind: 'sum' | 'gauge'; points: [Labels, { int: bigint } | { double: number }][] }
  | { name: string; description: string; unit: string; kind: 'histogram'; bounds: number[]; points: [Labels, { count: bigint; sum: number; buckets: bigint[] }][] };

export const EXPECTED_METRICS: ExpectedMetric[] = [
  {
    name: 'interop/request_count',
    description: 'Requests served',
    unit: '1',
    kind: 'sum',
    points: [
      [{ method: 'GET', status: '200' }, { int: 3n }],
      [{ method: 'POST', status: '500' }, { int: 1n }],
    ],
  },
  {
    name: 'interop/response_bytes_total',
    description: 'Response sizes',
    unit: 'By',
    kind: 'sum',
    points: [
      [{ method: 'GET' }, { int: 600n }],
      [{ method: 'POST' }, { int: 1000n }],
    ],
  },
  {
    name: 'interop/latency_total_ms',
    description: 'Request latency',
    unit: 'ms',
    kind: 'sum',
    points: [
      [{ method: 'GET' }, { double: 95 }],
      [{ method: 'POST' }, { double: 600 }],
    ],
  },
  { name: 'interop/queue_depth', description: 'Queued requests', unit: '1', kind: 'gauge', points: [[{}, { int: 9n }]] },
  { name: 'interop/temperature', description: 'Board temperature', unit: 'Cel', kind: 'gauge', points: [[{}, { double: 22.25 }]] },
  {
    name: 'interop/latency_ms',
    description: 'Request latency',
    unit: 'ms',
    kind: 'histogram',
    bounds: [10, 50, 100, 500],
    points: [
      [{ method: 'GET' }, { count: 3n, sum: 95, buckets: [1n, 1n, 1n, 0n, 0n] }],
      [{ method: 'POST' }, { count: 1n, sum: 600, buckets: [0n, 0n, 0n, 0n, 1n] }],
    ],
  },
];

const labelsOf = (attributes: readonly KeyValue[]): string =>
  JSON.stringify(
    attributes.map((a) => [a.key, a.value.kind === 'string' ? a.value.value : `(${a.value.kind})`]).sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

/**
 * The latest point of each series of the metric (a library re-reports
 * cumulative values every interval, so earlier copies may have arrived too).
 */
function latestPoints<P extends NumberDataPoint | HistogramDataPoint>(copies: P[]): Map<string, P> {
  const out = new Map<string, P>();
  for (const p of copies) {
    const key = labelsOf(p.attributes);
    const seen = out.get(key);
    if (!seen || p.timeUnixNano >= seen.timeUnixNano) out.set(key, p);
  }
  return out;
}

/** Waits until every expected metric has arrived with its final values; asserts types, labels, values and resource. */
export async function assertMetricsArrive(sink: OtlpSink, service: string, checkResource: (resource: Resource, where: string) => void): Promise<void> {
  const mine = () => arrivedMetrics(sink).filter((m) => attr(m.resource.attributes, 'service.name')?.kind === 'string' && (attr(m.resource.attributes, 'service.name') as { value: string }).value === service);
  const final = (e: ExpectedMetric): boolean => {
    const copies = mine().filter((m) => m.metric.name === e.name);
    const points = copies.flatMap((c) => (c.metric.data.kind === 'empty' ? [] : (c.metric.data.dataPoints as (NumberDataPoint | HistogramDataPoint)[])));
    const latest = latestPoints(points);
    return e.points.every(([labels, value]) => {
      const p = latest.get(labelsOf(Object.entries(labels).map(([key, v]) => ({ key, value: { kind: 'string', value: v } }))));
      if (p === undefined) return false;
      return 'count' in value ? 'count' in p && p.count === value.count : 'value' in p && p.value !== undefined && (('int' in value && p.value.value === value.int) || ('double' in value && p.value.value === value.double));
    });
  };
  try {
    await waitFor(() => EXPECTED_METRICS.every(final), { timeoutMs: ARRIVAL_TIMEOUT_MS, what: `the final values of ${EXPECTED_METRICS.length} metrics` });
  } catch (err) {
    const got = mine().map((m) => `${m.metric.name} ${m.metric.data.kind}`);
    throw new Error(`${(err as Error).message}; arrived: ${got.join(', ') || 'nothing'}`, { cause: err });
  }

  for (const e of EXPECTED_METRICS) {
    const copies = mine().filter((m) => m.metric.name === e.name);
    const where = `metric ${e.name}`;
    for (const { metric, resource } of copies) {
      checkResource(resource, where);
      assert.equal(metric.description, e.description, `${where}: description`);
      assert.equal(metric.unit, e.unit, `${where}: unit`);
      assert.equal(metric.data.kind, e.kind, `${where}: kind`);
    }
    const data = copies.at(-1)!.metric.data;
    if (data.kind === 'sum' || data.kind === 'histogram') assert.equal(data.aggregationTemporality, 2, `${where}: cumulative`);
    if (data.kind === 'sum') assert.equal(data.isMonotonic, true, `${where}: monotonic`);
    const all = copies.flatMap((c) => (c.metric.data.kind === 'empty' ? [] : (c.metric.data.dataPoints as (NumberDataPoint | HistogramDataPoint)[])));
    const latest = latestPoints(all);
    assert.deepEqual(
      [...latest.keys()].sort(),
      e.points.map(([labels]) => labelsOf(Object.entries(labels).map(([key, v]) => ({ key, value: { kind: 'string' as const, value: v } })))).sort(),
      `${where}: one series per label set, labels as string attributes`,
    );
    for (const [labels, value] of e.points) {
      const p = latest.get(labelsOf(Object.entries(labels).map(([key, v]) => ({ key, value: { kind: 'string', value: v } }))))!;
      const at = `${where} ${JSON.stringify(labels)}`;
      assert.ok(p.timeUnixNano > 0n, `${at}: has a time`);
      if (e.kind !== 'gauge') assert.ok(p.startTimeUnixNano > 0n && p.startTimeUnixNano <= p.timeUnixNano, `${at}: start time before time`);
      if ('count' in value) {
        assert.ok('bucketCounts' in p, `${at}: a histogram point`);
        const h = p as HistogramDataPoint;
        assert.deepEqual(h.explicitBounds, e.kind === 'histogram' ? e.bounds : [], `${at}: bounds`);
        assert.equal(h.count, value.count, `${at}: count`);
        assert.equal(h.sum, value.sum, `${at}: sum`);
        assert.deepEqual(h.bucketCounts, value.buckets, `${at}: bucket counts`);
      } else {
        const n = p as NumberDataPoint;
        assert.deepEqual(n.value, 'int' in value ? { kind: 'int', value: value.int } : { kind: 'double', value: value.double }, `${at}: value and its type`);
      }
    }
  }
}
