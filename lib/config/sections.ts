// The configuration sections. Each service's schema (schemas.ts) is a choice
// of these; the shared kafka and redis sections are written once here.
// Defaults make a local run work; docs/configuration.md is generated from this
// file (npm run docs:config), so every `doc` is user-facing text.
import os from 'node:os';
import type { BackendConfig } from './backends.js';

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
export interface KafkaSection {
  brokers: string[];
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
  keyPrefix: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}
export interface OtlpReceiverSection {
  grpc: { enabled: boolean; endpoint: string; maxRecvMsgBytes: number };
  http: { enabled: boolean; endpoint: string; maxRequestBytes: number };
}
export interface ReceiversSection {
  otlp: OtlpReceiverSection;
}
export interface SamplerSection {
  groupId: string;
  policy: 'always_sample';
  decisionWaitMs: number;
  decisionTtlMs: number;
  tickMs: number;
  maxBufferedBytes: number;
  decideOnShutdown: boolean;
}
export interface ExporterSection {
  groupPrefix: string;
  backends: BackendConfig[];
  maxBatchItems: number;
  retry: { initialIntervalMs: number; maxIntervalMs: number; multiplier: number };
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
  topics: {
    spans: { doc: 'Topic of received spans, keyed by trace ID.', format: String, default: 'spans' },
    metrics: { doc: 'Topic of received metrics.', format: String, default: 'metrics' },
    spansSampled: { doc: 'Topic of the spans the samplers kept.', format: String, default: 'spans.sampled' },
  },
};

export const redisSection = {
  url: { doc: 'Redis URL of the decision store (redis://, rediss:// for TLS).', format: 'url', default: 'redis://127.0.0.1:6379' },
  keyPrefix: { doc: 'Prefix of every key ocsvc writes.', format: String, default: 'ocsvc:decision:' },
  connectTimeoutMs: { doc: 'Timeout of a connection attempt.', format: 'positive-int', default: 3_000 },
  commandTimeoutMs: { doc: 'Timeout of a command; the sampler pauses and retries past it.', format: 'positive-int', default: 5_000 },
};

export const receiversSection = {
  otlp: {
    grpc: {
      enabled: { doc: 'Serve OTLP/gRPC (TraceService and MetricsService Export).', format: 'boolean', default: true },
      endpoint: { doc: 'host:port of the OTLP/gRPC receiver.', format: 'endpoint', default: '0.0.0.0:4317' },
      maxRecvMsgBytes: { doc: 'Largest gRPC message accepted (after decompression).', format: 'positive-int', default: 4 * MiB },
    },
    http: {
      enabled: { doc: 'Serve OTLP/HTTP (POST /v1/traces and /v1/metrics, protobuf or JSON, gzip).', format: 'boolean', default: true },
      endpoint: { doc: 'host:port of the OTLP/HTTP receiver.', format: 'endpoint', default: '0.0.0.0:4318' },
      maxRequestBytes: {
        doc: 'Largest request body accepted, compressed or decompressed; larger ones get 413.',
        format: 'positive-int',
        default: 4 * MiB,
      },
    },
  },
};

export const samplerSection = (decisionWaitMs: number) => ({
  groupId: { doc: 'Consumer group of the samplers; every sampler of one pipeline uses the same.', format: String, default: 'ocsvc-sampler' },
  policy: { doc: 'Sampling policy. always_sample keeps every trace.', format: ['always_sample'], default: 'always_sample' },
  decisionWaitMs: {
    doc: 'How long after its first span a trace is decided.',
    format: 'positive-int',
    default: decisionWaitMs,
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
    maxIntervalMs: { doc: 'Longest retry delay; retries go on until the backend accepts (Kafka holds the data).', format: 'positive-int', default: 30_000 },
    multiplier: { doc: 'Growth of the delay per attempt (with ±50% jitter).', format: 'positive-number', default: 1.5 },
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
