// The Jaeger agent's UDP endpoints: one Agent.emitBatch message per datagram,
// compact Thrift on 6831 (jaeger-client-go, Java, Python...) and binary on
// 6832 (jaeger-client-node). UDP cannot push back, so what cannot be handed
// on is dropped, and every dropped datagram is counted with its reason in
// ocsvc_receiver_udp_dropped_packets_total:
//
//   too_large   longer than maxPacketBytes
//   queue_full  queueSize datagrams already wait for a worker
//   malformed   not an emitBatch message we can read (also counted in
//               ocsvc_receiver_malformed_requests_total)
//   refused     the pipeline refused the batch (Kafka down, bus full): its
//               spans are also counted dropped, as UDP cannot retry
//   shutdown    still queued when close() ran out of time
//
// Datagrams wait in a bounded queue; `workers` of them are handed on at once
// (decoding is synchronous; the hand-over waits for Kafka's acknowledgement).
// A malformed datagram costs only itself: the socket keeps receiving.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type Component, closeOnce } from '../../lifecycle.js';
import { parseEndpoint } from '../../net/endpoint.js';
import { spanCount, type Traces } from '../../model/trace.js';
import { decodeJaegerAgentDatagram, type ThriftProtocol } from '../../protocol/jaeger/index.js';
import type { Logger } from '../../telemetry/log.js';
import { malformed, type ExportDeps } from '../otlp/export.js';
import { outcomeFromError } from '../outcome.js';
import type { Outcome } from '../../pipeline/consumer.js';

export const UDP_PACKETS = 'ocsvc_receiver_udp_packets_total';
export const UDP_DROPPED = 'ocsvc_receiver_udp_dropped_packets_total';
export const UDP_QUEUED = 'ocsvc_receiver_udp_queued_packets';
const UDP_PACKETS_HELP = 'Datagrams received by a UDP receiver.';
const UDP_DROPPED_HELP = 'Datagrams a UDP receiver dropped, by reason (too_large, queue_full, malformed, refused, shutdown).';

export type UdpDropReason = 'too_large' | 'queue_full' | 'malformed' | 'refused' | 'shutdown';

/** The Jaeger agent's defaults. */
export const UDP_AGENT_DEFAULTS = {
  queueSize: 1_000,
  workers: 10,
  /** The largest datagram jaeger clients send (their packet size limit). */
  maxPacketBytes: 65_000,
  /** 0: the operating system's default receive buffer. */
  socketBufferBytes: 0,
} as const;

export interface JaegerUdpReceiverOptions {
  name: string;
  /** 'host:port'; Jaeger's defaults are '0.0.0.0:6831' (compact) and '0.0.0.0:6832' (binary). */
  endpoint: string;
  protocol: ThriftProtocol;
  deps: ExportDeps;
  queueSize?: number;
  workers?: number;
  maxPacketBytes?: number;
  /** SO_RCVBUF; raise it for bursts (the kernel may cap it: net.core.rmem_max). 0 keeps the OS default. */
  socketBufferBytes?: number;
  /** close() waits this long for queued datagrams; default 5 s. */
  closeTimeoutMs?: number;
  log?: Logger;
}

export class JaegerUdpReceiver implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly o: JaegerUdpReceiverOptions;
  private readonly queueSize: number;
  private readonly workers: number;
  private readonly maxPacketBytes: number;
  private readonly queue: { packet: Buffer; peer: string; receivedAtMs: number }[] = [];
  private socket: dgram.Socket | undefined;
  private active = 0;
  private idle: (() => void) | undefined;
  private stopCollecting: (() => void) | undefined;

  constructor(options: JaegerUdpReceiverOptions) {
    this.o = options;
    this.name = options.name;
    this.queueSize = options.queueSize ?? UDP_AGENT_DEFAULTS.queueSize;
    this.workers = options.workers ?? UDP_AGENT_DEFAULTS.workers;
    this.maxPacketBytes = options.maxPacketBytes ?? UDP_AGENT_DEFAULTS.maxPacketBytes;
    this.close = closeOnce(() => this.shutdown());
  }

  /** The bound port; only after start(). */
  get port(): number {
    if (!this.socket) throw new Error(`${this.name}: port is known only after start()`);
    return this.socket.address().port;
  }

  /** Datagrams waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    if (this.socket) throw new Error(`${this.name}: already started`);
    const { host, port } = parseEndpoint(this.o.endpoint);
    const bufferBytes = this.o.socketBufferBytes ?? UDP_AGENT_DEFAULTS.socketBufferBytes;
    const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ...(bufferBytes > 0 ? { recvBufferSize: bufferBytes } : {}) });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`${this.name}: cannot listen on ${this.o.endpoint}: ${err.message}`, { cause: err }));
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    // After binding, a socket error (rare for UDP) is logged; the socket keeps serving.
    socket.on('error', (err) => this.o.log?.warn('UDP socket error', { component: this.name, err }));
    socket.on('message', (packet, rinfo) => this.receive(packet, `${rinfo.address}:${rinfo.port}`));
    this.stopCollecting = this.o.deps.registry.collect(() => [
      { name: UDP_QUEUED, help: 'Datagrams waiting for a worker (at queueSize, more are dropped).', type: 'gauge', labels: { component: this.name }, value: this.queue.length },
    ]);
  }

  private count(name: string, help: string, labels: Record<string, string>): void {
    this.o.deps.registry.add(name, help, { component: this.name, ...labels }, 1);
  }

  private drop(reason: UdpDropReason): void {
    this.count(UDP_DROPPED, UDP_DROPPED_HELP, { reason });
  }

  private receive(packet: Buffer, peer: string): void {
    this.count(UDP_PACKETS, UDP_PACKETS_HELP, {});
    if (packet.length > this.maxPacketBytes) return this.drop('too_large');
    if (this.queue.length >= this.queueSize) return this.drop('queue_full');
    this.queue.push({ packet, peer, receivedAtMs: Date.now() });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.workers && this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.active++;
      void this.handle(item.packet, item.peer, item.receivedAtMs).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0) this.idle?.();
      });
    }
  }

  private async handle(packet: Buffer, peer: string, receivedAtMs: number): Promise<void> {
    const deps = this.o.deps;
    let traces: Traces;
    try {
      traces = decodeJaegerAgentDatagram(packet, this.o.protocol);
    } catch (err) {
      const outcome = malformed(deps, 'traces', `malformed Jaeger Thrift (${this.o.protocol}) datagram from ${peer}`, err);
      this.drop('malformed');
      if (outcome.status === 'rejected') this.o.log?.debug('datagram dropped', { component: this.name, reason: outcome.reason });
      return;
    }
    const items = spanCount(traces);
    if (items === 0) return;
    deps.stats.received(items, 'traces');
    let outcome: Outcome;
    try {
      outcome = await deps.consumer.consumeTraces(traces, { protocol: `jaeger/thrift_${this.o.protocol}`, peer, receivedAtMs });
    } catch (err) {
      outcome = outcomeFromError(err);
    }
    if (outcome.status === 'ok') {
      deps.stats.sent(items, 'traces');
      return;
    }
    this.drop('refused');
    deps.stats.dropped(items, outcome.status === 'retryable' ? outcome.reason : 'invalid', 'traces');
  }

  private async shutdown(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.stopCollecting?.();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (this.active > 0 || this.queue.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.idle = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.closeTimeoutMs ?? 5_000))),
      ]);
      clearTimeout(timer);
    }
    for (const _ of this.queue.splice(0)) this.drop('shutdown');
  }
}
