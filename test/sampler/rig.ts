// The sampler over the in-memory bus and decision store, as its unit tests
// run it: topics of their own, a clock the test moves (the store's too),
// samplers started with the test's options and closed after the test, a
// collector of spans.sampled, and publishing as the agent does.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { MemoryBus, type MemoryBusOptions } from '../../lib/bus/memory-bus.js';
import { partitionFor } from '../../lib/bus/partitioner.js';
import { partitionKey } from '../../lib/bus/topic-partition.js';
import { DEFAULT_POLICIES } from '../../lib/config/policies.js';
import { idToBytes } from '../../lib/model/ids.js';
import type { Traces } from '../../lib/model/trace.js';
import { Publisher } from '../../lib/pipeline/publisher.js';
import { encodeTracesProto } from '../../lib/protocol/otlp/index.js';
import { MemoryDecisionStore } from '../../lib/store/memory-store.js';
import type { DecisionStore } from '../../lib/store/store.js';
import { createLogger } from '../../lib/telemetry/log.js';
import { Registry } from '../../lib/telemetry/stats.js';
import { uniqueName } from '../harness/env.js';
import { waitFor } from '../harness/wait-for.js';
import { traceIdN } from '../helpers/fixtures.js';
import { PolicySet } from '../../sampler/policy-set.js';
import { Sampler, type SamplerOptions } from '../../sampler/sampler.js';
import { FakeClock, FlakyStore, RecordingBus, captureLog, collect, part, type CapturedLog } from './harness.js';

export const WAIT_MS = 1_000;
export const TTL_MS = 3_600_000; // 1 hour
export const WAIT = { timeoutMs: 10_000 } as const;

export interface StartedSampler {
  sampler: Sampler;
  bus: RecordingBus;
  registry: Registry;
  logs: CapturedLog;
}

export async function setup(t: TestContext, o: { partitions?: number; bus?: MemoryBusOptions; store?: DecisionStore } = {}) {
  const partitions = o.partitions ?? 4;
  const bus = new MemoryBus({ logger: createLogger({ level: 'error', stream: process.stderr }), retryBackoffMs: 10, ...o.bus });
  const topics = { spans: uniqueName('spans'), spansSampled: uniqueName('spans.sampled'), metrics: uniqueName('metrics') };
  await bus.ensureTopics([
    { topic: topics.spans, partitions },
    { topic: topics.spansSampled, partitions },
    { topic: topics.metrics, partitions: 1 },
  ]);
  // The store runs on the test's clock too: budgets refill only when the test moves it.
  const clock = new FakeClock();
  const memoryStore = new MemoryDecisionStore({ nowMs: clock.now });
  const store = new FlakyStore(o.store ?? memoryStore);
  await store.start();
  const groupId = uniqueName('sampler');
  const publisher = new Publisher({ bus, topics, sender: 'agent-1', stats: new Registry().component('publisher', 'agent') });
  const samplers: Sampler[] = [];
  // One cleanup, in order: samplers before the store and the bus they use.
  t.after(async () => {
    for (const s of samplers) await s.close().catch(() => undefined);
    await store.close();
    await bus.close();
  });
  const sampled = await collect(t, bus, topics.spansSampled);

  async function start(overrides: Partial<SamplerOptions> = {}): Promise<StartedSampler> {
    const recording = new RecordingBus(bus);
    const registry = new Registry();
    const logs = captureLog();
    const sampler = new Sampler({
      bus: recording,
      store,
      policies: PolicySet.fromConfig(DEFAULT_POLICIES),
      groupId,
      topics,
      decisionWaitMs: WAIT_MS,
      decisionTtlMs: TTL_MS,
      tickMs: 3_600_000, // the tests run the decision rounds themselves
      maxBufferedBytes: 64 * 1024 * 1024,
      decideOnShutdown: false,
      registry,
      log: logs.log,
      now: clock.now,
      ...overrides,
    });
    samplers.push(sampler);
    await sampler.start();
    return { sampler, bus: recording, registry, logs };
  }

  const publish = async (traces: Traces) => {
    const outcome = await publisher.consumeTraces(traces, { protocol: 'otlp/grpc', receivedAtMs: 7 });
    assert.deepEqual(outcome, { status: 'ok' });
  };
  const committed = (p: number) => bus.group(groupId).committed.get(partitionKey(topics.spans, p));
  const endOf = (topic: string) => Array.from({ length: partitions }, (_, p) => bus.endOffset(topic, p));
  const sampledCount = () => endOf(topics.spansSampled).reduce((a, b) => a + Number(b), 0);
  return { bus, topics, store, memoryStore, clock, groupId, sampled, start, publish, committed, endOf, sampledCount, partitions };
}

export const partitionOf = (n: number, partitions: number) => partitionFor(idToBytes(traceIdN(n)), partitions);
export const partBytes = (n: number, k: 0 | 1) => encodeTracesProto(part(n, k)).length;
export const total = (registry: Registry, name: string, where: Record<string, string> = {}) =>
  registry.total(`ocsvc_component_${name}_items_total`, { component: 'sampler', ...where });
export const decisions = (registry: Registry, where: Record<string, string>) => registry.total('ocsvc_sampler_decisions_total', where);

/** Runs decision rounds until `probe` holds: a forward's acknowledgement lands between rounds. */
export async function tickUntil(sampler: Sampler, probe: () => boolean, what: string): Promise<void> {
  await waitFor(
    async () => {
      await sampler.tick();
      return probe();
    },
    { ...WAIT, intervalMs: 5, what },
  );
}

/** Lets the event loop run: a consumer that is not paused gets its records in this time. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

