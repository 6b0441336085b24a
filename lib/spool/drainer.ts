// Sends what the spool holds to Kafka, in log order, a batch at a time, and
// acknowledges each batch to the log once Kafka took it (the log then deletes
// what is behind and moves its checkpoint). While Kafka refuses it waits with
// exponential backoff and jitter. A record Kafka refuses for good (too large
// for the broker) would block the spool for ever: the batch is retried one
// record at a time to find it, and that record alone is dropped, counted and
// logged.
import type { OutRecord } from '../bus/bus.js';
import { InvalidInputError } from '../errors.js';
import { sleep } from '../lifecycle.js';
import type { Logger } from '../telemetry/log.js';
import { rateLimited } from '../telemetry/rate-limited-log.js';
import type { LogEntry, SegmentLog } from './segment-log.js';

export interface DrainerOptions {
  log: SegmentLog;
  /** Resolves once Kafka acknowledged every record (the inner bus's produce). */
  send(topic: string, records: OutRecord[]): Promise<void>;
  /** Runs before each send (e.g. creating topics that could not be created at start-up); a throw backs off. */
  prepare?(): Promise<void>;
  batchRecords: number;
  batchBytes: number;
  backoffMs: number;
  maxBackoffMs: number;
  logger: Logger;
}

export interface DrainerCounters {
  failedBatches: number;
  droppedRecords: number;
}

export class Drainer {
  readonly counters: DrainerCounters = { failedBatches: 0, droppedRecords: 0 };
  private readonly abort = new AbortController();
  private readonly warn: Logger;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Records still to send one at a time, after a batch held one Kafka refuses for good. */
  private singles = 0;

  constructor(private readonly o: DrainerOptions) {
    this.warn = rateLimited(o.logger, 30_000 /* 30 seconds */);
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => {
      this.o.logger.error('spool drainer stopped by an unexpected error', { err });
    });
  }

  /** New records are in the log. */
  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /** Stops at once; a batch in flight is left to finish on its own and is not acknowledged (it is sent again after a restart). */
  async stop(): Promise<void> {
    this.abort.abort(new Error('spool drainer stopping'));
    this.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let backoffMs = this.o.backoffMs;
    while (!signal.aborted) {
      let failed: boolean;
      try {
        const seen = this.o.log.commits;
        const entries = await this.o.log.read(this.singles > 0 ? 1 : this.o.batchRecords, this.o.batchBytes);
        if (entries.length === 0) {
          await new Promise<void>((resolve) => {
            this.wakeUp = resolve;
            // Records committed while we were reading would not wake us.
            if (this.o.log.commits !== seen || signal.aborted) this.wake();
          });
          continue;
        }
        await untilAborted(this.o.prepare?.() ?? Promise.resolve(), signal);
        if (signal.aborted) return;
        const sent = await untilAborted(this.sendInOrder(entries), signal);
        if (signal.aborted) return;
        failed = !(await this.settle(entries, sent));
      } catch (err) {
        if (signal.aborted) return;
        this.warn.warn('spool drain failed; retrying', { err });
        failed = true;
      }
      if (failed) {
        this.counters.failedBatches += 1;
        await sleep(backoffMs * (0.8 + Math.random() * 0.4), signal).catch(() => undefined);
        backoffMs = Math.min(this.o.maxBackoffMs, backoffMs * 2);
      } else {
        backoffMs = this.o.backoffMs;
      }
    }
  }

  /** Sends the batch per topic at once (the Kafka bus makes one request of them); the outcome of each topic. */
  private async sendInOrder(entries: LogEntry[]): Promise<Map<string, unknown>> {
    const byTopic = new Map<string, OutRecord[]>();
    for (const { record } of entries) {
      const out: OutRecord = { key: record.key, value: record.value, headers: record.headers };
      if (record.partition !== undefined) out.partition = record.partition;
      const list = byTopic.get(record.topic);
      if (list) list.push(out);
      else byTopic.set(record.topic, [out]);
    }
    const failures = new Map<string, unknown>();
    await Promise.all(
      [...byTopic].map(([topic, records]) => this.o.send(topic, records).catch((err: unknown) => void failures.set(topic, err))),
    );
    return failures;
  }

  /** Acknowledges what Kafka took (the batch up to the first record of a failed topic); false when the drainer should back off. */
  private async settle(entries: LogEntry[], failures: Map<string, unknown>): Promise<boolean> {
    const firstFailed = entries.findIndex((e) => failures.has(e.record.topic));
    const taken = firstFailed < 0 ? entries.length : firstFailed;
    if (taken > 0) await this.o.log.ack(entries[taken - 1]!.next);
    if (this.singles > 0) this.singles = Math.max(0, this.singles - taken);
    if (firstFailed < 0) return true;
    const failed = entries[firstFailed]!;
    const err = failures.get(failed.record.topic);
    if (!(err instanceof InvalidInputError)) {
      this.warn.warn('Kafka refused spooled records; retrying with backoff', { err, topic: failed.record.topic });
      return false;
    }
    if (entries.length - taken > 1) {
      this.singles = entries.length - taken; // find the one Kafka refuses
      return true;
    }
    this.counters.droppedRecords += 1;
    this.singles = 0;
    this.o.logger.error('Kafka refuses a spooled record for good; dropping it', { err, topic: failed.record.topic, bytes: failed.record.value.length });
    await this.o.log.ack(failed.next);
    return true;
  }
}

/** The promise's value, or undefined once the signal aborts first (the promise is left to settle on its own). */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return undefined as T;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  try {
    return (await Promise.race([promise, aborted])) as T;
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
