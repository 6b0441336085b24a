// A sampling policy: a small interface that looks at one decoded trace and
// votes. The votes are the OpenTelemetry Collector's: sampled, not sampled,
// their "inverted" twins (from invert_match), and dropped (from a drop
// policy); policy-set.ts combines them the way the Collector does. Policies
// that spend a shared budget (rate_limiting, bytes_limiting, composite) take
// it through a BudgetGate, which a decision round fills from the decision
// store so that the budget is one global rate across every sampler.
import type { KeyValue, Resource, ResourceSpans, Span } from '../../lib/model/index.js';
import type { TraceId } from '../../lib/model/ids.js';

export const Vote = {
  sampled: 'sampled',
  notSampled: 'not_sampled',
  invertSampled: 'inverted_sampled',
  invertNotSampled: 'inverted_not_sampled',
  dropped: 'dropped',
} as const;
export type Vote = (typeof Vote)[keyof typeof Vote];

/** One trace as policies see it: every span of its buffered records, decoded once. */
export interface TraceView {
  readonly traceId: TraceId;
  /** The ResourceSpans of every record, in arrival order. */
  readonly resourceSpans: readonly ResourceSpans[];
  readonly spanCount: number;
  /** Bytes of the trace's records as they travel (OTLP protobuf). */
  readonly bytes: number;
}

export interface BudgetGate {
  /** Takes `amount` from every one of `buckets`, or from none of them; true when taken. */
  take(buckets: readonly string[], amount: number): boolean;
  /**
   * True while a decision round only measures what budgets the traces may ask
   * for: every path that could spend a budget must then be walked (no early exits).
   */
  readonly measuring: boolean;
}

/** A token bucket a policy spends from: refilled at ratePerSecond, holding at most burst. */
export interface BucketSpec {
  ratePerSecond: number;
  burst: number;
}

export interface Policy {
  readonly name: string;
  /** `note` names the sub-policy that decided, when there is one (composite). */
  evaluate(trace: TraceView, budgets: BudgetGate, note?: (subPolicy: string) => void): Vote;
  /** The buckets this policy (and its sub-policies) may take from, by bucket ID. */
  readonly buckets: ReadonlyMap<string, BucketSpec>;
}

export const NO_BUCKETS: ReadonlyMap<string, BucketSpec> = new Map();

/** A policy that needs no budget. */
export function stateless(name: string, evaluate: (trace: TraceView) => Vote): Policy {
  return { name, evaluate: (trace) => evaluate(trace), buckets: NO_BUCKETS };
}

export function forEachSpan(trace: TraceView, each: (span: Span) => boolean): boolean {
  for (const rs of trace.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) if (each(span)) return true;
  return false;
}

/** sampled when any span matches, as the Collector's hasSpanWithCondition. */
export function anySpan(trace: TraceView, match: (span: Span) => boolean): Vote {
  return forEachSpan(trace, match) ? Vote.sampled : Vote.notSampled;
}

/** What every policy factory is told besides its own configuration. */
export interface BuildOptions {
  /**
   * invert_match casts the Collector's legacy inverted votes (inverted_sampled,
   * inverted_not_sampled) instead of plain ones. The Collector's feature gate
   * processor.tailsamplingprocessor.disableinvertdecisions (beta, so on by
   * default, in v0.150.0) makes them plain; false matches that default.
   */
  invertedDecisions: boolean;
}

export const DEFAULT_BUILD_OPTIONS: BuildOptions = { invertedDecisions: false };

/** An attribute matcher over resources and spans with the Collector's invert_match rules. */
export interface AttributeRule {
  key: string;
  match: (value: KeyValue['value']) => boolean;
  invert: boolean;
}

/**
 * An attribute filter over resources and spans, as the Collector's: without
 * invert, sampled when any resource or span attribute matches; with invert,
 * sampled when none does (a trace without the key at all included), not
 * sampled as soon as one does; with legacy inverted votes, those two are
 * inverted_sampled and inverted_not_sampled.
 */
export function attributeFilter(trace: TraceView, rule: AttributeRule, options: BuildOptions): Vote {
  const matches = (attributes: readonly KeyValue[]) => {
    for (const kv of attributes) if (kv.key === rule.key && rule.match(kv.value)) return true;
    return false;
  };
  const found = anyResourceOrSpan(trace, (r) => matches(r.attributes), (s) => matches(s.attributes));
  if (!rule.invert) return found ? Vote.sampled : Vote.notSampled;
  if (options.invertedDecisions) return found ? Vote.invertNotSampled : Vote.invertSampled;
  return found ? Vote.notSampled : Vote.sampled;
}

function anyResourceOrSpan(trace: TraceView, resource: (r: Resource) => boolean, span: (s: Span) => boolean): boolean {
  for (const rs of trace.resourceSpans) {
    if (resource(rs.resource)) return true;
    for (const ss of rs.scopeSpans) for (const s of ss.spans) if (span(s)) return true;
  }
  return false;
}

/** The buckets of several policies in one map (their IDs are paths, so they never collide). */
export function mergeBuckets(policies: readonly Policy[]): Map<string, BucketSpec> {
  const out = new Map<string, BucketSpec>();
  for (const p of policies) for (const [id, spec] of p.buckets) out.set(id, spec);
  return out;
}
