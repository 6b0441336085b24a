// status_code: any span whose status is one of status_codes (OK, ERROR, UNSET).
import type { LeafPolicyConfig } from '../../lib/config/policies.js';
import { StatusCode } from '../../lib/model/trace.js';
import { anySpan, stateless, type Policy } from './policy.js';

type Config = Extract<LeafPolicyConfig, { type: 'status_code' }>['status_code'];

export function statusCode(name: string, c: Config): Policy {
  const codes = new Set<number>(c.status_codes.map((s) => StatusCode[s]));
  return stateless(name, (trace) => anySpan(trace, (span) => codes.has(span.status.code)));
}
