// One backend's pipeline: its own consumer group on the sampled spans and the
// metrics topics, so a slow backend holds back no other. Offsets are committed
// only after the backend accepted the data, or after data it refused for good
// (or could not decode, or kept failing past the retry limit) is in the
// backend's dead-letter topic; until then Kafka is the retry queue.
//
// Dead-lettered records are the consumed records themselves (value, key and
// headers unchanged) plus headers saying why, so that `ocsvc replay` can
// re-drive them to the backend once the cause is fixed.
import { isAbortedResult, type Backend } from '../lib/backend/backend.js';
import type { Batch, Bus, ConsumedRecord, Consumer, OutRecord } from '../lib/bus/bus.js';
import { lagSamples } from '../lib/bus/lag-samples.js';
import { errorMessage, OcsvcError } from '../lib/errors.js';
import { closeOnce, type Component } from '../lib/lifecycle.js';
import type { Logger } from '../lib/telemetry/log.js';
import { rateLimited } from '../lib/telemetry/rate-limited-log.js';
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
  /** Dead-letter topic per signal; without one, refused data is counted dropped and skipped. */
  deadLetterTopics?: Partial<Record<Signal, string>>;
  registry: Registry;
  log: Logger;
}

/** Headers a dead-lettered record carries besides its own. */
export const DEAD_LETTER_HEADERS = {
  reason: 'ocsvc.dlq.reason',
  backend: 'ocsvc.dlq.backend',
  /** topic/partition/offset the record was consumed from. */
  source: 'ocsvc.dlq.source',
  atMs: 'ocsvc.dlq.at_ms',
} as const;

/** The dead-letter topic of one backend and signal. */
export function deadLetterTopic(prefix: string, backend: string, signal: Signal): string {
  return `${prefix}${backend}.${signal}`;
}

/** Why a batch could not be delivered: what the dead-letter headers and the drop counter say. */
type Undeliverable = { cause: 'rejected_by_backend' | 'undecodable_record' | 'retries_exhausted'; reason: string };

export class BackendPipeline implements Component {
  readonly name: string;
  private consumer: Consumer | undefined;
  private readonly stats: ComponentStats;
  private readonly signalOf = new Map<string, Signal>();
  private readonly quietLog: Logger;
  private unregister: (() => void) | undefined;

  constructor(private readonly o: BackendPipelineOptions) {
    this.name = `exporter/${o.name}`;
    this.stats = o.registry.component(this.name, 'exporter');
    // A backend refusing everything would otherwise log every batch.
    this.quietLog = rateLimited(o.log, 60_000 /* 1 minute */);
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
    let chunkRecords: ConsumedRecord[] = [];
    let items = 0;
    let last: ConsumedRecord | undefined;
    const flush = async () => {
      if (last === undefined) return;
      if (chunk.length > 0) {
        const failed = await this.export(codec, codec.merge(chunk), items, signal, batch);
        if (failed) await this.deadLetter(chunkRecords, items, signal, failed);
      }
      await this.consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: last.offset + 1n }]);
      chunk = [];
      chunkRecords = [];
      items = 0;
      last = undefined;
      await batch.heartbeat();
    };
    for (const record of batch.records) {
      let data: unknown;
      let n: number;
      try {
        data = codec.decode(record.value);
        n = codec.count(data);
      } catch (err) {
        // Not this backend's to judge, but no backend can take it: kept aside, in order with the rest.
        await flush();
        await this.deadLetter([record], 1, signal, { cause: 'undecodable_record', reason: errorMessage(err) });
        await this.consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: record.offset + 1n }]);
        continue;
      }
      // Send what we have before this record would take the request past the
      // bound; a single record larger than the bound goes alone.
      if (items > 0 && items + n > this.o.maxBatchItems) await flush();
      chunk.push(data);
      chunkRecords.push(record);
      items += n;
      last = record;
    }
    await flush();
  }

  /** Sends one request; what could not be delivered for good, or undefined once the backend took it. */
  private async export(codec: SignalCodec<unknown>, data: unknown, items: number, signal: Signal, batch: Batch): Promise<Undeliverable | undefined> {
    this.stats.received(items, signal);
    const result = await codec.send(this.o.backend, data, batch.signal);
    switch (result.status) {
      case 'ok': {
        const rejected = result.rejectedItems ?? 0;
        this.stats.sent(items - rejected, signal);
        if (rejected > 0) {
          // A partial success does not say which items: they cannot be dead-lettered.
          this.stats.dropped(rejected, 'partially_rejected_by_backend', signal);
          this.quietLog.warn('backend rejected part of a request', { backend: this.o.name, rejected, message: result.message });
        }
        return undefined;
      }
      case 'rejected':
        return { cause: 'rejected_by_backend', reason: result.reason };
      case 'retryable':
        // The retry wrapper returns 'retryable' when stopping or losing the
        // partition (aborted: leave the offset uncommitted, the data is read
        // again), or once its time limit has passed (given up).
        if (isAbortedResult(result)) throw new OcsvcError('EXPORT_ABORTED', `export to ${this.o.name} stopped: ${result.reason}`, { retryable: true });
        return { cause: 'retries_exhausted', reason: result.reason };
    }
  }

  /**
   * Puts undeliverable records into the dead-letter topic, or, without one,
   * counts them dropped. Throws (the batch is read again) while the topic
   * cannot be written, except for retries_exhausted without a topic, which
   * is retried rather than lost.
   */
  private async deadLetter(records: ConsumedRecord[], items: number, signal: Signal, why: Undeliverable): Promise<void> {
    const topic = this.o.deadLetterTopics?.[signal];
    if (topic === undefined) {
      if (why.cause === 'retries_exhausted') {
        throw new OcsvcError('EXPORT_GAVE_UP', `export to ${this.o.name} gave up and there is no dead-letter topic: ${why.reason}`, { retryable: true });
      }
      this.stats.dropped(items, why.cause, signal);
      this.quietLog.error('dropping data that cannot be delivered (no dead-letter topic)', { backend: this.o.name, items, cause: why.cause, reason: why.reason });
      return;
    }
    const atMs = String(Date.now());
    const out: OutRecord[] = records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: {
        ...r.headers,
        [DEAD_LETTER_HEADERS.reason]: `${why.cause}: ${why.reason}`.slice(0, 4_096),
        [DEAD_LETTER_HEADERS.backend]: this.o.name,
        [DEAD_LETTER_HEADERS.source]: `${r.topic}/${r.partition}/${r.offset}`,
        [DEAD_LETTER_HEADERS.atMs]: atMs,
      },
    }));
    try {
      await this.o.bus.produce(topic, out);
    } catch (err) {
      throw new OcsvcError('DEAD_LETTER_FAILED', `writing to the dead-letter topic ${topic} failed: ${errorMessage(err)}`, { retryable: true, cause: err });
    }
    this.stats.dropped(items, `dead_lettered_${why.cause}`, signal);
    this.quietLog.error('data sent to the dead-letter topic', { backend: this.o.name, topic, items, records: records.length, cause: why.cause, reason: why.reason });
  }
}
