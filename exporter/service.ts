// The exporter service: one BackendPipeline (own consumer group, own
// dead-letter topics) per backend.
import { createBackend, type BackendOptions } from '../lib/backend/registry.js';
import { withRetry } from '../lib/backend/retry.js';
import type { Bus } from '../lib/bus/bus.js';
import type { BackendConfig } from '../lib/config/backends.js';
import { resolveHeaders } from '../lib/config/secrets.js';
import type { ExporterConfig } from '../lib/config/schemas.js';
import type { ExporterSection, TopicsSection } from '../lib/config/sections.js';
import { kafkaBus, topicsStep } from '../lib/service/kafka.js';
import { assemble, createRuntime, type Runtime, type Service } from '../lib/service/runtime.js';
import { BackendPipeline, deadLetterTopic } from './backend-pipeline.js';
import type { Signal } from './signals.js';

/** The dead-letter topic of each backend and signal it takes, when dead-lettering is on. */
function deadLetterTopicsOf(section: ExporterSection, cfg: BackendConfig): Partial<Record<Signal, string>> {
  if (!section.deadLetter.enabled) return {};
  return Object.fromEntries(cfg.signals.map((signal) => [signal, deadLetterTopic(section.deadLetter.topicPrefix, cfg.name, signal)]));
}

/** Every dead-letter topic the section's backends write: to create with the other topics. */
export function deadLetterTopics(section: ExporterSection): string[] {
  return section.backends.flatMap((cfg) => Object.values(deadLetterTopicsOf(section, cfg)));
}

export function backendPipelines(rt: Runtime, section: ExporterSection, bus: Bus, topics: TopicsSection): BackendPipeline[] {
  return section.backends.map((cfg) => {
    const log = rt.log.child({ component: `exporter/${cfg.name}` });
    const backend = withRetry(createBackend(cfg.type, backendOptions(cfg) as never, {
        log: (line) => log.info(line),
        onTlsError: (err) => log.error('TLS files changed but are unusable; keeping the previous ones', { err }),
      }), {
      initialIntervalMs: section.retry.initialIntervalMs,
      maxIntervalMs: section.retry.maxIntervalMs,
      multiplier: section.retry.multiplier,
      // Giving up needs somewhere to put the data.
      maxElapsedMs: section.deadLetter.enabled ? section.retry.maxElapsedMs : 0,
      onRetry: (attempt, reason, delayMs) => {
        if (attempt === 1 || attempt % 10 === 0) log.warn('export failed; retrying', { attempt, reason, delayMs });
      },
    });
    return new BackendPipeline({
      name: cfg.name,
      bus,
      backend,
      groupId: `${section.groupPrefix}-${cfg.name}`,
      topics: {
        ...(cfg.signals.includes('traces') ? { traces: topics.spansSampled } : {}),
        ...(cfg.signals.includes('metrics') ? { metrics: topics.metrics } : {}),
      },
      maxBatchItems: section.maxBatchItems,
      deadLetterTopics: deadLetterTopicsOf(section, cfg),
      registry: rt.registry,
      log,
    });
  });
}

/** Configuration keys -> the backend's own options. */
function backendOptions(cfg: BackendConfig): BackendOptions[keyof BackendOptions] {
  const { type: _type, signals: _signals, ...config } = cfg;
  // ${env:...} and ${file:...} in header values become the secrets now, never earlier (secrets.ts).
  const rest = config.headers === undefined ? config : { ...config, headers: resolveHeaders(config.headers, `exporter.backends.${cfg.name}`) };
  // The OTLP/gRPC client is plaintext unless told otherwise; configuration is TLS unless told otherwise.
  return (cfg.type === 'otlp' ? { ...rest, insecure: cfg.insecure ?? false } : rest) as BackendOptions[keyof BackendOptions];
}

export function buildExporter(config: ExporterConfig): Service {
  const rt = createRuntime('exporter', config);
  const bus = kafkaBus(config.kafka, config.service.name, rt.log);
  const { spansSampled, metrics } = config.kafka.topics;
  return assemble(rt, config.admin, [
    bus,
    topicsStep(bus, [spansSampled, metrics, ...deadLetterTopics(config.exporter)], config.kafka.partitions, config.kafka.replicationFactor, config.kafka.createTopics),
    ...backendPipelines(rt, config.exporter, bus, config.kafka.topics),
  ]);
}
