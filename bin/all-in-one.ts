// All-in-one: agent, sampler and exporter in one process over the in-memory
// bus and decision store; for a laptop or a single host. Same code as the
// distributed services, no Kafka or Redis. Stopping drains in order:
// receivers stop accepting, the sampler decides what it holds, the exporters
// send what the sampler produced, then the bus goes.
import { frontDoorParts } from '../agent/agent.js';
import { backendPipelines, deadLetterTopics } from '../exporter/service.js';
import { MemoryBus } from '../lib/bus/memory-bus.js';
import type { AllInOneConfig } from '../lib/config/schemas.js';
import type { TopicsSection } from '../lib/config/sections.js';
import { sleep, type Component } from '../lib/lifecycle.js';
import { assemble, createRuntime, step, type Service } from '../lib/service/runtime.js';
import { MemoryDecisionStore } from '../lib/store/memory-store.js';
import { samplerPart } from '../sampler/service.js';
import type { BackendPipeline } from '../exporter/backend-pipeline.js';

const TOPICS: TopicsSection = { spans: 'spans', metrics: 'metrics', spansSampled: 'spans.sampled' };

export function buildAllInOne(config: AllInOneConfig): Service {
  const rt = createRuntime('all-in-one', config);
  const bus = new MemoryBus({ maxBytes: config.bus.maxBytes });
  const store = new MemoryDecisionStore();
  const pipelines = backendPipelines(rt, config.exporter, bus, TOPICS);
  return assemble(rt, config.admin, [
    bus,
    store,
    step('topics', () =>
      bus.ensureTopics([...Object.values(TOPICS), ...deadLetterTopics(config.exporter)].map((topic) => ({ topic, partitions: config.bus.partitions }))),
    ),
    ...pipelines,
    drained(pipelines, config.service.shutdownTimeoutMs),
    samplerPart(rt, config.sampler, bus, store, TOPICS),
    ...frontDoorParts(rt, config.receivers, bus, TOPICS, config.service.name),
  ]);
}

/** Closes once the exporters have caught up with the bus (or the deadline passed). */
function drained(pipelines: BackendPipeline[], deadlineMs: number): Component {
  return {
    name: 'drain',
    start: async () => undefined,
    close: async () => {
      const until = Date.now() + deadlineMs;
      while (Date.now() < until && pipelines.some((p) => p.lag() > 0n)) await sleep(20);
    },
  };
}
