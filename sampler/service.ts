// The sampler service: the Sampler over Kafka and the Redis decision store.
import type { Bus } from '../lib/bus/bus.js';
import type { SamplerConfig } from '../lib/config/schemas.js';
import type { SamplerSection, TopicsSection } from '../lib/config/sections.js';
import { kafkaBus, topicsStep } from '../lib/service/kafka.js';
import { redisStoreOptions } from '../lib/service/redis.js';
import { assemble, createRuntime, type Runtime, type Service } from '../lib/service/runtime.js';
import { RedisDecisionStore } from '../lib/store/redis-store.js';
import { rateLimited } from '../lib/telemetry/rate-limited-log.js';
import type { DecisionStore } from '../lib/store/store.js';
import { PolicySet } from './policy-set.js';
import { Sampler } from './sampler.js';

/** `now`: the sampler's clock (a replay decides by the records' own time). */
export function samplerPart(rt: Runtime, section: SamplerSection, bus: Bus, store: DecisionStore, topics: TopicsSection, now?: () => number): Sampler {
  const log = rt.log.child({ component: 'sampler' });
  // A policy that throws does so for many traces in a row: once a minute is enough.
  const policyLog = rateLimited(log, 60_000 /* 1 minute */);
  return new Sampler({
    bus,
    store,
    policies: PolicySet.fromConfig(section.policies, { invertedDecisions: section.invertedDecisions }, (policy, err) =>
      policyLog.error('a sampling policy failed; counted as an error vote and skipped', { policy, err }),
    ),
    groupId: section.groupId,
    topics,
    decisionWaitMs: section.decisionWaitMs,
    rootQuietMs: section.rootQuietMs,
    maxSpansPerTrace: section.maxSpansPerTrace,
    maxBytesPerTrace: section.maxBytesPerTrace,
    decisionTtlMs: section.decisionTtlMs,
    tickMs: section.tickMs,
    maxBufferedBytes: section.maxBufferedBytes,
    decideOnShutdown: section.decideOnShutdown,
    registry: rt.registry,
    panels: rt.panels,
    log,
    now,
  });
}

export function buildSampler(config: SamplerConfig): Service {
  const rt = createRuntime('sampler', config);
  const bus = kafkaBus(config.kafka, config.service.name, rt.log);
  const store = new RedisDecisionStore(redisStoreOptions(config.redis, process.env, rt.log));
  const { spans, spansSampled } = config.kafka.topics;
  return assemble(rt, config.admin, [
    bus,
    store,
    topicsStep(bus, [spans, spansSampled], config.kafka.partitions, config.kafka.replicationFactor, config.kafka.createTopics),
    samplerPart(rt, config.sampler, bus, store, config.kafka.topics),
  ]);
}
