// One schema per service, each a choice of the sections in sections.ts.
import type { BackendConfig } from './backends.js';
import {
  adminSection,
  busSection,
  exporterSection,
  forwardSection,
  kafkaSection,
  logSection,
  receiversSection,
  redisSection,
  samplerSection,
  serviceSection,
  spoolSection,
  type AdminSection,
  type BusSection,
  type ExporterSection,
  type ForwardSection,
  type KafkaSection,
  type LogSection,
  type ReceiversSection,
  type RedisSection,
  type SamplerSection,
  type ServiceSection,
  type SpoolSection,
} from './sections.js';

interface Base {
  service: ServiceSection;
  log: LogSection;
  admin: AdminSection;
}
export interface IngesterConfig extends Base {
  kafka: KafkaSection;
  spool: SpoolSection;
  receivers: ReceiversSection;
}
export interface AgentConfig extends IngesterConfig {
  forward: ForwardSection;
}
export interface SamplerConfig extends Base {
  kafka: KafkaSection;
  redis: RedisSection;
  sampler: SamplerSection;
}
export interface ExporterConfig extends Base {
  kafka: KafkaSection;
  exporter: ExporterSection;
}
export interface AllInOneConfig extends Base {
  bus: BusSection;
  receivers: ReceiversSection;
  sampler: SamplerSection;
  exporter: ExporterSection;
}

/** `ocsvc replay`: reads Kafka, sends to one of the exporter's backends, or re-samples into a topic. */
export interface ReplayConfig extends Base {
  kafka: KafkaSection;
  exporter: ExporterSection;
  sampler: SamplerSection;
}

export interface ServiceConfigs {
  agent: AgentConfig;
  ingester: IngesterConfig;
  sampler: SamplerConfig;
  exporter: ExporterConfig;
  'all-in-one': AllInOneConfig;
  replay: ReplayConfig;
}
export type ServiceName = keyof ServiceConfigs;
export const SERVICE_NAMES = ['agent', 'ingester', 'sampler', 'exporter', 'all-in-one', 'replay'] as const satisfies readonly ServiceName[];

const base = (role: string) => ({ service: serviceSection(role), log: logSection, admin: adminSection });

const DEFAULT_EXPORTER_BACKENDS: BackendConfig[] = [
  { name: 'otlp', type: 'otlp', signals: ['traces', 'metrics'], endpoint: '127.0.0.1:14317', insecure: true },
];
const ALL_IN_ONE_BACKENDS: BackendConfig[] = [
  { name: 'file', type: 'file', signals: ['traces', 'metrics'], path: './data/ocsvc-telemetry.jsonl' },
  { name: 'debug', type: 'debug', signals: ['traces', 'metrics'], verbosity: 'normal' },
];

/** The raw convict schema of each service (env names are added by load.ts). */
export function schemaOf(service: ServiceName): Record<string, unknown> {
  switch (service) {
    case 'agent':
      return { ...base(service), kafka: kafkaSection, spool: spoolSection(true), receivers: receiversSection, forward: forwardSection };
    case 'ingester':
      // Off: replicas are stateless behind a load balancer, often on disks that do not outlive them.
      return { ...base(service), kafka: kafkaSection, spool: spoolSection(false), receivers: receiversSection };
    case 'sampler':
      return { ...base(service), kafka: kafkaSection, redis: redisSection, sampler: samplerSection(30_000) };
    case 'exporter':
      return { ...base(service), kafka: kafkaSection, exporter: exporterSection(DEFAULT_EXPORTER_BACKENDS) };
    case 'replay':
      // A tool run beside the services: its admin endpoints are off unless asked for.
      return {
        ...base(service),
        admin: Object.fromEntries(Object.entries(adminSection).map(([k, v]) => [k, { ...v, default: '' }])),
        kafka: kafkaSection,
        exporter: exporterSection(DEFAULT_EXPORTER_BACKENDS),
        sampler: samplerSection(30_000),
      };
    case 'all-in-one':
      return {
        ...base(service),
        bus: busSection,
        receivers: receiversSection,
        sampler: { ...samplerSection(5_000), decideOnShutdown: { ...samplerSection(0).decideOnShutdown, default: true } },
        exporter: exporterSection(ALL_IN_ONE_BACKENDS),
      };
  }
}
