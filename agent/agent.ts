// The agent: receivers on the host, publishing to Kafka. A client is answered
// only after Kafka acknowledged what it sent.
import type { Bus } from '../lib/bus/bus.js';
import type { AgentConfig } from '../lib/config/schemas.js';
import type { ReceiversSection, TopicsSection } from '../lib/config/sections.js';
import type { Component } from '../lib/lifecycle.js';
import { Publisher } from '../lib/pipeline/publisher.js';
import { kafkaBus, topicsStep } from '../lib/service/kafka.js';
import { receivers } from '../lib/service/receivers.js';
import { assemble, createRuntime, type Runtime, type Service } from '../lib/service/runtime.js';

/** Receivers publishing to the bus: the parts shared with the ingester and all-in-one. */
export function frontDoorParts(rt: Runtime, section: ReceiversSection, bus: Bus, topics: TopicsSection, sender: string): Component[] {
  const publisher = new Publisher({ bus, topics, sender, stats: rt.registry.component('publisher', 'publisher') });
  return receivers(section, publisher, rt.registry);
}

export function buildAgent(config: AgentConfig, role = 'agent'): Service {
  const rt = createRuntime(role, config);
  const bus = kafkaBus(config.kafka, config.service.name, rt.log);
  const { spans, metrics } = config.kafka.topics;
  return assemble(rt, config.admin, [
    bus,
    topicsStep(bus, [spans, metrics], config.kafka.partitions, config.kafka.replicationFactor, config.kafka.createTopics),
    ...frontDoorParts(rt, config.receivers, bus, config.kafka.topics, config.service.name),
  ]);
}
