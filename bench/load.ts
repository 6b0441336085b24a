// OTLP load generator: sends pre-encoded ExportTraceServiceRequest bodies over
// OTLP/gRPC (grpc-js, a hand-written method passing raw bytes) or OTLP/HTTP
// (node:http, keep-alive), at a fixed rate of spans per second or flat out
// with N requests in flight, for a bounded duration. Reports what was sent,
// what the server accepted, errors by status, the achieved rate and latency.
//
//   tsx bench/load.ts --endpoint 127.0.0.1:4317 --transport grpc --rate 10000 --duration 30
//   tsx bench/load.ts --endpoint 127.0.0.1:4318 --transport http --concurrency 8 --duration 10   (flat out)
//
// runLoad() is the same thing as a function for the other bench scripts.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { decodeTraceResponseProto, TRACE_EXPORT_PATH } from '../lib/protocol/otlp/index.js';
import { buildRequestPool, TraceIdRewriter, type RequestPool, type TrafficShape } from './traffic.js';

export type Transport = 'grpc' | 'http';

export interface LoadOptions {
  /** host:port of the receiver. */
  endpoint: string;
  transport: Transport;
  /** Spans per second; 0 or undefined: flat out with `concurrency` requests in flight. */
  rate?: number;
  durationS: number;
  /** Requests in flight: the flat-out parallelism, and the cap at a fixed rate. Default 8 (flat out), 64 (rate). */
  concurrency?: number;
  shape?: TrafficShape;
  spansPerRequest?: number;
  spansPerTrace?: number;
  poolSize?: number;
  /** A pool built earlier (its own spansPerRequest wins). */
  pool?: RequestPool;
  /** New trace IDs on every request (default true); off, the pool's bodies are resent unchanged. */
  uniqueTraceIds?: boolean;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** OTLP/HTTP path. Default /v1/traces. */
  httpPath?: string;
  /** Stops sending early. */
  signal?: AbortSignal;
  /** TLS to the receiver, trusting this CA (PEM); plaintext when absent. The server certificate must name localhost. */
  tlsCa?: Buffer;
}

export interface LatencySummary {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LoadResult {
  transport: Transport;
  tls: boolean;
  mode: 'rate' | 'flat-out';
  shape: TrafficShape;
  /** The target, spans/s (0 flat out). */
  targetSpansPerS: number;
  concurrency: number;
  spansPerRequest: number;
  meanRequestBytes: number;
  /** Wall time from the first send until the last answer. */
  elapsedS: number;
  requests: number;
  sentSpans: number;
  /** Spans in requests answered with success, minus partial-success rejections. */
  acceptedSpans: number;
  /** Spans reported rejected in partial_success. */
  rejectedSpans: number;
  /** Failed requests by status: "grpc UNAVAILABLE", "http 503", "error ECONNRESET", ... */
  errors: Record<string, number>;
  /** The first message seen for each kind of error. */
  errorDetails: Record<string, string>;
  failedRequests: number;
  achievedSpansPerS: number;
  /** Fixed rate only: times a request was due but `concurrency` were in flight (the server falls behind). */
  delayedRequests: number;
  latency: LatencySummary;
  /** CPU seconds of this (the load generator's) process during the run. */
  clientCpuS: number;
}

type Answer = { ok: true; rejected: number } | { ok: false; error: string; detail: string };

interface Sender {
  send(body: Buffer): Promise<Answer>;
  close(): void;
}

function partialRejected(body: Buffer): number {
  if (body.length === 0) return 0;
  try {
    return decodeTraceResponseProto(body).rejected;
  } catch {
    return 0;
  }
}

function splitEndpoint(endpoint: string): { host: string; port: number } {
  const at = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(endpoint.slice(at + 1));
  if (at < 0 || !Number.isInteger(port)) throw new Error(`endpoint must be host:port, got ${endpoint}`);
  return { host, port };
}

const identity = (b: Buffer): Buffer => b;

function grpcSender(endpoint: string, timeoutMs: number, tlsCa: Buffer | undefined): Sender {
  // One channel (one HTTP/2 connection), as an SDK exporter uses.
  const credentials = tlsCa ? grpc.credentials.createSsl(tlsCa) : grpc.credentials.createInsecure();
  const client = new grpc.Client(endpoint, credentials, {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    ...(tlsCa ? { 'grpc.ssl_target_name_override': 'localhost' } : {}),
  });
  return {
    send: (body) =>
      new Promise((resolve) => {
        client.makeUnaryRequest<Buffer, Buffer>(
          TRACE_EXPORT_PATH,
          identity,
          identity,
          body,
          new grpc.Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err, response) => {
            if (err) resolve({ ok: false, error: `grpc ${grpc.status[err.code] ?? err.code}`, detail: err.details });
            else resolve({ ok: true, rejected: partialRejected(response ?? Buffer.alloc(0)) });
          },
        );
      }),
    close: () => client.close(),
  };
}

function httpSender(endpoint: string, path: string, timeoutMs: number, sockets: number, tlsCa: Buffer | undefined): Sender {
  const { host, port } = splitEndpoint(endpoint);
  const pool = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets };
  const agent = tlsCa ? new https.Agent({ ...pool, ca: tlsCa, servername: 'localhost' }) : new http.Agent(pool);
  const request = tlsCa ? https.request : http.request;
  return {
    send: (body) =>
      new Promise((resolve) => {
        let settled = false;
        const done = (a: Answer) => {
          if (!settled) {
            settled = true;
            resolve(a);
          }
        };
        const req = request(
          {
            host,
            port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              if (status === 200) done({ ok: true, rejected: partialRejected(Buffer.concat(chunks)) });
              else done({ ok: false, error: `http ${status}`, detail: Buffer.concat(chunks).toString('utf8').slice(0, 500) });
            });
            res.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: `error ${err.code ?? err.message}`, detail: err.message }));
          },
        );
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
        req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: `error ${err.code ?? err.message}`, detail: err.message }));
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

export function percentile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function summarise(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : 0,
    meanMs: latencies.length ? sum / latencies.length : 0,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool =
    options.pool ??
    buildRequestPool({ shape: options.shape, spansPerRequest: options.spansPerRequest, spansPerTrace: options.spansPerTrace, poolSize: options.poolSize });
  const rate = options.rate ?? 0;
  const mode = rate > 0 ? 'rate' : 'flat-out';
  const concurrency = options.concurrency ?? (mode === 'rate' ? 64 : 8);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const unique = options.uniqueTraceIds ?? true;
  const rewriter = new TraceIdRewriter();
  const sender =
    options.transport === 'grpc'
      ? grpcSender(options.endpoint, timeoutMs, options.tlsCa)
      : httpSender(options.endpoint, options.httpPath ?? '/v1/traces', timeoutMs, concurrency, options.tlsCa);

  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const errorDetails: Record<string, string> = {};
  let requests = 0;
  let sentSpans = 0;
  let acceptedSpans = 0;
  let rejectedSpans = 0;
  let failedRequests = 0;
  let delayedRequests = 0;
  let inFlight = 0;
  let next = 0;
  const pending = new Set<Promise<void>>();

  const sendOne = (): Promise<void> => {
    const req = pool.requests[next++ % pool.requests.length]!;
    const body = unique ? rewriter.rewrite(req) : req.body;
    requests++;
    sentSpans += req.spans;
    inFlight++;
    const t0 = performance.now();
    const p = sender.send(body).then((answer) => {
      inFlight--;
      latencies.push(performance.now() - t0);
      if (answer.ok) {
        acceptedSpans += req.spans - answer.rejected;
        rejectedSpans += answer.rejected;
      } else {
        failedRequests++;
        errors[answer.error] = (errors[answer.error] ?? 0) + 1;
        errorDetails[answer.error] ??= answer.detail;
      }
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const endAt = start + options.durationS * 1_000;
  const stopped = () => options.signal?.aborted === true || performance.now() >= endAt;

  if (mode === 'flat-out') {
    // Closed loop: each worker sends its next request when the last is answered.
    const worker = async () => {
      while (!stopped()) await sendOne();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } else {
    // Open loop: requests are due at a steady pace whatever the latency;
    // `concurrency` bounds what is in flight, and a due request that finds no
    // room is counted as delayed and sent as soon as one is answered.
    const requestsPerS = rate / pool.spansPerRequest;
    let wasDelayed = false;
    while (!stopped()) {
      const due = Math.floor(((performance.now() - start) / 1_000) * requestsPerS) + 1;
      while (requests < due && inFlight < concurrency) void sendOne();
      if (requests < due && !wasDelayed) delayedRequests++;
      wasDelayed = requests < due;
      if (requests < due) await Promise.race(pending);
      else await sleep(Math.max(1, Math.min(50, ((requests / requestsPerS) * 1_000 - (performance.now() - start)))));
    }
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - start) / 1_000;
  const cpu = process.cpuUsage(cpu0);
  sender.close();
  return {
    transport: options.transport,
    tls: options.tlsCa !== undefined,
    mode,
    shape: pool.shape,
    targetSpansPerS: rate,
    concurrency,
    spansPerRequest: pool.spansPerRequest,
    meanRequestBytes: Math.round(pool.meanBytes),
    elapsedS,
    requests,
    sentSpans,
    acceptedSpans,
    rejectedSpans,
    errors,
    errorDetails,
    failedRequests,
    achievedSpansPerS: acceptedSpans / elapsedS,
    delayedRequests,
    latency: summarise(latencies),
    clientCpuS: (cpu.user + cpu.system) / 1e6,
  };
}

export function formatLoadResult(r: LoadResult): string {
  const errs = Object.entries(r.errors)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const target = r.mode === 'rate' ? `${r.targetSpansPerS} spans/s` : `flat out, ${r.concurrency} in flight`;
  return [
    `OTLP/${r.transport} ${target}, ${r.shape} spans, ${r.spansPerRequest} spans/request (${r.meanRequestBytes} bytes)`,
    `  requests ${r.requests} (failed ${r.failedRequests}${errs ? `: ${errs}` : ''}${r.mode === 'rate' ? `; delayed ${r.delayedRequests}` : ''})`,
    `  spans sent ${r.sentSpans}, accepted ${r.acceptedSpans}, rejected ${r.rejectedSpans}`,
    `  ${r.elapsedS.toFixed(1)} s: ${Math.round(r.achievedSpansPerS)} spans/s accepted`,
    ...Object.entries(r.errorDetails).map(([k, v]) => `  first ${k}: ${v}`),
    `  latency ms: p50 ${r.latency.p50Ms.toFixed(1)}, p90 ${r.latency.p90Ms.toFixed(1)}, p99 ${r.latency.p99Ms.toFixed(1)}, max ${r.latency.maxMs.toFixed(1)}`,
    `  load generator CPU ${r.clientCpuS.toFixed(1)} s`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string', default: '127.0.0.1:4317' },
      transport: { type: 'string', default: 'grpc' },
      rate: { type: 'string', default: '0' },
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string' },
      'spans-per-request': { type: 'string', default: '100' },
      'spans-per-trace': { type: 'string' },
      shape: { type: 'string', default: 'app' },
      'pool-size': { type: 'string', default: '32' },
      'same-trace-ids': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'tsx bench/load.ts --endpoint HOST:PORT --transport grpc|http [--rate SPANS_PER_S (0 = flat out)] [--duration S]\n' +
        '  [--concurrency N] [--shape app|testbed] [--spans-per-request 100] [--spans-per-trace N] [--pool-size 32] [--same-trace-ids] [--json] [--ca CA.pem (TLS)]\n',
    );
    return;
  }
  if (values.shape !== 'app' && values.shape !== 'testbed') throw new Error(`--shape must be app or testbed, got ${values.shape}`);
  const transport = values.transport;
  if (transport !== 'grpc' && transport !== 'http') throw new Error(`--transport must be grpc or http, got ${transport}`);
  const durationS = Number(values.duration);
  if (!(durationS > 0 && durationS <= 3_600)) throw new Error('--duration must be in (0, 3600] seconds');
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const result = await runLoad({
    endpoint: values.endpoint,
    transport,
    rate: Number(values.rate),
    durationS,
    concurrency: values.concurrency === undefined ? undefined : Number(values.concurrency),
    spansPerRequest: Number(values['spans-per-request']),
    shape: values.shape as TrafficShape,
    spansPerTrace: values['spans-per-trace'] === undefined ? undefined : Number(values['spans-per-trace']),
    poolSize: Number(values['pool-size']),
    uniqueTraceIds: !values['same-trace-ids'],
    timeoutMs: Number(values['timeout-ms']),
    signal: abort.signal,
    tlsCa: values.ca === undefined ? undefined : readFileSync(values.ca),
  });
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatLoadResult(result)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
