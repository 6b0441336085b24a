// latency: the trace's duration, from its earliest span start to its latest
// span end, against threshold_ms (and upper_threshold_ms when not 0), as the
// Collector's: without an upper bound, sampled at duration >= threshold_ms;
// with one, sampled when threshold_ms < duration <= upper_threshold_ms.
// Unlike the Collector, which tests the running duration span by span (and so
// can keep a trace whose whole duration passes the upper bound), the whole
// trace's duration is used.
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { stateless, Vote, type Policy, type TraceView } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'latency' }>['latency'];

/** The trace's duration in whole milliseconds (truncated, as Go's Duration.Milliseconds()), or undefined without spans. */
export function traceDurationMs(trace: TraceView): number | undefined {
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const rs of trace.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        if (min === undefined || s.startTimeUnixNano < min) min = s.startTimeUnixNano;
        if (max === undefined || s.endTimeUnixNano > max) max = s.endTimeUnixNano;
      }
    }
  }
  if (min === undefined || max === undefined) return undefined;
  return Number((max - min) / 1_000_000n);
}

export function latency(name: string, c: Config): Policy {
  const upper = c.upper_threshold_ms ?? 0;
  return stateless(name, (trace) => {
    const d = traceDurationMs(trace);
    if (d === undefined) return Vote.notSampled;
    const hit = upper === 0 ? d >= c.threshold_ms : c.threshold_ms < d && d <= upper;
    return hit ? Vote.sampled : Vote.notSampled;
  });
}
