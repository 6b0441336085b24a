// One produce request in flight at a time, carrying every record that waited
// for it. KafkaJS's idempotent producer must never have two sends in flight:
// concurrent send() calls interleave sequence numbers and the broker answers
// OUT_OF_ORDER_SEQUENCE_NUMBER from then on (tulios/kafkajs#598, #1005), which
// a fresh agent under concurrent requests hit within seconds. Coalescing the
// waiting calls into one request also makes many small produces (one per
// trace) cost one round trip.
import { UnavailableError } from '../errors.js';

export interface QueuedMessages<M> {
  topic: string;
  messages: M[];
  bytes: number;
}

interface Waiter<M> extends QueuedMessages<M> {
  resolve(): void;
  reject(err: unknown): void;
}

export interface SendQueueOptions<M> {
  /** Sends one request; resolves once the broker acknowledged all of it. */
  send(batch: QueuedMessages<M>[]): Promise<void>;
  /** Turns a failed send into the error every waiter of that send gets. */
  toError(err: unknown, topics: string[]): unknown;
  /** Stop adding waiters to a request past this many value bytes (one larger waiter goes alone). */
  maxRequestBytes: number;
  /** Waiters of a send are answered retryable after this long; the send itself is still awaited before the next. */
  timeoutMs: number;
}

export class SendQueue<M> {
  private readonly waiting: Waiter<M>[] = [];
  private running = false;

  constructor(private readonly o: SendQueueOptions<M>) {}

  push(topic: string, messages: M[], bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ topic, messages, bytes, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  private take(): Waiter<M>[] {
    const out: Waiter<M>[] = [];
    let bytes = 0;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (out.length > 0 && bytes + next.bytes > this.o.maxRequestBytes) break;
      out.push(this.waiting.shift()!);
      bytes += next.bytes;
    }
    return out;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.take();
        const sent = this.o.send(batch);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.o.timeoutMs)));
        try {
          const first = await Promise.race([sent.then(() => 'sent' as const), timedOut]);
          if (first === 'timeout') {
            const topics = [...new Set(batch.map((w) => w.topic))];
            const err = new UnavailableError(`producing to ${topics.join(', ')}: no acknowledgement within ${this.o.timeoutMs} ms`, { code: 'BUS_TIMEOUT' });
            for (const w of batch) w.reject(err);
            await sent.catch(() => undefined); // never two in flight
          } else {
            for (const w of batch) w.resolve();
          }
        } catch (err) {
          const error = this.o.toError(err, [...new Set(batch.map((w) => w.topic))]);
          for (const w of batch) w.reject(error);
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
