// Consumer lag as self-metric samples: one gauge per assigned partition, the
// same for every consumer group (sampler, each exporter backend).
import type { Sample } from '../telemetry/stats.js';
import type { Consumer } from './bus.js';

export function lagSamples(consumer: Consumer | undefined, groupId: string): Sample[] {
  return (consumer?.lag() ?? []).map((l) => ({
    name: 'ocsvc_kafka_consumer_lag',
    help: 'Records not yet committed by the consumer group, per partition.',
    type: 'gauge',
    labels: { group: groupId, topic: l.topic, partition: String(l.partition) },
    value: Number(l.lag),
  }));
}
