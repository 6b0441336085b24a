// Shared pieces for the sampler tests: a clock the test moves, a bus wrapper
// that records (and can refuse) produce calls, a decision store wrapper that
// can be made unavailable, a log captured line by line, and trace data cut
// into parts the way spans of one trace arrive in several requests.
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { Bus, ConsumedRecord, OutRecord } from '../../lib/bus/bus.js';
import { ForwardingBus } from '../../lib/bus/forwarding-bus.js';
import { UnavailableError } from '../../lib/errors.js';
import type { TraceId } from '../../lib/model/ids.js';
import type { Traces } from '../../lib/model/trace.js';
import { splitTracesByTraceId } from '../../lib/protocol/otlp/index.js';
import type { BudgetRequest, Decision, DecisionStore } from '../../lib/store/store.js';
import { createLogger, type Logger } from '../../lib/telemetry/log.js';
import { uniqueName } from '../harness/env.js';
import { sampleTraces, traceIdN } from '../helpers/fixtures.js';

export const T0 = 1_700_000_000_000;

/** A clock that moves only when told. */
export class FakeClock {
  ms = T0;
  readonly now = (): number => this.ms;
  set(ms: number): void {
    this.ms = ms;
  }
}

export interface ProduceCall {
  topic: string;
  records: OutRecord[];
}

/** Delegates to a real bus; records every produce the bus acknowledged, and refuses while `refuse` says so. */
export class RecordingBus extends ForwardingBus {
  readonly name = 'recording-bus';
  readonly calls: ProduceCall[] = [];
  refused = 0;
  refuse: (topic: string) => boolean = () => false;

  override close(): Promise<void> {
    return Promise.resolve(); // the inner bus belongs to the test
  }
  override async produce(topic: string, records: OutRecord[]): Promise<void> {
    if (this.refuse(topic)) {
      this.refused++;
      throw new UnavailableError('refused by the test', { code: 'BUS_FULL' });
    }
    await this.inner.produce(topic, records);
    this.calls.push({ topic, records });
  }
}

/** A real store behind a switch: while `down`, every call fails as Redis does when unreachable. */
export class FlakyStore implements DecisionStore {
  readonly name = 'flaky-store';
  down = false;
  failedCalls = 0;

  constructor(private readonly inner: DecisionStore) {}

  start(): Promise<void> {
    return this.inner.start();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  decide(proposals: { traceId: TraceId; decision: Decision }[], ttlMs: number): Promise<Decision[]> {
    if (this.down) return this.fail();
    return this.inner.decide(proposals, ttlMs);
  }
  get(traceIds: TraceId[]): Promise<(Decision | undefined)[]> {
    if (this.down) return this.fail();
    return this.inner.get(traceIds);
  }
  takeBudgets(requests: BudgetRequest[]): Promise<number[]> {
    if (this.down) return this.fail();
    return this.inner.takeBudgets(requests);
  }
  private async fail(): Promise<never> {
    this.failedCalls++;
    throw new UnavailableError('decision store: Redis unavailable (test)', { code: 'STORE_UNAVAILABLE' });
  }
}

export interface CapturedLog {
  log: Logger;
  lines: { level: string; msg: string; [key: string]: unknown }[];
  count(msg: string): number;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as CapturedLog['lines'][number]);
      done();
    },
  });
  return { log: createLogger({ level: 'debug', stream }), lines, count: (msg) => lines.filter((l) => l.msg === msg).length };
}

/** Every record a topic receives, read by a consumer group of its own. */
export async function collect(t: TestContext, bus: Bus, topic: string): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const consumer = bus.consumer({
    groupId: uniqueName('collector'),
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => void records.push(...batch.records),
  });
  t.after(() => consumer.close());
  await consumer.start();
  return records;
}

const MAX_TRACES = 64;
let byTrace: Map<TraceId, Traces> | undefined;

/**
 * Part k (0 or 1) of trace n: the fixture's trace n holds three spans under two
 * resources; part 0 is the first resource (one span, every field filled), part
 * 1 the second (two spans in two scopes).
 */
export function part(n: number, k: 0 | 1): Traces {
  if (n >= MAX_TRACES) throw new RangeError(`trace ${n}: the fixture has ${MAX_TRACES}`);
  byTrace ??= splitTracesByTraceId(sampleTraces({ traceCount: MAX_TRACES }));
  const whole = byTrace.get(traceIdN(n))!;
  return { resourceSpans: [whole.resourceSpans[k]!] };
}

/** The whole of trace n, as one request. */
export function whole(n: number): Traces {
  return { resourceSpans: [...part(n, 0).resourceSpans, ...part(n, 1).resourceSpans] };
}

export const SPANS_IN_PART = [1, 2] as const;

/** The trace a record on spans or spans.sampled belongs to. */
export const traceOf = (r: { key: Buffer | null }): string => r.key!.toString('hex');
