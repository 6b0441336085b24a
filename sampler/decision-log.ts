// Explained decisions: why each trace was kept or dropped, in the
// self-metrics (counts by deciding policy and verdict, every policy's votes,
// what made traces due) and as the last decisions on the operator page
// (deciding policy, what triggered the decision, and the trace's summary).
import type { Verdict } from '../lib/store/store.js';
import type { Panels } from '../lib/telemetry/panels.js';
import type { Registry } from '../lib/telemetry/stats.js';
import type { DueReason } from './partition-state.js';
import type { PolicyResult } from './policy-set.js';
import type { TraceSummary } from './trace-view.js';

export interface ExplainedDecision extends TraceSummary {
  traceId: string;
  verdict: Verdict;
  /** The deciding policy, as stored with the decision. */
  policy: string;
  /** What made the trace due when it was. */
  trigger: DueReason;
  /** The decision was already in the store (another sampler, an earlier owner or a replay took it): followed, not evaluated. */
  followed: boolean;
  /** ISO 8601 time of the decision. */
  decidedAt: string;
  partition: number;
}

/** What the sampler records per decision: the time as a number, formatted only when shown. */
export type DecisionEntry = Omit<ExplainedDecision, 'decidedAt'> & { decidedAtMs: number };

export const DEFAULT_RECENT_DECISIONS = 100;
export const PANEL_ID = 'sampler-decisions';

const HELP = {
  decisions: 'Trace decisions acted on, by verdict and deciding policy ("(none)": no policy asked to keep).',
  votes: 'Votes of each top-level policy, by policy and vote (sampled, not_sampled, inverted_sampled, inverted_not_sampled, dropped, error).',
  triggers: 'Traces decided, by what made them due: decision_wait, root_quiet, span_limit, byte_limit, shutdown.',
  followed: 'Decisions found already in the decision store and followed instead of this sampler\'s own.',
  late: 'Spans that arrived after their trace was decided and followed the decision from the local cache, by verdict.',
} as const;

export class DecisionLog {
  private readonly recent: DecisionEntry[] = [];
  private next = 0;
  /** Counter handles by label values: one Map lookup per count instead of a label set to serialise. */
  private readonly counters = new Map<string, (n: number) => void>();

  constructor(
    private readonly registry: Registry,
    private readonly policyNames: readonly string[],
    private readonly max = DEFAULT_RECENT_DECISIONS,
  ) {}

  /** Adds the last-decisions panel to the operator page; returns its removal. */
  publish(panels: Panels): () => void {
    return panels.add(PANEL_ID, () => {
      const list = this.list();
      return {
        id: PANEL_ID,
        title: 'Last decisions',
        help: `The last ${this.max} traces this sampler decided, newest first: the deciding policy, what made the trace due, and the trace.`,
        columns: ['decided at', 'trace', 'verdict', 'policy', 'trigger', 'followed', 'root service', 'root operation', 'spans', 'duration ms', 'error', 'partition'],
        rows: list.map((d) => [d.decidedAt, d.traceId, d.verdict, d.policy, d.trigger, d.followed, d.rootService, d.rootOperation, d.spans, d.durationMs, d.error, d.partition]),
        data: list,
      };
    });
  }

  record(d: DecisionEntry, votes: readonly (PolicyResult | undefined)[] | undefined): void {
    this.count(`d|${d.verdict}|${d.policy}`, 'ocsvc_sampler_decisions_total', HELP.decisions, () => ({ verdict: d.verdict, policy: d.policy }));
    this.count(`t|${d.trigger}`, 'ocsvc_sampler_decision_triggers_total', HELP.triggers, () => ({ reason: d.trigger }));
    if (d.followed) this.count('f', 'ocsvc_sampler_decisions_followed_total', HELP.followed, () => ({}));
    votes?.forEach((vote, i) => {
      if (vote !== undefined) this.count(`v|${i}|${vote}`, 'ocsvc_sampler_policy_votes_total', HELP.votes, () => ({ policy: this.policyNames[i]!, vote }));
    });
    if (this.recent.length < this.max) this.recent.push(d);
    else this.recent[this.next] = d;
    this.next = (this.next + 1) % this.max;
  }

  lateSpans(verdict: Verdict, spans: number): void {
    this.count(`l|${verdict}`, 'ocsvc_sampler_late_spans_total', HELP.late, () => ({ verdict }), spans);
  }

  private count(key: string, name: string, help: string, labels: () => Record<string, string>, n = 1): void {
    let add = this.counters.get(key);
    if (add === undefined) this.counters.set(key, (add = this.registry.counter(name, help, labels())));
    add(n);
  }

  /** Newest first. */
  list(): ExplainedDecision[] {
    const ordered = this.recent.length < this.max ? this.recent.slice() : [...this.recent.slice(this.next), ...this.recent.slice(0, this.next)];
    return ordered.reverse().map(({ decidedAtMs, ...d }) => ({ ...d, decidedAt: new Date(decidedAtMs).toISOString() }));
  }
}
