// Limits on what one request may carry, applied once between every receiver
// and the pipeline (lib/service/receivers.ts), whatever the protocol:
//
// - a request with more spans or data points than allowed is refused whole
//   (400 / INVALID_ARGUMENT with the limit named): the client must send
//   smaller batches, and a retry of the same request cannot succeed;
// - attributes past the count limit (of spans, events, links, resources and
//   scopes) are dropped and added to their droppedAttributesCount, as an
//   OpenTelemetry SDK does with its own limits;
// - string and bytes values past the size limit are truncated (on a UTF-8
//   character boundary), inside arrays and kvlists too.
//
// Metric data point attributes are left alone: dropping or truncating one
// would change which time series a point belongs to. Every change is counted
// in ocsvc_limits_applied_total{limit}.
import type { AnyValue, KeyValue } from '../model/common.js';
import { dataPointCount, type Metrics } from '../model/metrics.js';
import { spanCount, type Traces } from '../model/trace.js';
import type { Registry } from '../telemetry/stats.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from './consumer.js';

export interface Limits {
  maxSpansPerRequest: number;
  maxDataPointsPerRequest: number;
  /** Per span, event, link, resource and scope. */
  maxAttributes: number;
  /** Of a string (UTF-8) or bytes value. */
  maxAttributeValueBytes: number;
}

const APPLIED = 'ocsvc_limits_applied_total';
const APPLIED_HELP = 'Attributes dropped (limit="attributes") and values truncated (limit="value_bytes") by the receivers\' limits.';

interface Tally {
  dropped: number;
  truncated: number;
}

export function withLimits(inner: TelemetryConsumer, limits: Limits, registry: Registry): TelemetryConsumer {
  const report = (tally: Tally) => {
    if (tally.dropped > 0) registry.add(APPLIED, APPLIED_HELP, { limit: 'attributes' }, tally.dropped);
    if (tally.truncated > 0) registry.add(APPLIED, APPLIED_HELP, { limit: 'value_bytes' }, tally.truncated);
  };
  return {
    consumeTraces(traces: Traces, ctx: ReceiveContext): Promise<Outcome> {
      const spans = spanCount(traces);
      if (spans > limits.maxSpansPerRequest) {
        return Promise.resolve(tooMany(spans, 'spans', limits.maxSpansPerRequest, 'maxSpansPerRequest'));
      }
      report(limitTraces(traces, limits));
      return inner.consumeTraces(traces, ctx);
    },
    consumeMetrics(metrics: Metrics, ctx: ReceiveContext): Promise<Outcome> {
      const points = dataPointCount(metrics);
      if (points > limits.maxDataPointsPerRequest) {
        return Promise.resolve(tooMany(points, 'data points', limits.maxDataPointsPerRequest, 'maxDataPointsPerRequest'));
      }
      const tally: Tally = { dropped: 0, truncated: 0 };
      for (const rm of metrics.resourceMetrics) {
        limitHolder(rm.resource, limits, tally);
        for (const sm of rm.scopeMetrics) limitHolder(sm.scope, limits, tally);
      }
      report(tally);
      return inner.consumeMetrics(metrics, ctx);
    },
  };
}

function tooMany(n: number, what: string, max: number, key: string): Outcome {
  return { status: 'rejected', reason: `the request holds ${n} ${what}; the limit is ${max} (receivers.limits.${key}): send smaller batches` };
}

/** Applies the attribute limits in place; returns what it changed. */
export function limitTraces(traces: Traces, limits: Limits): Tally {
  const tally: Tally = { dropped: 0, truncated: 0 };
  for (const rs of traces.resourceSpans) {
    limitHolder(rs.resource, limits, tally);
    for (const ss of rs.scopeSpans) {
      limitHolder(ss.scope, limits, tally);
      for (const span of ss.spans) {
        limitHolder(span, limits, tally);
        for (const event of span.events) limitHolder(event, limits, tally);
        for (const link of span.links) limitHolder(link, limits, tally);
      }
    }
  }
  return tally;
}

function limitHolder(holder: { attributes: KeyValue[]; droppedAttributesCount: number }, limits: Limits, tally: Tally): void {
  const attrs = holder.attributes;
  if (attrs.length > limits.maxAttributes) {
    const extra = attrs.length - limits.maxAttributes;
    attrs.length = limits.maxAttributes;
    holder.droppedAttributesCount += extra;
    tally.dropped += extra;
  }
  for (let i = 0; i < attrs.length; i++) {
    const value = limitValue(attrs[i]!.value, limits.maxAttributeValueBytes, tally);
    if (value !== attrs[i]!.value) attrs[i] = { key: attrs[i]!.key, value };
  }
}

/** The value, or a copy with its strings and bytes cut to maxBytes. */
function limitValue(v: AnyValue, maxBytes: number, tally: Tally): AnyValue {
  switch (v.kind) {
    case 'string': {
      // At most 3 UTF-8 bytes per UTF-16 unit: most strings need no measuring.
      if (v.value.length * 3 <= maxBytes) return v;
      const cut = truncateUtf8(v.value, maxBytes);
      if (cut === v.value) return v;
      tally.truncated++;
      return { kind: 'string', value: cut };
    }
    case 'bytes':
      if (v.value.length <= maxBytes) return v;
      tally.truncated++;
      return { kind: 'bytes', value: v.value.subarray(0, maxBytes) };
    case 'array': {
      const items = v.value.map((item) => limitValue(item, maxBytes, tally));
      return items.some((item, i) => item !== v.value[i]) ? { kind: 'array', value: items } : v;
    }
    case 'kvlist': {
      const entries = v.value.map((e) => {
        const value = limitValue(e.value, maxBytes, tally);
        return value === e.value ? e : { key: e.key, value };
      });
      return entries.some((e, i) => e !== v.value[i]) ? { kind: 'kvlist', value: entries } : v;
    }
    default:
      return v;
  }
}

/** The longest prefix of s that is at most maxBytes of UTF-8, cut between characters. */
export function truncateUtf8(s: string, maxBytes: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the character that did not fit.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
