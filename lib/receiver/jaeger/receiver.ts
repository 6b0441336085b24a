// The Jaeger receiver: every transport a Jaeger client, agent or collector
// speaks, each served when its options are given, as one component (they
// start in order and stop in reverse, see lib/lifecycle.ts Group):
//
//   grpc           14250  CollectorService.PostSpans (api_v2 protobuf)    grpc.ts
//   thriftHttp     14268  POST /api/traces, Thrift Batch                  thrift-http.ts
//   thriftCompact   6831  UDP Agent.emitBatch, compact Thrift             udp-agent.ts
//   thriftBinary    6832  UDP Agent.emitBatch, binary Thrift              udp-agent.ts
//   sampling        5778  GET /sampling?service=NAME (and / for old clients)  sampling.ts
//
// All of them count under one component name ('jaeger' by default) in the
// self-metrics; UDP drops and sampling requests have their own counters.
import { type Component, closeOnce, Group } from '../../lifecycle.js';
import { watchedCertificates, type TlsFiles } from '../../net/tls.js';
import type { TelemetryConsumer } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/stats.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { ExportDeps } from '../otlp/export.js';
import { JaegerGrpcReceiver } from './grpc.js';
import { JaegerSamplingServer } from './sampling.js';
import { JaegerThriftHttpReceiver } from './thrift-http.js';
import { JaegerUdpReceiver } from './udp-agent.js';

export interface JaegerUdpOptions {
  endpoint: string;
  queueSize?: number;
  workers?: number;
  maxPacketBytes?: number;
  socketBufferBytes?: number;
}

export interface JaegerReceiverOptions {
  consumer: TelemetryConsumer;
  registry: Registry;
  /** Component name in self-metrics and logs; default 'jaeger'. */
  name?: string;
  /** Each TCP transport may have TLS (mutual with clientCaFile), certificates reloaded when their files change. */
  grpc?: { endpoint: string; maxRecvMsgBytes?: number; tls?: TlsFiles };
  thriftHttp?: { endpoint: string; maxRequestBytes?: number; maxInflateRatio?: number; tls?: TlsFiles };
  /** UDP has no TLS and no tokens: keep it on loopback or a trusted network. */
  thriftCompact?: JaegerUdpOptions;
  thriftBinary?: JaegerUdpOptions;
  sampling?: { endpoint: string; strategiesFile?: string; fileCheckIntervalMs?: number; tls?: TlsFiles };
  /** Bearer tokens on gRPC and Thrift HTTP (not on sampling, whose clients send no headers). */
  auth?: Authenticator;
  /** How often, at most, the certificate files are looked at; default 1 s. */
  fileCheckIntervalMs?: number;
  /** close() waits this long for work in flight, per transport; default 5 s. */
  closeTimeoutMs?: number;
  log?: Logger;
}

export class JaegerReceiver implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  readonly grpc: JaegerGrpcReceiver | undefined;
  readonly thriftHttp: JaegerThriftHttpReceiver | undefined;
  readonly thriftCompact: JaegerUdpReceiver | undefined;
  readonly thriftBinary: JaegerUdpReceiver | undefined;
  readonly sampling: JaegerSamplingServer | undefined;
  private readonly group: Group;

  constructor(o: JaegerReceiverOptions) {
    this.name = o.name ?? 'jaeger';
    const deps: ExportDeps = { consumer: o.consumer, registry: o.registry, stats: o.registry.component(this.name, 'receiver') };
    const log = o.log?.child({ component: this.name });
    const common = { deps, closeTimeoutMs: o.closeTimeoutMs };
    const certificates = (component: string, tls: TlsFiles | undefined) => watchedCertificates(tls, { component, log: o.log, checkIntervalMs: o.fileCheckIntervalMs });
    if (o.grpc) {
      const name = `${this.name}/grpc`;
      this.grpc = new JaegerGrpcReceiver({ ...common, ...o.grpc, name, tls: certificates(name, o.grpc.tls), auth: o.auth });
    }
    if (o.thriftHttp) {
      const name = `${this.name}/thrift_http`;
      this.thriftHttp = new JaegerThriftHttpReceiver({
        ...common,
        ...o.thriftHttp,
        name,
        tls: certificates(name, o.thriftHttp.tls),
        auth: o.auth,
        onError: (err) => log?.error('Thrift HTTP request failed', { err }),
      });
    }
    if (o.thriftCompact) this.thriftCompact = new JaegerUdpReceiver({ ...common, ...o.thriftCompact, name: `${this.name}/thrift_compact`, protocol: 'compact', log });
    if (o.thriftBinary) this.thriftBinary = new JaegerUdpReceiver({ ...common, ...o.thriftBinary, name: `${this.name}/thrift_binary`, protocol: 'binary', log });
    if (o.sampling) {
      const name = `${this.name}/sampling`;
      this.sampling = new JaegerSamplingServer({ ...o.sampling, name, tls: certificates(name, o.sampling.tls), registry: o.registry, closeTimeoutMs: o.closeTimeoutMs, log });
    }
    const parts = [this.sampling, this.grpc, this.thriftHttp, this.thriftCompact, this.thriftBinary].filter((p): p is NonNullable<typeof p> => p !== undefined);
    this.group = new Group(this.name, parts);
    this.close = closeOnce(() => this.group.close());
  }

  start(): Promise<void> {
    return this.group.start();
  }
}
