// A TelemetryConsumer test double: records what it is handed and answers with
// whatever outcome the test sets (or throws what the test sets).
import type { Metrics, Traces } from '../../../../lib/model/index.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from '../../../../lib/pipeline/consumer.js';

export class RecordingConsumer implements TelemetryConsumer {
  readonly traces: { traces: Traces; ctx: ReceiveContext }[] = [];
  readonly metrics: { metrics: Metrics; ctx: ReceiveContext }[] = [];
  /** The answer to the next calls. */
  outcome: Outcome = { status: 'ok' };
  /** When set, calls throw this instead of answering. */
  throws: unknown = undefined;

  async consumeTraces(traces: Traces, ctx: ReceiveContext): Promise<Outcome> {
    this.traces.push({ traces, ctx });
    return this.answer();
  }

  async consumeMetrics(metrics: Metrics, ctx: ReceiveContext): Promise<Outcome> {
    this.metrics.push({ metrics, ctx });
    return this.answer();
  }

  private answer(): Outcome {
    if (this.throws !== undefined) throw this.throws;
    return this.outcome;
  }
}
