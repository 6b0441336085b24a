// The message bus: the interface (bus.ts), Kafka's partitioner, and its two
// implementations. The service wiring picks one from configuration.
export type {
  Batch,
  Bus,
  ConsumedRecord,
  Consumer,
  ConsumerOptions,
  Headers,
  OffsetSpec,
  OutRecord,
  PartitionLag,
  PartitionOffset,
  TopicPartition,
  TopicSpec,
} from './bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export type { KafkaConsumerSettings } from './kafka-consumer.js';
export type { KafkaLogLevel } from './kafka-log.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { choosePartition, murmur2, partitionFor } from './partitioner.js';
