// The OpenCensus receiver (55678): the agent protocol's gRPC services
// (TraceService Export and Config, MetricsService Export) and the HTTP/JSON
// gateway, on one port or two, plaintext or TLS (see listener.ts).
//
// close() stops accepting, lets each export stream finish and acknowledge the
// message in hand, then ends it with UNAVAILABLE (the client resends what was
// not acknowledged, elsewhere or later); Config streams end at once; gateway
// requests in flight finish. Whatever is still open at the deadline is cut.
import type { Duplex } from 'node:stream';
import { InvalidInputError } from '../../errors.js';
import { type Component, closeOnce } from '../../lifecycle.js';
import { watchedCertificates, type TlsFiles } from '../../net/tls.js';
import type { TelemetryConsumer } from '../../pipeline/consumer.js';
import { OC_TRACE_CONFIG_PATH } from '../../protocol/opencensus/index.js';
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/stats.js';
import type { Authenticator } from '../auth/authenticator.js';
import { DEFAULT_MAX_BODY_BYTES } from '../body.js';
import { bidiService, GrpcServer } from '../grpc-server.js';
import type { ExportDeps } from '../otlp/export.js';
import { ConfigStreams } from './config-streams.js';
import { Cors } from './cors.js';
import { METRICS, TRACES } from './export.js';
import { serveExportStream } from './export-stream.js';
import { Gateway } from './gateway.js';
import { SharedListener } from '../listener.js';
import { DEFAULT_TRACE_CONFIG, readTraceConfigFile, toOcTraceConfig, watchTraceConfigFile, type TraceConfigSettings } from './trace-config.js';

export interface OpenCensusReceiverOptions {
  /** 'host:port' of gRPC (and of the gateway unless gatewayEndpoint is set); the default is '0.0.0.0:55678'. */
  endpoint: string;
  /** A separate 'host:port' for the HTTP/JSON gateway; '' or absent: share endpoint. */
  gatewayEndpoint?: string;
  consumer: TelemetryConsumer;
  registry: Registry;
  /** Component name in self-metrics and logs; default 'opencensus'. */
  name?: string;
  /** Largest gRPC message and gateway body accepted, after decompression; default 4 MiB. */
  maxRecvMsgBytes?: number;
  /** Most a gateway body may inflate, as a multiple of its compressed size (see ../body.ts). */
  maxInflateRatio?: number;
  corsAllowedOrigins?: readonly string[];
  corsAllowedHeaders?: readonly string[];
  /** TLS (mutual with clientCaFile); plaintext when absent. */
  tls?: TlsFiles;
  /** Bearer tokens on the export streams and gateway requests (not the Config stream); none when absent. */
  auth?: Authenticator;
  /** The TraceConfig pushed to libraries; OpenCensus's defaults, sampling everything, when absent. */
  traceConfig?: TraceConfigSettings;
  /** A YAML or JSON file overriding traceConfig, watched for changes. */
  traceConfigFile?: string;
  /** How often the trace config file and the certificates are looked at; default 1 s. */
  fileCheckIntervalMs?: number;
  /** Time allowed for a connection's first bytes or TLS handshake; default 10 s. */
  firstBytesTimeoutMs?: number;
  /** Time the gateway allows for a request's headers; default 10 s. */
  headersTimeoutMs?: number;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** close() waits this long for work in flight; default 5 s. */
  closeTimeoutMs?: number;
  log?: Logger;
}

export class OpenCensusReceiver implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly options: OpenCensusReceiverOptions;
  private readonly deps: ExportDeps;
  private readonly grpc: GrpcServer;
  private readonly gateway: Gateway;
  private readonly configStreams: ConfigStreams;
  private readonly closing = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly baseTraceConfig: TraceConfigSettings;
  private listeners: SharedListener[] = [];
  private started = false;
  private stopWatching: (() => void) | undefined;

  constructor(options: OpenCensusReceiverOptions) {
    this.name = options.name ?? 'opencensus';
    this.options = options;
    this.deps = { consumer: options.consumer, registry: options.registry, stats: options.registry.component(this.name, 'receiver') };
    this.baseTraceConfig = checkedTraceConfig(options.traceConfig ?? DEFAULT_TRACE_CONFIG);
    this.configStreams = new ConfigStreams(toOcTraceConfig(this.baseTraceConfig), this.deps, this.closing.signal);
    const streamOptions = { deps: this.deps, closing: this.closing.signal };
    this.grpc = new GrpcServer({
      name: this.name,
      inject: true,
      maxRecvMsgBytes: options.maxRecvMsgBytes,
      keepaliveTimeMs: options.keepaliveTimeMs,
      keepaliveTimeoutMs: options.keepaliveTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs,
      auth: options.auth,
      services: [
        bidiService({
          [TRACES.grpcPath]: (call) => this.track(serveExportStream(call, TRACES, streamOptions)),
          [METRICS.grpcPath]: (call) => this.track(serveExportStream(call, METRICS, streamOptions)),
        }),
        // No token on the Config stream: no telemetry comes in through it (it
        // hands out the sampler, as Jaeger's sampling endpoint does), and the
        // Go library opens it without the headers of WithHeaders.
        { ...bidiService({ [OC_TRACE_CONFIG_PATH]: (call) => this.configStreams.serve(call) }), anonymous: true },
      ],
    });
    this.gateway = new Gateway({
      deps: this.deps,
      maxBodyBytes: options.maxRecvMsgBytes ?? DEFAULT_MAX_BODY_BYTES,
      maxInflateRatio: options.maxInflateRatio,
      headersTimeoutMs: options.headersTimeoutMs,
      cors: new Cors({ allowedOrigins: options.corsAllowedOrigins ?? [], allowedHeaders: options.corsAllowedHeaders ?? [] }),
      onError: (err) => options.log?.error('gateway request failed', { component: this.name, err }),
      auth: options.auth,
      component: `${this.name}/gateway`,
    });
    this.close = closeOnce(() => this.shutdown());
  }

  /** The gRPC port (and the gateway's when shared); only after start(). */
  get port(): number {
    const [first] = this.listeners;
    if (!first) throw new Error(`${this.name}: port is known only after start()`);
    return first.port;
  }

  /** The gateway's port: port unless gatewayEndpoint is set; only after start(). */
  get gatewayPort(): number {
    const listener = this.listeners[1] ?? this.listeners[0];
    if (!listener) throw new Error(`${this.name}: port is known only after start()`);
    return listener.port;
  }

  /** Open TraceService.Config streams. */
  get configStreamCount(): number {
    return this.configStreams.size;
  }

  /**
   * Replaces the TraceConfig and pushes it down every open Config stream (for
   * adaptive sampling). The trace config file, when it changes, replaces it
   * again: the last one set wins.
   */
  setTraceConfig(settings: TraceConfigSettings): void {
    this.configStreams.set(toOcTraceConfig(checkedTraceConfig(settings)));
  }

  async start(): Promise<void> {
    if (this.started) throw new Error(`${this.name}: already started`);
    this.started = true;
    const log = this.options.log?.child({ component: this.name });
    try {
      this.watchTraceConfigFile(log);
      this.listeners = this.createListeners(log);
      await this.grpc.start();
      for (const listener of this.listeners) await listener.start();
    } catch (err) {
      // Nobody closes a part whose start failed: undo what did start.
      await this.close().catch(() => undefined);
      throw err;
    }
  }

  private watchTraceConfigFile(log: Logger | undefined): void {
    const file = this.options.traceConfigFile;
    if (!file) return;
    // At start-up a bad file is a configuration error; later ones are logged and skipped.
    this.setTraceConfig(readTraceConfigFile(file, this.baseTraceConfig));
    this.stopWatching = watchTraceConfigFile(
      file,
      this.baseTraceConfig,
      this.options.fileCheckIntervalMs ?? 1_000,
      (settings) => {
        this.setTraceConfig(settings);
        log?.info('trace config reloaded', { file, sampler: settings.sampler, streams: this.configStreams.size });
      },
      (err) => log?.error('trace config file not applied; keeping the previous config', { err }),
    );
  }

  private createListeners(log: Logger | undefined): SharedListener[] {
    const o = this.options;
    // One set per port: each keeps its own reload state.
    const certificates = () => watchedCertificates(o.tls, { component: this.name, log, checkIntervalMs: o.fileCheckIntervalMs });
    const common = { firstBytesTimeoutMs: o.firstBytesTimeoutMs };
    const toGrpc = (c: Duplex) => this.grpc.injectConnection(c);
    const toGateway = (c: Duplex) => this.gateway.connection(c);
    if (!o.gatewayEndpoint) return [new SharedListener({ ...common, tls: certificates(), name: this.name, endpoint: o.endpoint, grpc: toGrpc, http: toGateway })];
    return [
      new SharedListener({ ...common, tls: certificates(), name: this.name, endpoint: o.endpoint, grpc: toGrpc }),
      new SharedListener({ ...common, tls: certificates(), name: `${this.name} gateway`, endpoint: o.gatewayEndpoint, http: toGateway }),
    ];
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async shutdown(): Promise<void> {
    const deadlineMs = this.options.closeTimeoutMs ?? 5_000;
    this.closing.abort();
    this.stopWatching?.();
    for (const listener of this.listeners) void listener.stopAccepting();
    let timer: NodeJS.Timeout | undefined;
    const results = await Promise.allSettled([
      this.gateway.close(deadlineMs),
      // tryShutdown, then cancels what is left at its deadline.
      this.grpc.close(),
      // Streams finishing their message in hand (the consumer may be slow).
      Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]),
    ]);
    clearTimeout(timer);
    for (const listener of this.listeners) listener.destroyAll();
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `${this.name}: close failed`);
  }
}

/** Checks values a program passes (the config file and section are checked by their schema). */
function checkedTraceConfig(s: TraceConfigSettings): TraceConfigSettings {
  if (!(s.samplingProbability >= 0 && s.samplingProbability <= 1)) {
    throw new InvalidInputError(`samplingProbability must be from 0 to 1, got ${s.samplingProbability}`);
  }
  for (const key of ['qps', 'maxNumberOfAttributes', 'maxNumberOfAnnotations', 'maxNumberOfMessageEvents', 'maxNumberOfLinks'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new InvalidInputError(`${key} must be an integer >= 1, got ${s[key]}`);
  }
  return { ...s };
}
