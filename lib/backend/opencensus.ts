// The OpenCensus agent protocol: traces and metrics over the long-lived
// bidirectional Export streams of opencensus-proto's TraceService and
// MetricsService, to another ocsvc, an OpenCensus Service or an
// OpenTelemetry Collector's opencensus receiver. Method paths are written by
// hand with identity serialisers, as in otlp-grpc.ts; the OC codec encodes.
// Each signal keeps numStreams streams and uses them round-robin, so that as
// many exports can be in flight; a stream that fails is replaced on a later
// export, after an exponential backoff while failures repeat.
import * as grpc from '@grpc/grpc-js';
import { InvalidInputError, OcsvcError } from '../errors.js';
import { closeOnce, sleep } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import {
  OC_METRICS_EXPORT_PATH,
  OC_TRACE_EXPORT_PATH,
  encodeMetricsRequestProto,
  encodeTraceRequestProto,
  metricsToOc,
  tracesToOc,
  type OcExportMetricsRequest,
  type OcExportTraceRequest,
} from '../protocol/opencensus/index.js';
import { ABORTED, type Backend, type ExportResult } from './backend.js';
import { grpcBackendChannel, type GrpcBackendOptions } from './grpc-unary.js';
import { OcExportStream, type Acknowledgements, type OcRequest } from './opencensus-stream.js';

/** headers: sent as metadata when each stream opens. timeoutMs: how long one export waits for its acknowledgement before the stream is given up. */
export interface OpenCensusOptions extends GrpcBackendOptions {
  /** Long-lived streams per signal; one export uses one of them, round-robin. */
  numStreams?: number;
  /**
   * 'response': ok only when the server wrote a response per message (ocsvc's
   * receiver does). 'none': ok when written and the stream did not fail
   * within a short settle time; for servers that never answer (the OpenCensus
   * Service, the OpenTelemetry Collector): at most once, data a server drops
   * after that is lost.
   */
  acknowledgements?: Acknowledgements;
}

export const OPENCENSUS_DEFAULTS = {
  insecure: false,
  compression: 'gzip',
  numStreams: 1,
  timeoutMs: 10_000, // 10 seconds
  acknowledgements: 'response',
} as const;

/** With acknowledgements 'none': a refusal of the server arrives well within this. */
export const NO_ACK_SETTLE_MS = 250;
/** Reconnection backoff after consecutive failures: 100 ms, doubling, up to 30 s. */
export const RECONNECT_BACKOFF = { initialMs: 100, maxMs: 30_000 } as const;
/** close() waits at most this long for acknowledgements still due. */
const CLOSE_GRACE_MS = 2_000; // 2 seconds

/**
 * How a stream asks for one response per message: ocsvc's receiver answers
 * only when asked, because stock OpenCensus exporters never read their Export
 * stream and unread answers would fill its HTTP/2 window.
 */
export const ACK_METADATA = { key: 'ocsvc-acks', value: 'per-message' } as const;

const identity = (bytes: Buffer): Buffer => bytes;

export class OpenCensusBackend implements Backend {
  readonly type = 'opencensus';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly client: grpc.Client;
  private readonly traces: StreamPool<OcExportTraceRequest>;
  private readonly metrics: StreamPool<OcExportMetricsRequest>;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: OpenCensusOptions) {
    this.name = options.name ?? this.type;
    this.timeoutMs = options.timeoutMs ?? OPENCENSUS_DEFAULTS.timeoutMs;
    // Reconnect on our schedule: grpc-js starts at 1 s, which would fail
    // the first streams after the backend comes back.
    const { client, metadata } = grpcBackendChannel(options, this.name, OPENCENSUS_DEFAULTS, {
      'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF.initialMs,
      'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF.maxMs,
    });
    this.client = client;
    const acknowledgements = options.acknowledgements ?? OPENCENSUS_DEFAULTS.acknowledgements;
    if (acknowledgements === 'response') metadata.set(ACK_METADATA.key, ACK_METADATA.value);
    const shared = {
      client: this.client,
      metadata,
      numStreams: options.numStreams ?? OPENCENSUS_DEFAULTS.numStreams,
      acknowledgements,
    };
    this.traces = new StreamPool({ ...shared, path: OC_TRACE_EXPORT_PATH, encode: encodeTraceRequestProto });
    this.metrics = new StreamPool({ ...shared, path: OC_METRICS_EXPORT_PATH, encode: encodeMetricsRequestProto });
    this.close = closeOnce(async () => {
      this.closed = true;
      const streams = [...this.traces.drain(), ...this.metrics.drain()];
      for (const stream of streams) stream.end();
      const grace = new AbortController();
      await Promise.race([
        Promise.all(streams.map((s) => s.whenIdle())),
        sleep(Math.min(CLOSE_GRACE_MS, this.timeoutMs), grace.signal).catch(() => undefined),
      ]);
      grace.abort();
      for (const stream of streams) stream.fail('the backend closed before the server acknowledged');
      this.client.close();
    });
  }

  async start(): Promise<void> {}

  exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    return this.send(this.traces, () => tracesToOc(traces), signal);
  }

  exportMetrics(metrics: Metrics, signal: AbortSignal): Promise<ExportResult> {
    return this.send(this.metrics, () => metricsToOc(metrics), signal);
  }

  private async send<R extends OcRequest>(pool: StreamPool<R>, translate: () => R[], signal: AbortSignal): Promise<ExportResult> {
    if (this.closed) throw new OcsvcError('BACKEND_CLOSED', `${this.name}: export after close`);
    if (signal.aborted) return ABORTED;
    let requests: R[];
    try {
      requests = translate();
    } catch (err) {
      // Data the protocol cannot carry is refused for good, like a server's INVALID_ARGUMENT.
      if (err instanceof InvalidInputError) return { status: 'rejected', reason: err.message };
      throw err;
    }
    if (requests.length === 0) return { status: 'ok' };
    const stream = pool.acquire();
    if (!(stream instanceof OcExportStream)) return stream;
    return stream.export(requests, signal, this.timeoutMs);
  }
}

interface PoolOptions<R> {
  client: grpc.Client;
  path: string;
  metadata: grpc.Metadata;
  numStreams: number;
  acknowledgements: Acknowledgements;
  encode: (request: R) => Uint8Array;
}

/** One signal's streams, opened on demand and replaced after failures. */
class StreamPool<R extends OcRequest> {
  private readonly o: PoolOptions<R>;
  private readonly slots: (OcExportStream<R> | undefined)[];
  private next = 0;
  private failures = 0;
  private retryAtMs = 0;
  private lastFailure = '';

  constructor(options: PoolOptions<R>) {
    this.o = options;
    this.slots = new Array<OcExportStream<R> | undefined>(options.numStreams).fill(undefined);
  }

  /** The next stream round-robin, opened if needed; a retryable result while backing off. */
  acquire(): OcExportStream<R> | ExportResult {
    const i = this.next;
    this.next = (this.next + 1) % this.slots.length;
    const current = this.slots[i];
    if (current !== undefined && !current.ended) return current;
    const waitMs = this.retryAtMs - Date.now();
    if (waitMs > 0) {
      // A stream that still works is better than waiting for this one.
      const live = this.slots.find((s) => s !== undefined && !s.ended);
      if (live !== undefined) return live;
      return { status: 'retryable', reason: `${this.lastFailure} (reconnecting in ${waitMs} ms)`, retryAfterMs: waitMs };
    }
    const stream = this.open();
    this.slots[i] = stream;
    return stream;
  }

  /** Every open stream; the pool forgets them. */
  drain(): OcExportStream<R>[] {
    const open = this.slots.filter((s): s is OcExportStream<R> => s !== undefined && !s.ended);
    this.slots.fill(undefined);
    return open;
  }

  private open(): OcExportStream<R> {
    const call = this.o.client.makeBidiStreamRequest(this.o.path, identity, identity, this.o.metadata.clone(), {});
    return new OcExportStream<R>({
      call,
      encode: this.o.encode,
      acknowledgements: this.o.acknowledgements,
      settleMs: NO_ACK_SETTLE_MS,
      onSuccess: () => {
        this.failures = 0;
        this.retryAtMs = 0;
      },
      onEnd: (failed, reason) => {
        if (!failed) return;
        this.failures++;
        this.lastFailure = reason;
        const delayMs = Math.min(RECONNECT_BACKOFF.initialMs * 2 ** (this.failures - 1), RECONNECT_BACKOFF.maxMs);
        this.retryAtMs = Date.now() + delayMs;
      },
    });
  }
}
