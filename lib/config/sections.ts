// The configuration sections. Each service's schema (schemas.ts) is a choice
// of these; the shared kafka and redis sections are written once here.
// Defaults make a local run work; docs/configuration.md is generated from this
// file (npm run docs:config), so every `doc` is user-facing text.
import convict from 'convict';
import os from 'node:os';
import type { BackendConfig } from './backends.js';
import { DEFAULT_POLICIES, type PolicyConfig } from './policies.js';

export interface ServiceSection {
  /** This instance's name: the Kafka client ID, the sender header, the log binding. */
  name: string;
  shutdownTimeoutMs: number;
}
export interface LogSection {
  level: 'debug' | 'info' | 'warn' | 'error';
  format: 'json' | 'text';
}
export interface AdminSection {
  health: string;
  metrics: string;
  operator: string;
}
export interface TopicsSection {
  spans: string;
  metrics: string;
  spansSampled: string;
}
export interface KafkaTlsSection {
  enabled: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
}
export interface KafkaSaslSection {
  mechanism: '' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  passwordFile: string;
}
export interface KafkaSection {
  brokers: string[];
  tls: KafkaTlsSection;
  sasl: KafkaSaslSection;
  createTopics: boolean;
  partitions: number;
  replicationFactor: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  sessionTimeoutMs: number;
  topics: TopicsSection;
}
export interface RedisSection {
  url: string;
  passwordFile: string;
  tls: { caFile: string; certFile: string; keyFile: string };
  keyPrefix: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}
export interface TlsServerSection {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
}
export interface ReceiverAuthSection {
  tokensFile: string;
  required: boolean;
  tenantRateLimit: { unit: 'requests' | 'items'; ratePerSecond: number; burst: number };
}
export interface OtlpReceiverSection {
  grpc: { enabled: boolean; endpoint: string; maxRecvMsgBytes: number; tls: TlsServerSection };
  http: { enabled: boolean; endpoint: string; maxRequestBytes: number; tls: TlsServerSection };
}
export interface OpenCensusTraceConfigSection {
  sampler: 'probability' | 'constant' | 'rate_limiting';
  samplingProbability: number;
  constantDecision: 'always_on' | 'always_off' | 'always_parent';
  qps: number;
  maxNumberOfAttributes: number;
  maxNumberOfAnnotations: number;
  maxNumberOfMessageEvents: number;
  maxNumberOfLinks: number;
}
export interface OpenCensusReceiverSection {
  enabled: boolean;
  endpoint: string;
  gatewayEndpoint: string;
  maxRecvMsgBytes: number;
  corsAllowedOrigins: string[];
  corsAllowedHeaders: string[];
  tls: TlsServerSection;
  traceConfig: OpenCensusTraceConfigSection;
  traceConfigFile: string;
}
export interface JaegerUdpSection {
  enabled: boolean;
  endpoint: string;
  queueSize: number;
  workers: number;
  maxPacketBytes: number;
  socketBufferBytes: number;
}
export interface JaegerReceiverSection {
  enabled: boolean;
  grpc: { enabled: boolean; endpoint: string; maxRecvMsgBytes: number; tls: TlsServerSection };
  thriftHttp: { enabled: boolean; endpoint: string; maxRequestBytes: number; tls: TlsServerSection };
  thriftCompact: JaegerUdpSection;
  thriftBinary: JaegerUdpSection;
  sampling: { enabled: boolean; endpoint: string; strategiesFile: string; tls: TlsServerSection };
}
export interface ZipkinReceiverSection {
  enabled: boolean;
  endpoint: string;
  maxRequestBytes: number;
  tls: TlsServerSection;
}
export interface ReceiversSection {
  auth: ReceiverAuthSection;
  otlp: OtlpReceiverSection;
  opencensus: OpenCensusReceiverSection;
  jaeger: JaegerReceiverSection;
  zipkin: ZipkinReceiverSection;
  limits: { maxSpansPerRequest: number; maxDataPointsPerRequest: number; maxAttributes: number; maxAttributeValueBytes: number; maxInflateRatio: number };
}
export interface SamplerSection {
  groupId: string;
  policies: PolicyConfig[];
  invertedDecisions: boolean;
  decisionWaitMs: number;
  rootQuietMs: number;
  maxSpansPerTrace: number;
  maxBytesPerTrace: number;
  decisionTtlMs: number;
  tickMs: number;
  maxBufferedBytes: number;
  decideOnShutdown: boolean;
}
export interface ExporterSection {
  groupPrefix: string;
  backends: BackendConfig[];
  maxBatchItems: number;
  retry: { initialIntervalMs: number; maxIntervalMs: number; multiplier: number; maxElapsedMs: number };
  deadLetter: { enabled: boolean; topicPrefix: string };
}
export interface ForwardSection {
  endpoint: string;
  protocol: 'otlp' | 'opencensus';
  insecure: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  compression: 'gzip' | 'none';
  timeoutMs: number;
}
export interface SpoolSection {
  enabled: boolean;
  directory: string;
  maxBytes: number;
  segmentBytes: number;
  fsync: 'always' | 'interval';
  fsyncIntervalMs: number;
  kafkaTimeoutMs: number;
  drainBatchRecords: number;
  drainBatchBytes: number;
}
export interface BusSection {
  maxBytes: number;
  partitions: number;
}

const MiB = 1024 * 1024;

export const serviceSection = (role: string) => ({
  name: {
    doc: 'Name of this instance: Kafka client ID, the sender header on published records, and a log field.',
    format: String,
    default: `${role}-${os.hostname()}`,
  },
  shutdownTimeoutMs: {
    doc: 'On SIGTERM or SIGINT, how long in-flight work may take to drain before the process exits anyway.',
    format: 'positive-int',
    default: 30_000,
  },
});

export const logSection = {
  level: { doc: 'Lowest level logged.', format: ['debug', 'info', 'warn', 'error'], default: 'info' },
  format: { doc: 'json: one JSON object per line; text: human-readable.', format: ['json', 'text'], default: 'json' },
};

export const adminSection = {
  health: {
    doc: 'host:port of the health endpoint (GET / and /health/ready: 200 ready, 503 not ready); "" disables it.',
    format: 'optional-endpoint',
    default: '127.0.0.1:13133',
  },
  metrics: {
    doc: 'host:port of the self-metrics endpoint (GET /metrics, Prometheus text format); "" disables it.',
    format: 'optional-endpoint',
    default: '127.0.0.1:8888',
  },
  operator: {
    doc: 'host:port of the operator page (components and their counters); "" disables it.',
    format: 'optional-endpoint',
    default: '127.0.0.1:55679',
  },
};

export const kafkaSection = {
  brokers: { doc: 'Bootstrap brokers, host:port, comma-separated in the environment.', format: 'broker-list', default: ['127.0.0.1:9092'] },
  createTopics: {
    doc: 'Create missing topics at start-up with the partition count and replication factor below.',
    format: 'boolean',
    default: true,
  },
  partitions: {
    doc: 'Partitions of topics created at start-up. Over-provision: adding partitions later moves trace IDs to other partitions.',
    format: 'positive-int',
    default: 12,
  },
  replicationFactor: {
    doc: 'Replication factor of topics created at start-up; use 3 in production (docs/operations.md).',
    format: 'positive-int',
    default: 1,
  },
  connectionTimeoutMs: { doc: 'Timeout of a broker connection attempt.', format: 'positive-int', default: 3_000 },
  requestTimeoutMs: {
    doc: 'Timeout of a Kafka request; a produce that has not been acknowledged by then is answered to the client as retryable.',
    format: 'positive-int',
    default: 10_000,
  },
  sessionTimeoutMs: {
    doc: 'Consumer group session timeout: how long a silent consumer keeps its partitions.',
    format: 'positive-int',
    default: 30_000,
  },
  tls: {
    enabled: { doc: 'Connect to the brokers over TLS (their SSL or SASL_SSL listeners).', format: 'boolean', default: false },
    caFile: { doc: 'PEM CA bundle that signed the brokers\' certificates (a private CA); "": the system root certificates.', format: String, default: '' },
    certFile: {
      doc: 'PEM client certificate for mutual TLS (ssl.client.auth=required), with keyFile; "": none. Re-read when it changes: new broker connections use the new files.',
      format: String,
      default: '',
    },
    keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
  },
  sasl: {
    mechanism: {
      doc: 'SASL mechanism of the brokers\' SASL_PLAINTEXT or SASL_SSL listener: plain, scram-sha-256 or scram-sha-512; "": no SASL. Use plain only with tls.enabled.',
      format: ['', 'plain', 'scram-sha-256', 'scram-sha-512'],
      default: '',
    },
    username: { doc: 'SASL user name.', format: String, default: '' },
    passwordFile: {
      doc: 'File holding the SASL password (one trailing newline is ignored); "": the environment variable OCSVC_KAFKA_SASL_PASSWORD. Never in this file.',
      format: String,
      default: '',
    },
  },
  topics: {
    spans: { doc: 'Topic of received spans, keyed by trace ID.', format: String, default: 'spans' },
    metrics: { doc: 'Topic of received metrics.', format: String, default: 'metrics' },
    spansSampled: { doc: 'Topic of the spans the samplers kept.', format: String, default: 'spans.sampled' },
  },
};

export const redisSection = {
  url: {
    doc: 'Redis URL of the decision store: redis://[user@]host:port[/db], rediss:// for TLS. A password in the URL is refused from the configuration file (passwordFile below); from OCSVC_REDIS_URL it is taken.',
    format: 'url',
    default: 'redis://127.0.0.1:6379',
  },
  passwordFile: {
    doc: 'File holding the Redis password (one trailing newline is ignored); "": the environment variable OCSVC_REDIS_PASSWORD, else none. The user, if any, goes in the URL.',
    format: String,
    default: '',
  },
  tls: {
    caFile: { doc: 'With a rediss:// URL: PEM CA bundle that signed the server\'s certificate (a private CA); "": the system root certificates.', format: String, default: '' },
    certFile: { doc: 'With a rediss:// URL: PEM client certificate for mutual TLS (tls-auth-clients yes), with keyFile; "": none. Re-read when it changes: reconnections use the new files.', format: String, default: '' },
    keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
  },
  keyPrefix: { doc: 'Prefix of every key ocsvc writes.', format: String, default: 'ocsvc:decision:' },
  connectTimeoutMs: { doc: 'Timeout of a connection attempt.', format: 'positive-int', default: 3_000 },
  commandTimeoutMs: { doc: 'Timeout of a command; the sampler pauses and retries past it.', format: 'positive-int', default: 5_000 },
};

// Formats only the receivers section uses. Registered on import, so they
// exist before load.ts builds any schema (they could join formats.ts).
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const RECEIVER_FORMATS = {
  probability: {
    name: 'probability',
    validate(value: unknown) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error('must be a number from 0 to 1');
    },
    coerce: (v: string) => Number(v),
  },
  'cors-origins': {
    name: 'cors-origins',
    validate(value: unknown) {
      if (!Array.isArray(value)) throw new Error('must be a list of origins');
      for (const o of value) {
        if (typeof o !== 'string' || (o !== '*' && !ORIGIN.test(o))) {
          throw new Error(`${JSON.stringify(o)} is not an origin: write scheme://host[:port] without a path, * wildcards allowed (https://*.example.com), or * alone`);
        }
      }
    },
    coerce: list,
  },
  'header-list': {
    name: 'header-list',
    validate(value: unknown) {
      if (!Array.isArray(value)) throw new Error('must be a list of header names');
      for (const h of value) if (typeof h !== 'string' || !HEADER_NAME.test(h)) throw new Error(`${JSON.stringify(h)} is not a header name`);
    },
    coerce: list,
  },
} satisfies Record<string, convict.Format>;
convict.addFormats(RECEIVER_FORMATS);

// --- security (docs/security.md) ---
/** The TLS block of a TCP receiver; all empty: plaintext. */
export const tlsServerSection = () => ({
  certFile: { doc: 'PEM certificate chain; with keyFile, serve TLS (reloaded when the files change). Empty: plaintext.', format: String, default: '' },
  keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
  clientCaFile: { doc: 'PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS).', format: String, default: '' },
});

export const receiverAuthSection = {
  tokensFile: {
    doc: 'YAML or JSON file of bearer tokens and their tenants: a list of {tenant, token} or a map tenant -> list of tokens; re-read when it changes (an invalid file is logged and the previous tokens kept). Clients send Authorization: Bearer <token> (gRPC: metadata authorization). "": no tokens are checked.',
    format: String,
    default: '',
  },
  required: {
    doc: 'Refuse requests without a token (401 / UNAUTHENTICATED). false: they pass without a tenant, but a token that is sent must be valid. Needs tokensFile; Jaeger UDP transports, which carry no token, must then be off or on loopback.',
    format: 'boolean',
    default: false,
  },
  tenantRateLimit: {
    unit: { doc: 'What the per-tenant limit counts: requests, or items (spans and metric data points).', format: ['requests', 'items'], default: 'items' },
    ratePerSecond: {
      doc: 'Requests or items per second each tenant may send to this process (anonymous callers share one budget); past it, 429 / RESOURCE_EXHAUSTED with Retry-After. 0: no limit.',
      format: 'non-negative-int',
      default: 0,
    },
    burst: { doc: 'Most a tenant may send at once after a quiet spell; 0: one second\'s worth (ratePerSecond).', format: 'non-negative-int', default: 0 },
  },
};
// --- end security ---

const jaegerUdp = (protocol: 'compact' | 'binary', port: number, clients: string) => ({
  enabled: { doc: `Serve the agent's UDP Agent.emitBatch in ${protocol} Thrift (${clients}).`, format: 'boolean', default: true },
  endpoint: { doc: `host:port of the ${protocol} Thrift UDP endpoint.`, format: 'endpoint', default: `0.0.0.0:${port}` },
  queueSize: {
    doc: 'Datagrams waiting to be handed on; past it datagrams are dropped and counted (reason queue_full), as UDP cannot push back.',
    format: 'positive-int',
    default: 1_000,
  },
  workers: { doc: 'Datagrams handed on to Kafka at once.', format: 'positive-int', default: 10 },
  maxPacketBytes: { doc: 'Largest datagram accepted (jaeger clients send at most 65000 bytes); larger ones are dropped and counted (too_large).', format: 'positive-int', default: 65_000 },
  socketBufferBytes: {
    doc: 'Socket receive buffer (SO_RCVBUF) for bursts; 0 keeps the OS default. Linux caps it at net.core.rmem_max.',
    format: 'non-negative-int',
    default: 0,
  },
});

export const jaegerReceiverSection = {
  enabled: {
    doc: 'Serve the Jaeger protocols: the transports below that are enabled, on Jaeger\'s ports. Off by default, like every receiver beyond OTLP.',
    format: 'boolean',
    default: false,
  },
  grpc: {
    enabled: { doc: 'Serve the collector\'s gRPC CollectorService.PostSpans (api_v2), as Jaeger agents and OpenTelemetry Collectors send.', format: 'boolean', default: true },
    endpoint: { doc: 'host:port of the Jaeger gRPC receiver.', format: 'endpoint', default: '0.0.0.0:14250' },
    maxRecvMsgBytes: { doc: 'Largest gRPC message accepted (after decompression).', format: 'positive-int', default: 4 * MiB },
    tls: tlsServerSection(),
  },
  thriftHttp: {
    enabled: { doc: 'Serve the collector\'s POST /api/traces (Thrift Batch, application/x-thrift), as jaeger clients\' HTTP senders post.', format: 'boolean', default: true },
    endpoint: { doc: 'host:port of the Jaeger Thrift HTTP receiver.', format: 'endpoint', default: '0.0.0.0:14268' },
    maxRequestBytes: { doc: 'Largest request body accepted, compressed or decompressed; larger ones get 413.', format: 'positive-int', default: 4 * MiB },
    tls: tlsServerSection(),
  },
  thriftCompact: jaegerUdp('compact', 6831, 'jaeger-client-go, -java, -python and most others'),
  thriftBinary: jaegerUdp('binary', 6832, 'jaeger-client-node'),
  sampling: {
    enabled: { doc: 'Serve remote sampling strategies (GET /sampling?service=NAME, and / for old clients) that jaeger clients poll.', format: 'boolean', default: true },
    endpoint: { doc: 'host:port of the sampling endpoint.', format: 'endpoint', default: '0.0.0.0:5778' },
    strategiesFile: {
      doc: 'JSON file of sampling strategies in Jaeger\'s format (per-service and per-operation probabilistic, rate limiting, a default; docs/protocols.md); re-read when it changes (an invalid file is logged and the previous strategies kept). "": every service samples everything (the samplers decide later).',
      format: String,
      default: '',
    },
    tls: tlsServerSection(),
  },
};

export const receiversSection = {
  auth: receiverAuthSection,
  limits: {
    maxSpansPerRequest: {
      doc: 'Most spans one request may carry, whatever the protocol; a larger request is refused whole (400 / INVALID_ARGUMENT naming the limit).',
      format: 'positive-int',
      default: 50_000,
    },
    maxDataPointsPerRequest: { doc: 'Most metric data points one request may carry; a larger request is refused whole.', format: 'positive-int', default: 100_000 },
    maxAttributes: {
      doc: 'Most attributes kept per span, event, link, resource and scope; the rest are dropped and added to droppedAttributesCount (128 is the OpenTelemetry SDK default).',
      format: 'positive-int',
      default: 128,
    },
    maxAttributeValueBytes: {
      doc: 'Longest string (UTF-8) or bytes value kept in those attributes, inside arrays and kvlists too; longer ones are truncated on a character boundary.',
      format: 'positive-int',
      default: 64 * 1024,
    },
    maxInflateRatio: {
      doc: 'An HTTP body may decompress to at most this many times its compressed size (once past 1 MiB) besides the size limit: a decompression bomb is refused with 413 early.',
      format: 'positive-int',
      default: 100,
    },
  },
  otlp: {
    grpc: {
      enabled: { doc: 'Serve OTLP/gRPC (TraceService and MetricsService Export).', format: 'boolean', default: true },
      endpoint: { doc: 'host:port of the OTLP/gRPC receiver.', format: 'endpoint', default: '0.0.0.0:4317' },
      maxRecvMsgBytes: { doc: 'Largest gRPC message accepted (after decompression).', format: 'positive-int', default: 4 * MiB },
      tls: tlsServerSection(),
    },
    http: {
      enabled: { doc: 'Serve OTLP/HTTP (POST /v1/traces and /v1/metrics, protobuf or JSON, gzip).', format: 'boolean', default: true },
      endpoint: { doc: 'host:port of the OTLP/HTTP receiver.', format: 'endpoint', default: '0.0.0.0:4318' },
      maxRequestBytes: {
        doc: 'Largest request body accepted, compressed or decompressed; larger ones get 413.',
        format: 'positive-int',
        default: 4 * MiB,
      },
      tls: tlsServerSection(),
    },
  },
  opencensus: {
    enabled: {
      doc: 'Serve the OpenCensus agent protocol: gRPC TraceService (Export, Config) and MetricsService, and its HTTP/JSON gateway (POST /v1/trace, /v1/metrics) on the same port.',
      format: 'boolean',
      default: false,
    },
    endpoint: { doc: 'host:port of the OpenCensus receiver (gRPC, and the gateway unless gatewayEndpoint is set).', format: 'endpoint', default: '0.0.0.0:55678' },
    gatewayEndpoint: {
      doc: 'host:port of the HTTP/JSON gateway when it should not share endpoint; "" shares it. With TLS, browsers negotiate HTTP/2 and reach gRPC instead: give the gateway its own port.',
      format: 'optional-endpoint',
      default: '',
    },
    maxRecvMsgBytes: {
      doc: 'Largest gRPC message or gateway request body accepted (after decompression); larger ones get RESOURCE_EXHAUSTED or 413.',
      format: 'positive-int',
      default: 4 * MiB,
    },
    corsAllowedOrigins: {
      doc: 'Origins allowed to POST to the gateway from a browser: exact (https://app.example.com) or with * wildcards (https://*.example.com, or * for any); empty: no CORS.',
      format: 'cors-origins',
      default: [] as string[],
    },
    corsAllowedHeaders: {
      doc: 'Request headers a browser may send to the gateway besides the CORS-safelisted ones and Content-Type, Content-Encoding.',
      format: 'header-list',
      default: [] as string[],
    },
    tls: tlsServerSection(),
    traceConfig: {
      sampler: {
        doc: 'Sampler pushed to OpenCensus libraries over TraceService.Config: probability, constant or rate_limiting.',
        format: ['probability', 'constant', 'rate_limiting'],
        default: 'probability',
      },
      samplingProbability: {
        doc: 'Probability of the probability sampler, 0-1. 1 keeps every trace for the samplers to decide (libraries default to 0.0001 on their own).',
        format: 'probability',
        default: 1.0,
      },
      constantDecision: {
        doc: 'Decision of the constant sampler: always_on, always_off, or always_parent (follow the parent span).',
        format: ['always_on', 'always_off', 'always_parent'],
        default: 'always_on',
      },
      qps: { doc: 'Traces per second of the rate_limiting sampler.', format: 'positive-int', default: 10 },
      maxNumberOfAttributes: { doc: 'Most attributes per span a library keeps.', format: 'positive-int', default: 32 },
      maxNumberOfAnnotations: { doc: 'Most annotations per span a library keeps.', format: 'positive-int', default: 32 },
      maxNumberOfMessageEvents: { doc: 'Most message events per span a library keeps.', format: 'positive-int', default: 128 },
      maxNumberOfLinks: { doc: 'Most links per span a library keeps.', format: 'positive-int', default: 32 },
    },
    traceConfigFile: {
      doc: 'YAML or JSON file with keys of traceConfig that override it; re-read when it changes and pushed to connected libraries (an invalid file is logged and the previous config kept). "": none.',
      format: String,
      default: '',
    },
  },
  jaeger: jaegerReceiverSection,
  zipkin: {
    enabled: {
      doc: 'Serve the Zipkin API: POST /api/v2/spans (JSON, protobuf) and /api/v1/spans (JSON, Thrift), gzip or deflate. Off by default like every receiver but OTLP: 9411 is also the port of a Zipkin server, which may run on the same host.',
      format: 'boolean',
      default: false,
    },
    endpoint: { doc: 'host:port of the Zipkin receiver.', format: 'endpoint', default: '0.0.0.0:9411' },
    maxRequestBytes: {
      doc: 'Largest request body accepted, compressed or decompressed; larger ones get 413.',
      format: 'positive-int',
      default: 4 * MiB,
    },
    tls: tlsServerSection(),
  },
};

export const samplerSection = (decisionWaitMs: number) => ({
  groupId: { doc: 'Consumer group of the samplers; every sampler of one pipeline uses the same.', format: String, default: 'ocsvc-sampler' },
  policies: {
    doc: 'Sampling policies, the OpenTelemetry Collector tail_sampling list: {name, type, <type>: {...}}; see "Sampling policies" below. JSON in the environment.',
    format: 'sampling-policies',
    default: DEFAULT_POLICIES,
  },
  invertedDecisions: {
    doc: 'invert_match casts the Collector\'s legacy inverted votes: an inverted not-sampled vote then overrides every keep. false: plain votes, as the Collector by default (feature gate processor.tailsamplingprocessor.disableinvertdecisions).',
    format: 'boolean',
    default: false,
  },
  decisionWaitMs: {
    doc: 'How long after its first span a trace is decided (the Collector\'s decision_wait).',
    format: 'positive-int',
    default: decisionWaitMs,
  },
  rootQuietMs: {
    doc: 'Decide earlier: once the root span has arrived and no span of the trace has arrived for this long. 0 waits the full decision wait.',
    format: 'non-negative-int',
    default: 2_000 /* 2 seconds */,
  },
  maxSpansPerTrace: {
    doc: 'A trace reaching this many spans is decided at once on what has arrived (counted); its later spans follow that decision.',
    format: 'positive-int',
    default: 10_000,
  },
  maxBytesPerTrace: {
    doc: 'A trace reaching this many bytes is decided at once on what has arrived (counted); its later spans follow that decision.',
    format: 'positive-int',
    default: 16 * MiB,
  },
  decisionTtlMs: {
    doc: 'How long a decision is kept in the store, so that late spans and other samplers follow it.',
    format: 'positive-int',
    default: 3_600_000 /* 1 hour */,
  },
  tickMs: { doc: 'How often due traces are decided.', format: 'positive-int', default: 200 },
  maxBufferedBytes: {
    doc: 'Bytes of undecided spans held in memory; at the bound the sampler pauses consumption (Kafka keeps the data).',
    format: 'positive-int',
    default: 256 * MiB,
  },
  decideOnShutdown: {
    doc: 'On shutdown, decide buffered traces now instead of leaving them to the next owner of the partition.',
    format: 'boolean',
    default: false,
  },
});

export const exporterSection = (defaultBackends: BackendConfig[]) => ({
  groupPrefix: {
    doc: 'Consumer groups are named <groupPrefix>-<backend name>: one group per backend, so a slow backend holds back no other.',
    format: String,
    default: 'ocsvc-exporter',
  },
  backends: {
    doc: 'Backends to export to: a list of {name, type, ...}; see "Backends" below. JSON in the environment.',
    format: 'backends',
    default: defaultBackends,
  },
  maxBatchItems: {
    doc: 'Most spans or data points in one export request.',
    format: 'positive-int',
    default: 8_192,
  },
  retry: {
    initialIntervalMs: { doc: 'First retry delay after a retryable failure.', format: 'positive-int', default: 1_000 },
    maxIntervalMs: { doc: 'Longest retry delay.', format: 'positive-int', default: 30_000 },
    multiplier: { doc: 'Growth of the delay per attempt (with ±50% jitter).', format: 'positive-number', default: 1.5 },
    maxElapsedMs: {
      doc: 'Give up on a request after retrying this long and send it to the dead-letter topic; 0 retries until the backend accepts (Kafka holds the data, and the backend falls behind meanwhile). Without a dead-letter topic a request is never given up.',
      format: 'nat',
      default: 0,
    },
  },
  deadLetter: {
    enabled: {
      doc: 'Keep what a backend refuses for good (and records no backend can decode, and requests past retry.maxElapsedMs) in a dead-letter topic per backend and signal, with the reason in headers; ocsvc replay re-drives them. Off: such data is counted dropped and skipped.',
      format: 'boolean',
      default: true,
    },
    topicPrefix: {
      doc: 'Dead-letter topics are named <topicPrefix><backend name>.<traces|metrics>.',
      format: String,
      default: 'ocsvc.dlq.',
    },
  },
});

export const busSection = {
  maxBytes: {
    doc: 'Bytes the in-memory bus holds; at the bound receivers answer retryable (429/RESOURCE_EXHAUSTED).',
    format: 'positive-int',
    default: 256 * MiB,
  },
  partitions: { doc: 'Partitions of each in-memory topic.', format: 'positive-int', default: 4 },
};

export const forwardSection = {
  endpoint: {
    doc: 'host:port of an upstream ingester to forward to instead of publishing to Kafka (for hosts that cannot reach Kafka); "" publishes to Kafka. Clients are answered with the ingester\'s answer, which it gives only once Kafka holds the data.',
    format: 'optional-endpoint',
    default: '',
  },
  protocol: { doc: 'Protocol spoken to the ingester: otlp (OTLP/gRPC, port 4317) or opencensus (port 55678).', format: ['otlp', 'opencensus'], default: 'otlp' },
  insecure: { doc: 'Plaintext to the ingester; false uses TLS, verifying the ingester with caFile (or the system root certificates).', format: 'boolean', default: false },
  caFile: { doc: 'PEM CA bundle that signed the ingester\'s certificate (a private CA); "": the system root certificates.', format: String, default: '' },
  certFile: { doc: 'PEM client certificate for mutual TLS, with keyFile; "": none. Re-read when it changes: new connections use the new files.', format: String, default: '' },
  keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
  compression: { doc: 'Compression of forwarded requests.', format: ['gzip', 'none'], default: 'gzip' },
  timeoutMs: { doc: 'How long one forward may take before the client is told to retry.', format: 'positive-int', default: 10_000 },
};

/** The on-disk spool for when Kafka is unreachable or slow (docs/reliability.md, "The spool"). */
export const spoolSection = (enabled: boolean) => ({
  enabled: {
    doc: 'When Kafka refuses or does not acknowledge within kafkaTimeoutMs, keep accepting: write to a bounded spool on local disk, answer clients once the data is durable there, and send it to Kafka in order when Kafka is back. Off: clients get a retryable error (503/UNAVAILABLE) while Kafka is down.',
    format: 'boolean',
    default: enabled,
  },
  directory: {
    doc: 'Directory of the spool (created if missing; relative to the working directory). One process per directory; it must survive restarts (a persistent volume in containers).',
    format(value: unknown) {
      if (typeof value !== 'string' || value.trim() === '') throw new Error('must be a directory path');
    },
    default: './data/spool',
  },
  maxBytes: {
    doc: 'Disk space the spool may use. At the bound, and when the disk is full, clients get a retryable 429/RESOURCE_EXHAUSTED.',
    format: 'positive-int',
    default: 1024 * MiB,
  },
  segmentBytes: {
    doc: 'Size of one spool file (at most maxBytes). A file is deleted once Kafka has acknowledged all of it.',
    format: 'positive-int',
    default: 16 * MiB,
  },
  fsync: {
    doc: 'always: a client is answered only after its data is fsynced (survives a power loss). interval: after it is written to the operating system (survives a crash of the process, not of the machine), fsynced every fsyncIntervalMs.',
    format: ['always', 'interval'],
    default: 'always',
  },
  fsyncIntervalMs: { doc: 'With fsync interval: how often the spool is fsynced; what a power loss can lose.', format: 'positive-int', default: 1_000 },
  kafkaTimeoutMs: {
    doc: 'How long a request waits for Kafka before its data goes to the spool instead; also how long start-up waits for Kafka.',
    format: 'positive-int',
    default: 2_000,
  },
  drainBatchRecords: { doc: 'Most records sent to Kafka in one request when the spool drains.', format: 'positive-int', default: 1_000 },
  drainBatchBytes: { doc: 'Most bytes sent to Kafka in one request when the spool drains (a larger record goes alone).', format: 'positive-int', default: 768 * 1024 },
});
