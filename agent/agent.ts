// The agent: receivers on the host, publishing to Kafka, or, on a host that
// cannot reach Kafka, forwarding to an ingester (forward.endpoint, over OTLP
// or OpenCensus). Either way a client is answered only after Kafka
// acknowledged what it sent (the ingester answers only then), or, while
// Kafka is unreachable or slow, once it is durable in the local spool
// (spool.enabled, lib/spool/).
import { createBackend } from '../lib/backend/registry.js';
import type { Bus } from '../lib/bus/bus.js';
import type { AgentConfig, IngesterConfig } from '../lib/config/schemas.js';
import type { ForwardSection, ReceiversSection, TopicsSection } from '../lib/config/sections.js';
import type { Component } from '../lib/lifecycle.js';
import { tlsClientFilesFrom } from '../lib/net/tls-client.js';
import { Forwarder } from '../lib/pipeline/forwarder.js';
import { Publisher } from '../lib/pipeline/publisher.js';
import { publishingBus, topicsStep } from '../lib/service/kafka.js';
import { receivers } from '../lib/service/receivers.js';
import { assemble, createRuntime, type Runtime, type Service } from '../lib/service/runtime.js';

/** Receivers publishing to the bus: the parts shared with the ingester and all-in-one. */
export function frontDoorParts(rt: Runtime, section: ReceiversSection, bus: Bus, topics: TopicsSection, sender: string): Component[] {
  const publisher = new Publisher({ bus, topics, sender, stats: rt.registry.component('publisher', 'publisher') });
  return receivers(section, publisher, rt.registry, rt.log);
}

/** The agent's consumer when forward.endpoint is set: an upstream ingester instead of Kafka. */
function forwarder(rt: Runtime, forward: ForwardSection): Forwarder {
  const log = rt.log.child({ component: 'forward' });
  const options = {
    name: 'ingester',
    endpoint: forward.endpoint,
    insecure: forward.insecure,
    ...tlsClientFilesFrom(forward, 'forward'),
    compression: forward.compression,
    timeoutMs: forward.timeoutMs,
  };
  const deps = {
    log: (line: string) => log.info(line),
    onTlsError: (err: Error) => log.error('TLS files changed but are unusable; keeping the previous ones', { err }),
  };
  const backend = forward.protocol === 'opencensus' ? createBackend('opencensus', options, deps) : createBackend('otlp', options, deps);
  return new Forwarder({ backend, stats: rt.registry.component('forward', 'forwarder'), timeoutMs: forward.timeoutMs });
}

export function buildAgent(config: AgentConfig | IngesterConfig, role = 'agent'): Service {
  const rt = createRuntime(role, config);
  if ('forward' in config && config.forward.endpoint !== '') {
    const upstream = forwarder(rt, config.forward);
    // Receivers stop before the forwarder closes: assemble closes in reverse order.
    return assemble(rt, config.admin, [upstream, ...receivers(config.receivers, upstream, rt.registry, rt.log)]);
  }
  const bus = publishingBus(config.kafka, config.spool, config.service.name, rt);
  const { spans, metrics } = config.kafka.topics;
  return assemble(rt, config.admin, [
    bus,
    topicsStep(bus, [spans, metrics], config.kafka.partitions, config.kafka.replicationFactor, config.kafka.createTopics),
    ...frontDoorParts(rt, config.receivers, bus, config.kafka.topics, config.service.name),
  ]);
}
