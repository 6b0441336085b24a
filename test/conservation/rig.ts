// The conservation rig: the distributed pipeline as operators run it (agent
// with its spool, sampler, exporter, each its own process from the CLI) on a Kafka broker and
// a Redis of its own, so that the tests can stop and crash them without
// disturbing other tests, in front of a test backend (OtlpSink) that can be
// down, slow, or lose its acknowledgements. Tiers can be killed with SIGKILL
// and started again on the same addresses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startKafka, type KafkaServer } from '../harness/kafka.js';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { freePorts } from '../harness/free-port.js';
import { uniqueName } from '../harness/env.js';
import { OtlpSink } from '../helpers/otlp-sink.js';
import { startService, type ServiceProcess } from '../helpers/service-process.js';

export type Tier = 'agent' | 'sampler' | 'exporter';
export const TIERS: readonly Tier[] = ['agent', 'sampler', 'exporter'];

export interface Rig {
  kafka: KafkaServer;
  redis: RedisServer;
  sink: OtlpSink;
  /** host:port of the agent's OTLP/gRPC receiver; the same across restarts. */
  agentEndpoint: string;
  procs: Record<Tier, ServiceProcess>;
  /** SIGKILL, then a new process of the tier with the same configuration. */
  crash(tier: Tier): Promise<void>;
  /** Every tier stopped with SIGTERM; resolves with their exit codes. */
  stop(): Promise<Record<Tier, number | null>>;
  /** Log lines of every process of the rig so far, for a failure message. */
  logs(): string;
}

export async function startRig(t: TestContext, options: { partitions?: number; extraEnv?: Partial<Record<Tier, Record<string, string>>> } = {}): Promise<Rig> {
  const kafka = await startKafka({ heapMb: 384 });
  t.after(() => kafka.stop());
  const redis = await startRedis();
  t.after(() => redis.stop());
  const sink = await OtlpSink.start(t);
  const [grpcPort, httpPort] = await freePorts(2);
  const id = uniqueName('conservation');
  // One spool directory for every agent process: what a killed agent
  // acknowledged from its spool, the next one sends on.
  const spoolDir = await mkdtemp(join(tmpdir(), 'ocsvc-conservation-spool-'));
  t.after(() => rm(spoolDir, { recursive: true, force: true }));
  const common = {
    OCSVC_KAFKA_BROKERS: kafka.brokers.join(','),
    OCSVC_KAFKA_PARTITIONS: String(options.partitions ?? 4),
    OCSVC_KAFKA_TOPICS_SPANS: `${id}.spans`,
    OCSVC_KAFKA_TOPICS_METRICS: `${id}.metrics`,
    OCSVC_KAFKA_TOPICS_SPANS_SAMPLED: `${id}.spans.sampled`,
    // A dead member's partitions move on after this long.
    OCSVC_KAFKA_SESSION_TIMEOUT_MS: '6000',
    OCSVC_KAFKA_REQUEST_TIMEOUT_MS: '5000',
    OCSVC_SERVICE_SHUTDOWN_TIMEOUT_MS: '20000',
  };
  const env: Record<Tier, Record<string, string>> = {
    agent: {
      ...common,
      OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
      OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
      OCSVC_SPOOL_DIRECTORY: spoolDir,
      ...options.extraEnv?.agent,
    },
    sampler: {
      ...common,
      OCSVC_REDIS_URL: redis.url,
      OCSVC_REDIS_KEY_PREFIX: `${id}:`,
      OCSVC_SAMPLER_GROUP_ID: `${id}-sampler`,
      OCSVC_SAMPLER_DECISION_WAIT_MS: '1000',
      OCSVC_SAMPLER_TICK_MS: '100',
      ...options.extraEnv?.sampler,
    },
    exporter: {
      ...common,
      OCSVC_EXPORTER_GROUP_PREFIX: id,
      OCSVC_EXPORTER_BACKENDS: JSON.stringify([{ name: 'sink', type: 'otlp', endpoint: sink.grpcEndpoint, insecure: true, signals: ['traces'], timeoutMs: 5_000 }]),
      OCSVC_EXPORTER_RETRY_INITIAL_INTERVAL_MS: '100',
      OCSVC_EXPORTER_RETRY_MAX_INTERVAL_MS: '1000',
      ...options.extraEnv?.exporter,
    },
  };
  const lines: string[] = [];
  const start = async (tier: Tier) => {
    const proc = await startService(t, tier, env[tier], { readyTimeoutMs: 90_000 });
    proc.child.stdout?.on('data', (c: Buffer) => lines.push(...c.toString('utf8').split('\n').filter(Boolean).map((l) => `${tier}: ${l}`)));
    return proc;
  };
  // Downstream first, so that nothing waits on a tier that is not there yet.
  const procs = {} as Record<Tier, ServiceProcess>;
  for (const tier of ['exporter', 'sampler', 'agent'] as const) procs[tier] = await start(tier);
  return {
    kafka,
    redis,
    sink,
    agentEndpoint: env.agent.OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT!,
    procs,
    async crash(tier) {
      await procs[tier].kill();
      procs[tier] = await start(tier);
    },
    async stop() {
      const codes = {} as Record<Tier, number | null>;
      for (const tier of TIERS) codes[tier] = await procs[tier].stop();
      return codes;
    },
    logs: () => lines.slice(-200).join('\n'),
  };
}
