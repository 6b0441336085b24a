// A Bus that keeps accepting while Kafka cannot: produce() first offers the
// records to the inner (Kafka) bus for up to kafkaTimeoutMs; when Kafka
// refuses or is slow, they go to the on-disk spool (segment-log.ts) instead,
// and produce() resolves once they are durable there, so a receiver answers
// its client only then. From the first spooled record on, every produce()
// goes to the spool until the drainer (drainer.ts) has sent all of it, so
// that records of one key never overtake each other.
//
// Order while Kafka is healthy: produce() calls queue here and go to the
// inner bus together, one group at a time. When a group fails or times out,
// it and everything queued behind it are spooled in call order; a group sent
// later could otherwise reach Kafka before an earlier one that failed. A group
// that timed out may still reach Kafka after all: then its records arrive
// twice, the first copy in order (at least once, never out of order).
//
// Everything else (consumers, ensureTopics, offsets) is the inner bus's. When
// Kafka cannot be reached at start-up, the service starts anyway: topics that
// could not be created are created by the drainer before it sends.
import type { Bus, OutRecord, TopicSpec } from '../bus/bus.js';
import { ForwardingBus } from '../bus/forwarding-bus.js';
import { InvalidInputError, UnavailableError } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/stats.js';
import { Drainer } from './drainer.js';
import { SegmentLog, type SegmentLogOptions } from './segment-log.js';
import { spoolSamples } from './spool-metrics.js';

export interface SpoolingBusOptions {
  inner: Bus;
  spool: Omit<SegmentLogOptions, 'logger'>;
  /** How long a produce() waits for Kafka before its records are spooled; also bounds the wait for Kafka at start-up. */
  kafkaTimeoutMs: number;
  /** Records and bytes per drained batch (a larger single record goes alone). */
  drainBatchRecords: number;
  drainBatchBytes: number;
  /** The drainer's backoff while Kafka refuses. Defaults 200 ms, doubling to 10 s. */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  registry?: Registry;
  logger?: Logger;
}

interface Waiting {
  topic: string;
  records: OutRecord[];
  /** Sent on its own: its group held a record Kafka refuses for good. */
  alone: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

export class SpoolingBus extends ForwardingBus {
  readonly name = 'spooling-bus';
  private readonly closing: () => Promise<void>;
  readonly log: SegmentLog;
  private readonly drainer: Drainer;
  private readonly logger: Logger;
  private readonly deferredTopics = new Map<string, TopicSpec>();
  private direct: Waiting[] = [];
  private directRunning: Promise<void> = Promise.resolve();
  private directBusy = false;
  private unregister: (() => void) | undefined;
  private closed = false;

  constructor(private readonly o: SpoolingBusOptions) {
    super(o.inner);
    this.logger = o.logger ?? createLogger({ level: 'warn', stream: process.stderr, bindings: { component: 'spool' } });
    this.log = new SegmentLog({ ...o.spool, logger: this.logger });
    this.drainer = new Drainer({
      log: this.log,
      send: (topic, records) => this.inner.produce(topic, records),
      prepare: () => this.createDeferredTopics(),
      batchRecords: o.drainBatchRecords,
      batchBytes: o.drainBatchBytes,
      backoffMs: o.retryBackoffMs ?? 200,
      maxBackoffMs: o.maxRetryBackoffMs ?? 10_000,
      logger: this.logger,
    });
    this.log.onCommit = () => this.drainer.wake();
    this.closing = closeOnce(() => this.doClose());
  }

  override close(): Promise<void> {
    return this.closing();
  }

  /** Recovers the spool, then connects to Kafka, but starts without it when it cannot be reached in kafkaTimeoutMs. */
  override async start(): Promise<void> {
    if (this.closed) throw new UnavailableError('bus closed', { code: 'BUS_CLOSED' });
    await this.log.open();
    this.unregister = this.o.registry?.collect(() => spoolSamples(this.log, this.drainer, this.o.spool.maxBytes));
    const started = this.inner.start();
    started.catch(() => undefined);
    const outcome = await within(started, this.o.kafkaTimeoutMs).catch((err: unknown) => err);
    if (outcome !== 'done') {
      if (outcome !== 'timeout' && !(outcome instanceof UnavailableError)) {
        await this.log.close().catch(() => undefined);
        throw outcome;
      }
      this.logger.warn('Kafka not reachable at start-up; spooling until it is', { err: outcome === 'timeout' ? `no answer in ${this.o.kafkaTimeoutMs} ms` : outcome });
    }
    this.drainer.start();
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    const failures: unknown[] = [];
    await this.directRunning;
    await this.drainer.stop();
    if (this.log.readable > 0) this.logger.info('spool holds records at shutdown; they are sent after the next start', { records: this.log.readable });
    await this.log.close().catch((err: unknown) => failures.push(err));
    this.unregister?.();
    await this.inner.close().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw new AggregateError(failures, 'closing the spooling bus');
  }

  override async ensureTopics(specs: TopicSpec[]): Promise<void> {
    try {
      await this.inner.ensureTopics(specs);
    } catch (err) {
      if (!(err instanceof UnavailableError) || err.code === 'BUS_CLOSED') throw err;
      for (const spec of specs) this.deferredTopics.set(spec.topic, spec);
      this.logger.warn('topics not created: Kafka is not reachable; the spool creates them before it sends', { topics: specs.map((s) => s.topic), err });
    }
  }

  private async createDeferredTopics(): Promise<void> {
    if (this.deferredTopics.size === 0) return;
    const specs = [...this.deferredTopics.values()];
    await this.inner.ensureTopics(specs);
    for (const spec of specs) this.deferredTopics.delete(spec.topic);
  }

  /**
   * Resolves once Kafka acknowledged the records, or once they are durable in
   * the spool. Rejects with UnavailableError when the spool is full or cannot
   * be written (SPOOL_FULL and SPOOL_DISK_FULL are `exhausted`: 429), and with
   * InvalidInputError for records Kafka refuses for good.
   */
  override produce(topic: string, records: OutRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('bus closed', { code: 'BUS_CLOSED' }));
    if (records.length === 0) return Promise.resolve();
    if (this.log.pending > 0) return this.spool(topic, records);
    return new Promise((resolve, reject) => {
      this.direct.push({ topic, records, alone: false, resolve, reject });
      if (!this.directBusy) {
        this.directBusy = true;
        this.directRunning = this.runDirect();
      }
    });
  }

  /** Whether produce() goes to the spool now. */
  get spooling(): boolean {
    return this.log.pending > 0;
  }

  private spool(topic: string, records: OutRecord[]): Promise<void> {
    return this.log.append(records.map((r) => ({ topic, key: r.key, value: r.value, headers: r.headers ?? {}, partition: r.partition })));
  }

  /** Spools the calls in order (each append is queued before the next call starts). */
  private spoolAll(calls: Waiting[]): void {
    for (const c of calls) this.spool(c.topic, c.records).then(c.resolve, c.reject);
  }

  private async runDirect(): Promise<void> {
    try {
      while (this.direct.length > 0) {
        if (this.log.pending > 0) {
          this.spoolAll(this.direct.splice(0));
          return;
        }
        const first = this.direct[0]!;
        const end = first.alone ? 1 : this.direct.findIndex((w) => w.alone);
        await this.sendDirect(this.direct.splice(0, end < 0 ? this.direct.length : end));
      }
    } catch (err) {
      // Not expected (sendDirect answers every call); never leave a caller waiting.
      for (const w of this.direct.splice(0)) w.reject(err);
    } finally {
      // In the same step as the last look at the queue: a call queued after it starts a new run.
      this.directBusy = false;
    }
  }

  private async sendDirect(group: Waiting[]): Promise<void> {
    const byTopic = new Map<string, Waiting[]>();
    for (const w of group) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w]);
    const sends = [...byTopic].map(([topic, calls]) =>
      this.inner.produce(topic, calls.flatMap((c) => c.records)).then(
        () => undefined,
        (err: unknown) => err ?? new Error('produce failed'),
      ),
    );
    const outcome = await within(Promise.all(sends), this.o.kafkaTimeoutMs);
    if (outcome === 'timeout') {
      this.logger.warn('Kafka did not acknowledge in time; spooling', { kafkaTimeoutMs: this.o.kafkaTimeoutMs });
      this.spoolAll([...group, ...this.direct.splice(0)]);
      return;
    }
    const results = await Promise.all(sends);
    const toSpool = new Set<Waiting>();
    const alone: Waiting[] = [];
    [...byTopic.values()].forEach((calls, i) => {
      const err = results[i];
      if (err === undefined) {
        for (const c of calls) c.resolve();
      } else if (err instanceof InvalidInputError) {
        // One record Kafka refuses for good must not fail the others that shared its request.
        if (calls.length === 1) calls[0]!.reject(err);
        else alone.push(...calls);
      } else if (!this.spoolable(err, calls[0]!.topic)) {
        for (const c of calls) c.reject(err);
      } else {
        for (const c of calls) toSpool.add(c);
      }
    });
    for (const c of alone) c.alone = true;
    if (toSpool.size > 0) {
      this.logger.warn('Kafka refused; spooling', { err: results.find((r) => r !== undefined) });
      this.spoolAll([...group.filter((c) => toSpool.has(c) || alone.includes(c)), ...this.direct.splice(0)]);
      return;
    }
    this.direct.unshift(...alone);
  }

  /** Worth spooling: Kafka may take it later. An unknown topic is a mistake unless its creation is pending. */
  private spoolable(err: unknown, topic: string): boolean {
    if (!(err instanceof UnavailableError)) return !(err instanceof InvalidInputError);
    if (err.code === 'BUS_CLOSED') return false;
    if (err.code === 'BUS_UNKNOWN_TOPIC') return this.deferredTopics.has(topic);
    return true;
  }
}

/** 'done' once the promise resolves, 'timeout' after ms; rejects as it does. */
async function within(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([promise.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
