// Sampler processes on the real Kafka and Redis, as operators run them (the
// CLI, configuration from the environment), and the checks the crash and
// scale tests share: traces published in parts over time as agents publish
// them, spans.sampled read back, and every kept trace compared span by span
// with what was published.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { ConsumedRecord } from '../../lib/bus/bus.js';
import { KafkaBus } from '../../lib/bus/kafka-bus.js';
import type { PolicyConfig } from '../../lib/config/policies.js';
import type { TraceId } from '../../lib/model/ids.js';
import type { Traces } from '../../lib/model/trace.js';
import { Publisher } from '../../lib/pipeline/publisher.js';
import { decodeTracesProto } from '../../lib/protocol/otlp/index.js';
import { RedisDecisionStore } from '../../lib/store/redis-store.js';
import type { Decision } from '../../lib/store/store.js';
import { createLogger } from '../../lib/telemetry/log.js';
import { Registry } from '../../lib/telemetry/stats.js';
import { kafkaBrokers, redisUrl, uniqueName } from '../harness/env.js';
import { startService, type ServiceProcess } from '../helpers/service-process.js';
import { buildTrace, randomTraceId, type TraceSpec } from '../helpers/trace-builder.js';

export interface SourceTrace {
  id: TraceId;
  /** One Traces per span, in the order they are published. */
  parts: Traces[];
  spanIds: Set<string>;
  error: boolean;
}

/** A trace of `spans` spans (a root and children), cut into one part per span. */
export function sourceTrace(spans: number, opts: { error?: boolean; service?: string } = {}): SourceTrace {
  const id = randomTraceId();
  const spec: TraceSpec = { id, resource: { 'service.name': opts.service ?? 'shop' }, spans: Array.from({ length: spans }, (_, i) => ({ child: i > 0, status: opts.error && i === 0 ? 'ERROR' : 'OK', durationMs: 5 + i })) };
  const whole = buildTrace(spec);
  const rs = whole.resourceSpans[0]!;
  const ss = rs.scopeSpans[0]!;
  const parts = ss.spans.map((span) => ({ resourceSpans: [{ ...rs, scopeSpans: [{ ...ss, spans: [span] }] }] }));
  return { id, parts, spanIds: new Set(ss.spans.map((s) => s.spanId)), error: opts.error ?? false };
}

export interface Cluster {
  topics: { spans: string; spansSampled: string; metrics: string };
  groupId: string;
  keyPrefix: string;
  env: Record<string, string>;
  /** Every record on spans.sampled so far. */
  sampled: ConsumedRecord[];
  publish(parts: Traces[]): Promise<void>;
  startSampler(): Promise<ServiceProcess>;
  /** True once the group has committed every partition of spans to its end. */
  allCommitted(): Promise<boolean>;
  decisions(ids: TraceId[]): Promise<(Decision | undefined)[]>;
}

export async function cluster(t: TestContext, o: { partitions: number; policies: PolicyConfig[]; env?: Record<string, string> }): Promise<Cluster | undefined> {
  const brokers = kafkaBrokers(t);
  const url = redisUrl(t);
  if (!brokers || !url) return undefined;
  const id = uniqueName('cluster');
  const topics = { spans: `${id}.spans`, spansSampled: `${id}.spans.sampled`, metrics: `${id}.metrics` };
  const groupId = `${id}-sampler`;
  const keyPrefix = `${id}:`;
  const bus = new KafkaBus({ brokers, clientId: id, logger: createLogger({ level: 'error', stream: process.stderr }), consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200 } });
  const store = new RedisDecisionStore({ url, keyPrefix });
  const admin: Admin = new Kafka({ brokers, clientId: `${id}-admin`, logLevel: logLevel.NOTHING }).admin();
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await store.close();
    await admin.disconnect();
    await bus.close();
  });
  await Promise.all([bus.start(), store.start(), admin.connect()]);
  await bus.ensureTopics([
    { topic: topics.spans, partitions: o.partitions },
    { topic: topics.spansSampled, partitions: o.partitions },
  ]);
  const sampled: ConsumedRecord[] = [];
  // On a fresh broker the first group to join may be told "no coordinator"
  // for a while: the consumer's start waits that out (lib/bus/kafka-consumer.ts).
  const collector = bus.consumer({ groupId: `${id}-collector`, topics: [topics.spansSampled], fromBeginning: true, handler: async (b) => void sampled.push(...b.records) });
  closers.push(() => collector.close());
  await collector.start();

  const env = {
    OCSVC_KAFKA_BROKERS: brokers.join(','),
    OCSVC_KAFKA_PARTITIONS: String(o.partitions),
    OCSVC_KAFKA_TOPICS_SPANS: topics.spans,
    OCSVC_KAFKA_TOPICS_METRICS: topics.metrics,
    OCSVC_KAFKA_TOPICS_SPANS_SAMPLED: topics.spansSampled,
    // The broker's minimum: a killed sampler's partitions move within seconds.
    OCSVC_KAFKA_SESSION_TIMEOUT_MS: '6000',
    OCSVC_REDIS_URL: url,
    OCSVC_REDIS_KEY_PREFIX: keyPrefix,
    OCSVC_SAMPLER_GROUP_ID: groupId,
    OCSVC_SAMPLER_POLICIES: JSON.stringify(o.policies),
    OCSVC_SAMPLER_DECISION_WAIT_MS: '1500',
    OCSVC_SAMPLER_ROOT_QUIET_MS: '0',
    OCSVC_SAMPLER_TICK_MS: '100',
    OCSVC_LOG_LEVEL: 'warn',
    ...o.env,
  };
  const publisher = new Publisher({ bus, topics, sender: 'test-agent', stats: new Registry().component('publisher', 'agent') });
  return {
    topics,
    groupId,
    keyPrefix,
    env,
    sampled,
    publish: async (parts) => {
      const traces: Traces = { resourceSpans: parts.flatMap((p) => p.resourceSpans) };
      assert.deepEqual(await publisher.consumeTraces(traces, { protocol: 'otlp/grpc', receivedAtMs: Date.now() }), { status: 'ok' });
    },
    startSampler: () => startService(t, 'sampler', env),
    allCommitted: async () => {
      const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topics.spans), admin.fetchOffsets({ groupId, topics: [topics.spans] })]);
      return ends.every(({ partition, high }) => committed!.partitions.find((p) => p.partition === partition)?.offset === high);
    },
    decisions: (ids) => store.get(ids),
  };
}

/** The span IDs that arrived on spans.sampled, by trace, and how many copies of each. */
export function sampledSpans(records: readonly ConsumedRecord[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of records) {
    for (const rs of decodeTracesProto(r.value).resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const spans = out.get(span.traceId) ?? new Map<string, number>();
          out.set(span.traceId, spans);
          spans.set(span.spanId, (spans.get(span.spanId) ?? 0) + 1);
        }
      }
    }
  }
  return out;
}

/**
 * Every trace in spans.sampled is whole (every span it had at the source, and
 * no span of another), every trace that should be kept is there, and no other
 * is. Returns how many span copies arrived more than once (at-least-once
 * duplicates after a crash).
 */
export function assertWholeAndExact(records: readonly ConsumedRecord[], source: readonly SourceTrace[], kept: (t: SourceTrace) => boolean): number {
  const arrived = sampledSpans(records);
  const byId = new Map(source.map((s) => [s.id as string, s]));
  let duplicates = 0;
  for (const [traceId, spans] of arrived) {
    const s = byId.get(traceId);
    assert.ok(s, `trace ${traceId} in spans.sampled was never published`);
    assert.ok(kept(s), `trace ${traceId} was dropped by the policies, yet spans of it were kept`);
    assert.deepEqual(new Set(spans.keys()), s.spanIds, `trace ${traceId} is whole: every span it had at the source`);
    for (const copies of spans.values()) duplicates += copies - 1;
  }
  for (const s of source) if (kept(s)) assert.ok(arrived.has(s.id), `trace ${s.id} should have been kept`);
  return duplicates;
}
