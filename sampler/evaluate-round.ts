// One decision round's evaluation: each due trace decoded, evaluated and
// summarised in turn, its decoded spans dropped before the next trace is
// decoded. Holding a whole round's decoded traces at once (thousands) would
// outlive the young generation and make V8 promote and mark-compact them: the
// round would cost more in garbage collection than in decoding.
//
// With budgets (budget-round.ts), a trace's measuring pass tells whether it
// can ask for a budget at all; one that cannot is decided on the spot, and
// only those that can keep their decoded spans until the round's tokens are
// taken from the store.
import type { ConsumedRecord } from '../lib/bus/bus.js';
import { BudgetRounds, MeasuringGate, NO_BUDGETS, type AllowanceGate } from './budget-round.js';
import type { PendingTrace } from './partition-state.js';
import type { TraceView } from './policies/index.js';
import type { PolicyOutcome, PolicySet } from './policy-set.js';
import { decodeTrace, summarize, type TraceSummary } from './trace-view.js';

export interface EvaluatedTrace {
  outcome: PolicyOutcome;
  summary: TraceSummary;
  /** Spans in the records that decoded. */
  spans: number;
  /** The records that decoded, forwarded if the trace is kept. */
  good: ConsumedRecord[];
  /** Records that passed the arrival scan but not the decode: dropped and counted. */
  bad: { record: ConsumedRecord; spans: number }[];
}

/** Throws what the store throws when taking budgets; nothing is taken then. */
export async function evaluateRound(traces: readonly PendingTrace[], policies: PolicySet, budgets: BudgetRounds): Promise<{ results: EvaluatedTrace[]; gate: AllowanceGate }> {
  const results: (Omit<EvaluatedTrace, 'outcome'> & { outcome?: PolicyOutcome })[] = [];
  const measuring = policies.usesBudgets ? new MeasuringGate() : undefined;
  const waiting = new Map<number, TraceView>();
  traces.forEach((trace, i) => {
    const { view, good, bad } = decodeTrace(trace);
    const result = { summary: summarize(view), spans: view.spanCount, good, bad };
    results.push(result);
    if (measuring !== undefined) {
      const asked = measuring.requests;
      policies.evaluate(view, measuring);
      if (measuring.requests > asked) {
        waiting.set(i, view);
        return;
      }
    }
    // No budget asked for while measuring: none can be asked for now.
    results[i]!.outcome = policies.evaluate(view, NO_BUDGETS);
  });
  let gate = NO_BUDGETS;
  if (measuring !== undefined && (waiting.size > 0 || budgets.hasRefunds)) {
    gate = await budgets.open(measuring.demand);
    for (const [i, view] of waiting) {
      gate.forTrace(i);
      results[i]!.outcome = policies.evaluate(view, gate);
    }
  }
  return { results: results as EvaluatedTrace[], gate };
}
