// An in-memory bus with a switch, standing in for a Kafka that goes away:
// 'up' passes everything on; 'refusing' fails produce (and ensureTopics,
// start) with the Kafka bus's retryable error; 'hanging' holds produce
// calls until the switch goes back to 'up', as a broker that stopped
// answering (each held call then completes, as a late acknowledgement);
// 'flaky' answers each call after a delay, one call after the other as the
// Kafka bus does (one request in flight), failing some of them.
import type { OutRecord, TopicSpec } from '../../../lib/bus/bus.js';
import { ForwardingBus } from '../../../lib/bus/forwarding-bus.js';
import { MemoryBus } from '../../../lib/bus/memory-bus.js';
import { InvalidInputError, UnavailableError } from '../../../lib/errors.js';

export type SwitchState = 'up' | 'refusing' | 'hanging' | 'flaky';

export interface Flakiness {
  /** Per call in turn (cycled): fail it, and how long it takes. */
  fail: boolean[];
  delaysMs: number[];
}

export class SwitchBus extends ForwardingBus {
  readonly name = 'switch-bus';
  state: SwitchState = 'up';
  /** Records the memory bus took (what reached "Kafka"). */
  produced = 0;
  produceCalls = 0;
  /** Optionally refuses some records for good, as a broker does a record over its size limit. */
  invalid: (record: OutRecord) => boolean = () => false;
  private held: (() => void)[] = [];
  flakiness: Flakiness = { fail: [true], delaysMs: [10] };
  private flakyCalls = 0;
  private flakyChain: Promise<void> = Promise.resolve();

  /** `owned`: close() closes the memory bus too (false: it outlives this switch, as Kafka outlives a service). */
  constructor(
    readonly memory = new MemoryBus({ retryBackoffMs: 20 }),
    private readonly owned = true,
  ) {
    super(memory);
  }

  set(state: SwitchState): void {
    this.state = state;
    if (state === 'up') for (const release of this.held.splice(0)) release();
  }

  private async gate(): Promise<void> {
    if (this.state === 'refusing') throw new UnavailableError('kafka down (test switch)', { code: 'BUS_UNAVAILABLE' });
    if (this.state === 'flaky') {
      const i = this.flakyCalls++;
      const fail = this.flakiness.fail[i % this.flakiness.fail.length]!;
      const delayMs = this.flakiness.delaysMs[i % this.flakiness.delaysMs.length]!;
      const turn = this.flakyChain.then(() => new Promise<void>((resolve) => setTimeout(resolve, delayMs)));
      this.flakyChain = turn;
      await turn;
      if (fail) throw new UnavailableError('kafka flaky (test switch)', { code: 'BUS_UNAVAILABLE' });
      return;
    }
    if (this.state === 'hanging') await new Promise<void>((resolve) => this.held.push(resolve));
  }

  override async start(): Promise<void> {
    await this.gate();
    await this.memory.start();
  }

  override close(): Promise<void> {
    for (const release of this.held.splice(0)) release();
    return this.owned ? this.memory.close() : Promise.resolve();
  }

  override async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await this.gate();
    await this.memory.ensureTopics(specs);
  }

  override async produce(topic: string, records: OutRecord[]): Promise<void> {
    this.produceCalls += 1;
    await this.gate();
    const bad = records.find((r) => this.invalid(r));
    if (bad) {
      throw new InvalidInputError('record too large (test switch)', { code: 'BUS_MESSAGE_TOO_LARGE' });
    }
    await this.memory.produce(topic, records);
    this.produced += records.length;
  }
}
