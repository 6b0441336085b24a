// A client for the conservation tests: sends uniquely numbered spans over
// OTLP/gRPC, as an SDK would (each request retried on a retryable answer or a
// broken connection until it is acknowledged or the sender is stopped), and
// remembers exactly which spans were acknowledged. The tests then check that
// each of those reached the backend: acknowledged means kept.
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { SpanId, TraceId } from '../../lib/model/ids.js';
import { SpanKind, type Span, type Traces } from '../../lib/model/trace.js';
import { encodeTracesProto } from '../../lib/protocol/otlp/index.js';
import { spanOf } from '../helpers/trace-builder.js';

export const SEQ_KEY = 'conservation.seq';
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED, grpc.status.DEADLINE_EXCEEDED, grpc.status.ABORTED, grpc.status.CANCELLED]);

export interface SenderOptions {
  endpoint: string;
  /** Traces per request and spans per trace. */
  tracesPerRequest?: number;
  spansPerTrace?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Pause between a worker's requests. */
  intervalMs?: number;
  /** Per attempt. */
  deadlineMs?: number;
}

export interface SenderReport {
  /** Spans whose request was acknowledged. */
  acknowledged: Set<number>;
  /** Spans of requests never acknowledged before the sender stopped (the client knows they may be lost). */
  unacknowledged: number;
  /** Attempts that failed and were retried, by gRPC code name. */
  retries: Record<string, number>;
  /** Answers that are not OTLP's retryable ones: a test failure. */
  refused: string[];
}

export class Sender {
  private readonly client: grpc.Client;
  private readonly o: Required<SenderOptions>;
  private stopping = false;
  private nextSeq = 0;
  private readonly report: SenderReport = { acknowledged: new Set(), unacknowledged: 0, retries: {}, refused: [] };
  private workers: Promise<void>[] = [];

  constructor(options: SenderOptions) {
    this.o = { tracesPerRequest: 5, spansPerTrace: 2, concurrency: 2, intervalMs: 20, deadlineMs: 10_000, ...options };
    this.client = new grpc.Client(this.o.endpoint, grpc.credentials.createInsecure(), {
      // Reconnect quickly after an agent restart.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    });
  }

  start(): void {
    this.workers = Array.from({ length: this.o.concurrency }, () => this.work());
  }

  /** Stops making new requests; lets each request in hand finish retrying for up to graceMs; reports. */
  async stop(graceMs = 60_000): Promise<SenderReport> {
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    this.graceDeadline = deadline;
    await Promise.all(this.workers);
    this.client.close();
    return this.report;
  }

  private graceDeadline = Number.POSITIVE_INFINITY;

  sent(): number {
    return this.nextSeq;
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const first = this.nextSeq;
      const count = this.o.tracesPerRequest * this.o.spansPerTrace;
      this.nextSeq += count;
      const body = Buffer.from(encodeTracesProto(request(first, this.o.tracesPerRequest, this.o.spansPerTrace)));
      if (await this.sendUntilAcknowledged(body)) for (let s = first; s < first + count; s++) this.report.acknowledged.add(s);
      else this.report.unacknowledged += count;
      await new Promise((resolve) => setTimeout(resolve, this.o.intervalMs));
    }
  }

  private async sendUntilAcknowledged(body: Buffer): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const code = await this.attempt(body);
      if (code === grpc.status.OK) return true;
      if (!RETRYABLE.has(code)) {
        this.report.refused.push(`${grpc.status[code]}`);
        return false;
      }
      const name = grpc.status[code] ?? String(code);
      this.report.retries[name] = (this.report.retries[name] ?? 0) + 1;
      if (Date.now() > this.graceDeadline) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
    }
  }

  private attempt(body: Buffer): Promise<grpc.status> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        EXPORT_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + this.o.deadlineMs },
        (err) => resolve(err ? (err.code ?? grpc.status.UNKNOWN) : grpc.status.OK),
      );
    });
  }
}

/** One request: `traces` traces of `spans` spans, numbered from `first` in span attribute conservation.seq. */
function request(first: number, traces: number, spans: number): Traces {
  const out: Span[] = [];
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  for (let t = 0; t < traces; t++) {
    const traceId = randomBytes(16).toString('hex') as TraceId;
    let parent = '' as SpanId;
    for (let s = 0; s < spans; s++) {
      const seq = first + t * spans + s;
      const spanId = randomBytes(8).toString('hex') as SpanId;
      out.push(
        spanOf({
          traceId,
          spanId,
          parentSpanId: parent,
          name: `op-${s}`,
          kind: s === 0 ? SpanKind.SERVER : SpanKind.INTERNAL,
          startTimeUnixNano: nowNs,
          endTimeUnixNano: nowNs + 1_000_000n,
          attributes: [{ key: SEQ_KEY, value: { kind: 'int', value: BigInt(seq) } }],
        }),
      );
      parent = spanId;
    }
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { kind: 'string', value: 'conservation' } }], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'conservation', version: '1', attributes: [], droppedAttributesCount: 0 }, spans: out, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

/** How many times each numbered span reached the backend, from the requests it kept. */
export function arrivals(traces: Traces[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of traces) {
    for (const rs of t.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const seq = span.attributes.find((a) => a.key === SEQ_KEY)?.value;
          if (seq?.kind !== 'int') continue;
          counts.set(Number(seq.value), (counts.get(Number(seq.value)) ?? 0) + 1);
        }
      }
    }
  }
  return counts;
}

export interface Conservation {
  acknowledged: number;
  lost: number[];
  duplicated: number;
  /** Arrivals beyond the first of each span. */
  extraCopies: number;
}

export function conservation(acknowledged: Set<number>, arrived: Map<number, number>): Conservation {
  const lost = [...acknowledged].filter((s) => !arrived.has(s)).sort((a, b) => a - b);
  let duplicated = 0;
  let extraCopies = 0;
  for (const n of arrived.values()) {
    if (n > 1) {
      duplicated++;
      extraCopies += n - 1;
    }
  }
  return { acknowledged: acknowledged.size, lost, duplicated, extraCopies };
}
