// One backend's pipeline: its own consumer group on the sampled spans and the
// metrics topics, so a slow backend holds back no other. Offsets are committed
// only after the backend accepted the data (or refused it for good, counted);
// until then Kafka is the retry queue.
import type { Backend } from '../lib/backend/backend.js';
import type { Batch, Bus, ConsumedRecord, Consumer } from '../lib/bus/bus.js';
import { lagSamples } from '../lib/bus/lag-samples.js';
import { errorMessage, OcsvcError } from '../lib/errors.js';
import { closeOnce, type Component } from '../lib/lifecycle.js';
import type { Logger } from '../lib/telemetry/log.js';
import type { ComponentStats, Registry } from '../lib/telemetry/stats.js';
import { SIGNAL_CODECS, type Signal, type SignalCodec } from './signals.js';

export interface BackendPipelineOptions {
  name: string;
  bus: Bus;
  /** Already wrapped with retry: it returns 'retryable' only when aborted. */
  backend: Backend;
  groupId: string;
  /** Topic per signal this backend takes. */
  topics: Partial<Record<Signal, string>>;
  maxBatchItems: number;
  registry: Registry;
  log: Logger;
}

export class BackendPipeline implements Component {
  readonly name: string;
  private consumer: Consumer | undefined;
  private readonly stats: ComponentStats;
  private readonly signalOf = new Map<string, Signal>();
  private unregister: (() => void) | undefined;

  constructor(private readonly o: BackendPipelineOptions) {
    this.name = `exporter/${o.name}`;
    this.stats = o.registry.component(this.name, 'exporter');
    for (const [signal, topic] of Object.entries(o.topics) as [Signal, string][]) this.signalOf.set(topic, signal);
  }

  async start(): Promise<void> {
    await this.o.backend.start();
    this.consumer = this.o.bus.consumer({
      groupId: this.o.groupId,
      topics: [...this.signalOf.keys()],
      fromBeginning: true,
      handler: (batch) => this.onBatch(batch),
    });
    this.unregister = this.o.registry.collect(() => lagSamples(this.consumer, this.o.groupId));
    await this.consumer.start();
  }

  /** Records on its topics not yet exported and committed. */
  lag(): bigint {
    let total = 0n;
    for (const l of this.consumer?.lag() ?? []) total += l.lag;
    return total;
  }

  readonly close = closeOnce(async () => {
    try {
      await this.consumer?.close();
    } finally {
      this.unregister?.();
      await this.o.backend.close();
    }
  });

  private async onBatch(batch: Batch): Promise<void> {
    const signal = this.signalOf.get(batch.topic);
    if (!signal) return;
    const codec = SIGNAL_CODECS[signal] as SignalCodec<unknown>;
    let chunk: unknown[] = [];
    let items = 0;
    let last: ConsumedRecord | undefined;
    const flush = async () => {
      if (last === undefined) return;
      if (chunk.length > 0) await this.export(codec, codec.merge(chunk), items, signal, batch);
      await this.consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: last.offset + 1n }]);
      chunk = [];
      items = 0;
      last = undefined;
      await batch.heartbeat();
    };
    for (const record of batch.records) {
      let data: unknown;
      let n = 0;
      try {
        data = codec.decode(record.value);
        n = codec.count(data);
      } catch (err) {
        data = undefined;
        this.stats.dropped(1, 'undecodable_record', signal);
        this.o.log.warn('dropping an undecodable record', { topic: record.topic, partition: record.partition, offset: String(record.offset), err: errorMessage(err) });
      }
      // Send what we have before this record would take the request past the
      // bound; a single record larger than the bound goes alone.
      if (data !== undefined && items > 0 && items + n > this.o.maxBatchItems) await flush();
      if (data !== undefined) {
        chunk.push(data);
        items += n;
      }
      last = record;
    }
    await flush();
  }

  private async export(codec: SignalCodec<unknown>, data: unknown, items: number, signal: Signal, batch: Batch): Promise<void> {
    this.stats.received(items, signal);
    const result = await codec.send(this.o.backend, data, batch.signal);
    switch (result.status) {
      case 'ok': {
        const rejected = result.rejectedItems ?? 0;
        this.stats.sent(items - rejected, signal);
        if (rejected > 0) {
          this.stats.dropped(rejected, 'partially_rejected_by_backend', signal);
          this.o.log.warn('backend rejected part of a request', { backend: this.o.name, rejected, message: result.message });
        }
        return;
      }
      case 'rejected':
        // Refused for good: retrying cannot help. Counted and logged; the
        // dead-letter topic of the reliability issue will keep these.
        this.stats.dropped(items, 'rejected_by_backend', signal);
        this.o.log.error('backend rejected data for good', { backend: this.o.name, items, reason: result.reason });
        return;
      case 'retryable':
        // Only when stopping or losing the partition: leave the offset
        // uncommitted so that the data is read again.
        throw new OcsvcError('EXPORT_ABORTED', `export to ${this.o.name} stopped: ${result.reason}`, { retryable: true });
    }
  }
}
