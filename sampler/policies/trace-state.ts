// trace_state: any span whose W3C tracestate holds `key` with one of
// `values`. As the Collector, a key=value pair longer than 256 characters is
// never matched, and a tracestate that does not parse matches nothing.
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { anySpan, stateless, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'trace_state' }>['trace_state'];

const MAX_MEMBER = 256;
const KEY = /^(?:[a-z0-9][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** The value of `key` in a tracestate header, or undefined when absent or the header is malformed. */
export function traceStateValue(header: string, key: string): string | undefined {
  if (header === '') return undefined;
  let found: string | undefined;
  for (const raw of header.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const k = member.slice(0, eq);
    const v = member.slice(eq + 1);
    if (!KEY.test(k) || !VALUE.test(v)) return undefined;
    if (k === key && found === undefined) found = v;
  }
  return found;
}

export function traceState(name: string, c: Config): Policy {
  const values = new Set(c.values.filter((v) => v !== '' && c.key.length + v.length < MAX_MEMBER));
  return stateless(name, (trace) =>
    anySpan(trace, (span) => {
      const v = traceStateValue(span.traceState, c.key);
      return v !== undefined && values.has(v);
    }),
  );
}
