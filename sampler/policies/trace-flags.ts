// trace_flags: any span with the W3C "sampled" flag (bit 0 of the span's flags).
import { anySpan, stateless, type Policy } from './policy.js';

const SAMPLED_FLAG = 0x01;

export function traceFlags(name: string): Policy {
  return stateless(name, (trace) => anySpan(trace, (span) => (span.flags & SAMPLED_FLAG) !== 0));
}
