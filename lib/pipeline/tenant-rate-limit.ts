// Per-tenant rate limits (receivers.auth.tenantRateLimit), between the
// receivers and the pipeline: a token bucket per tenant of requests or items
// (spans, data points) per second. A request over its tenant's budget is
// answered retryable and "out of room" (429 / RESOURCE_EXHAUSTED) with the
// time until the bucket can take it as Retry-After, and counted by tenant in
// ocsvc_receiver_tenant_throttled_total. Anonymous callers share one bucket.
//
// A request larger than the burst could never fit a full bucket: it passes
// once the bucket is full and leaves it in debt, which later requests wait
// out, so a big batch is slowed down rather than refused for ever.
//
// Buckets are per process: N ingesters behind a load balancer let a tenant
// through at up to N times the rate (docs/security.md). Tenants come from the
// tokens file, so the number of buckets is bounded by it.
import { dataPointCount, type Metrics } from '../model/metrics.js';
import { spanCount, type Traces } from '../model/trace.js';
import type { Registry, Signal } from '../telemetry/stats.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from './consumer.js';

export interface TenantRateLimit {
  unit: 'requests' | 'items';
  /** 0: no limit. */
  ratePerSecond: number;
  /** 0: ratePerSecond. */
  burst: number;
}

export const TENANT_THROTTLED = 'ocsvc_receiver_tenant_throttled_total';
const TENANT_THROTTLED_HELP = 'Items refused (429 / RESOURCE_EXHAUSTED) because their tenant was over receivers.auth.tenantRateLimit, by tenant and signal.';

/** The label of callers without a tenant; parentheses cannot occur in tenant names. */
export const ANONYMOUS_TENANT = '(anonymous)';

interface Bucket {
  tokens: number;
  atMs: number;
}

export function withTenantRateLimit(inner: TelemetryConsumer, limit: TenantRateLimit, registry: Registry, now: () => number = Date.now): TelemetryConsumer {
  if (limit.ratePerSecond <= 0) return inner;
  const rate = limit.ratePerSecond;
  const burst = limit.burst > 0 ? limit.burst : rate;
  const buckets = new Map<string, Bucket>();

  /** undefined when the cost was taken; otherwise the wait in ms until it can be. */
  const take = (tenant: string, cost: number): number | undefined => {
    const t = now();
    let bucket = buckets.get(tenant);
    if (bucket === undefined) {
      bucket = { tokens: burst, atMs: t };
      buckets.set(tenant, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, t - bucket.atMs) * rate) / 1_000);
    bucket.atMs = t;
    const need = Math.min(cost, burst);
    if (bucket.tokens >= need) {
      bucket.tokens -= cost;
      return undefined;
    }
    return Math.ceil(((need - bucket.tokens) * 1_000) / rate);
  };

  const admit = (items: number, signal: Signal, ctx: ReceiveContext, pass: () => Promise<Outcome>): Promise<Outcome> => {
    if (items === 0) return pass();
    const tenant = ctx.tenant ?? ANONYMOUS_TENANT;
    const waitMs = take(tenant, limit.unit === 'items' ? items : 1);
    if (waitMs === undefined) return pass();
    registry.add(TENANT_THROTTLED, TENANT_THROTTLED_HELP, { tenant, signal }, items);
    return Promise.resolve({
      status: 'retryable',
      reason: 'tenant_rate_limited',
      message: `tenant ${tenant} is over its limit of ${rate} ${limit.unit} per second (receivers.auth.tenantRateLimit)`,
      retryAfterMs: waitMs,
      exhausted: true,
    });
  };

  return {
    consumeTraces: (traces: Traces, ctx: ReceiveContext) => admit(spanCount(traces), 'traces', ctx, () => inner.consumeTraces(traces, ctx)),
    consumeMetrics: (metrics: Metrics, ctx: ReceiveContext) => admit(dataPointCount(metrics), 'metrics', ctx, () => inner.consumeMetrics(metrics, ctx)),
  };
}
