// A real Jaeger (v2, github.com/jaegertracing/jaeger/cmd/jaeger from the Go
// module proxy) for the tests of the jaeger backend: built once by
// test/harness/go.ts from test/interop/jaeger/jaeger-server/go.mod (a cold
// build takes minutes), started on free loopback ports with its in-memory
// storage, its collector's gRPC receiver (api_v2 PostSpans, what the backend
// sends) and its query service, whose HTTP API (GET /api/traces/{id}) the
// tests read back. Stopped with the test; a crashed test run cannot leave it
// behind (guarded-process.ts).
//
// No Go toolchain: the test skips locally and fails under CI.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePorts } from './free-port.js';
import { goProgram } from './go.js';
import { logTail, spawnGuarded } from './guarded-process.js';
import { waitFor } from './wait-for.js';

export const JAEGER_SERVER_MODULE = fileURLToPath(new URL('../interop/jaeger/jaeger-server', import.meta.url));
export const JAEGER_SERVER_NAME = 'jaeger-server';
export const JAEGER_SERVER_PACKAGE = 'github.com/jaegertracing/jaeger/cmd/jaeger';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface JaegerServer {
  /** host:port of the collector's gRPC receiver (api_v2 CollectorService). */
  grpcEndpoint: string;
  /** Base URL of the query service's HTTP API. */
  queryUrl: string;
  /** The trace as Jaeger's query API returns it (data[0]), or undefined while it has none. */
  trace(traceId: string): Promise<JaegerQueryTrace | undefined>;
}

/** The parts of Jaeger's query API (model/json) the tests read. */
export interface JaegerQueryTrace {
  traceID: string;
  spans: {
    traceID: string;
    spanID: string;
    operationName: string;
    references: { refType: string; traceID: string; spanID: string }[];
    startTime: number;
    duration: number;
    tags: { key: string; type: string; value: unknown }[];
    logs: { timestamp: number; fields: { key: string; type: string; value: unknown }[] }[];
    processID: string;
  }[];
  processes: Record<string, { serviceName: string; tags: { key: string; type: string; value: unknown }[] }>;
}

function config(ports: { grpc: number; queryHttp: number; queryGrpc: number; health: number }): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [jaeger]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: 127.0.0.1:${ports.queryHttp}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.health}
receivers:
  jaeger:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.grpc}
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`;
}

/** A Jaeger for the test, stopped when it ends; undefined after skipping it without Go (throws under CI=true instead). */
export async function jaegerServer(t: TestContext): Promise<JaegerServer | undefined> {
  const binary = await goProgram(t, JAEGER_SERVER_MODULE, JAEGER_SERVER_NAME, JAEGER_SERVER_PACKAGE);
  if (binary === undefined) return undefined;
  const [grpc, queryHttp, queryGrpc, health] = (await freePorts(4)) as [number, number, number, number];
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-jaeger-'));
  const logFile = join(dir, 'jaeger.log');
  await writeFile(join(dir, 'config.yaml'), config({ grpc, queryHttp, queryGrpc, health }));
  const proc = await spawnGuarded(binary, ['--config', join(dir, 'config.yaml')], { logFile, cwd: dir, cleanupDir: dir });
  t.after(async () => {
    await proc.stop(STOP_TIMEOUT_MS);
    await rm(dir, { recursive: true, force: true });
  });
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`Jaeger exited during start-up (status ${String(await proc.exited)}); log tail:\n${await logTail(logFile)}`);
      const res = await fetch(`http://127.0.0.1:${health}/status`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      return res?.ok === true;
    },
    { timeoutMs: READY_TIMEOUT_MS, what: 'Jaeger healthy' },
  );
  const queryUrl = `http://127.0.0.1:${queryHttp}`;
  return {
    grpcEndpoint: `127.0.0.1:${grpc}`,
    queryUrl,
    async trace(traceId) {
      const res = await fetch(`${queryUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`Jaeger GET /api/traces/${traceId}: HTTP ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { data: JaegerQueryTrace[] | null };
      return body.data?.[0];
    },
  };
}
