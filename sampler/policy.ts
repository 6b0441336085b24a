// Sampling policies: a small interface and a name -> factory map. The tail
// sampling issue adds the OpenTelemetry Collector's policy types here.
import type { Verdict } from '../lib/store/store.js';
import type { PendingTrace } from './partition-state.js';

export interface Policy {
  readonly name: string;
  evaluate(trace: PendingTrace): Verdict;
}

export const policies = {
  always_sample: (): Policy => ({ name: 'always_sample', evaluate: () => 'keep' }),
} as const satisfies Record<string, () => Policy>;

export type PolicyName = keyof typeof policies;
