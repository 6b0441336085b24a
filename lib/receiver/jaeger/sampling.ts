// Jaeger remote sampling on 5778, the agent's endpoint that jaeger clients
// poll: GET /sampling?service=NAME answers api_v2's SamplingStrategyResponse
// as JSON; GET /?service=NAME the same with Thrift's numbered strategyType,
// for clients from before /sampling. Strategies come from a file in Jaeger's
// format (strategies.ts), re-read when it changes; without one every service
// samples everything.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Component, closeOnce } from '../../lifecycle.js';
import type { TlsCertificates } from '../../net/tls.js';
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/stats.js';
import { HttpServer, send } from '../http-server.js';
import { defaultStrategies, strategyFor, StrategiesFile, type Strategies } from './strategies.js';

export const SAMPLING_REQUESTS = 'ocsvc_receiver_sampling_requests_total';
const SAMPLING_REQUESTS_HELP = 'Sampling strategy requests answered, by endpoint and status.';

export interface JaegerSamplingServerOptions {
  name: string;
  /** 'host:port'; Jaeger's default is '0.0.0.0:5778'. */
  endpoint: string;
  /** A strategies file in Jaeger's format; '' or absent: sample everything. */
  strategiesFile?: string;
  /** How often, at most, the file is looked at for changes; default 1 s. */
  fileCheckIntervalMs?: number;
  registry: Registry;
  closeTimeoutMs?: number;
  /** TLS; there is no bearer-token check here (jaeger clients send no headers when they poll; see docs/security.md). */
  tls?: TlsCertificates;
  log?: Logger;
}

export class JaegerSamplingServer implements Component {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly o: JaegerSamplingServerOptions;
  private readonly server: HttpServer;
  private strategies: () => Strategies = defaultStrategies;

  constructor(o: JaegerSamplingServerOptions) {
    this.name = o.name;
    this.o = o;
    this.server = new HttpServer({
      name: o.name,
      endpoint: o.endpoint,
      closeTimeoutMs: o.closeTimeoutMs,
      tls: o.tls,
      onError: (err) => o.log?.error('sampling request failed', { component: o.name, err }),
      routes: [
        { path: '/sampling', methods: ['GET'], handle: async (req, res) => this.answer(req, res, false) },
        { path: '/', methods: ['GET'], handle: async (req, res) => this.answer(req, res, true) },
      ],
    });
    this.close = closeOnce(() => this.server.close());
  }

  get port(): number {
    return this.server.port;
  }

  async start(): Promise<void> {
    const path = this.o.strategiesFile;
    if (path) {
      // At start-up an unusable file is a configuration error; later ones are logged and skipped.
      const file = new StrategiesFile(path, {
        checkIntervalMs: this.o.fileCheckIntervalMs,
        onReload: () => this.o.log?.info('sampling strategies reloaded', { component: this.name, file: path }),
        onError: (err) => this.o.log?.error('sampling strategies file not applied; keeping the previous strategies', { component: this.name, err }),
      });
      this.strategies = () => file.get();
    }
    await this.server.start();
  }

  private answer(req: IncomingMessage, res: ServerResponse, legacy: boolean): void {
    const endpoint = legacy ? '/' : '/sampling';
    const services = new URL(req.url ?? '/', 'http://localhost').searchParams.getAll('service');
    if (services.length !== 1 || services[0] === '') {
      this.count(endpoint, 400);
      send(res, 400, 'text/plain; charset=utf-8', "'service' parameter must be provided once\n");
      return;
    }
    this.count(endpoint, 200);
    send(res, 200, 'application/json', JSON.stringify(strategyFor(this.strategies(), services[0]!, legacy)));
  }

  private count(endpoint: string, status: number): void {
    this.o.registry.add(SAMPLING_REQUESTS, SAMPLING_REQUESTS_HELP, { component: this.name, endpoint, status: String(status) }, 1);
  }
}
