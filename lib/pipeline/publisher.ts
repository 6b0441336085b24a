// The agent's and ingester's consumer of received data: it publishes to the
// bus and reports success only once the bus acknowledged every record.
// Spans: one record per trace (key = the 16 trace ID bytes), so every span of
// a trace lands on one partition and one sampler. Metrics: one record per
// resource, keyed by a hash of the resource, so a series stays on one partition.
import { createHash } from 'node:crypto';
import type { Bus, OutRecord } from '../bus/bus.js';
import { errorMessage, InvalidInputError, UnavailableError } from '../errors.js';
import { idToBytes } from '../model/ids.js';
import { dataPointCount, type Metrics } from '../model/metrics.js';
import { spanCount, type Traces } from '../model/trace.js';
import { encodeMetricsProto, encodeTracesProto, splitTracesByTraceId } from '../protocol/otlp/index.js';
import type { ComponentStats, Signal } from '../telemetry/stats.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from './consumer.js';
import { HEADER } from './headers.js';

export interface PublisherOptions {
  bus: Bus;
  topics: { spans: string; metrics: string };
  sender: string;
  stats: ComponentStats;
}

export class Publisher implements TelemetryConsumer {
  constructor(private readonly options: PublisherOptions) {}

  async consumeTraces(traces: Traces, ctx: ReceiveContext): Promise<Outcome> {
    const headers = this.headers(ctx);
    const records: OutRecord[] = [];
    for (const [traceId, one] of splitTracesByTraceId(traces)) {
      records.push({ key: idToBytes(traceId), value: Buffer.from(encodeTracesProto(one)), headers });
    }
    return this.publish(this.options.topics.spans, records, spanCount(traces), 'traces');
  }

  async consumeMetrics(metrics: Metrics, ctx: ReceiveContext): Promise<Outcome> {
    const headers = this.headers(ctx);
    const records: OutRecord[] = metrics.resourceMetrics.map((rm) => {
      const one: Metrics = { resourceMetrics: [rm] };
      const value = Buffer.from(encodeMetricsProto(one));
      const key = createHash('sha1').update(resourceKey(rm.resource.attributes)).digest().subarray(0, 16);
      return { key, value, headers };
    });
    return this.publish(this.options.topics.metrics, records, dataPointCount(metrics), 'metrics');
  }

  private headers(ctx: ReceiveContext): Record<string, string> {
    const headers: Record<string, string> = {
      [HEADER.protocol]: ctx.protocol,
      [HEADER.sender]: this.options.sender,
      [HEADER.receivedAtMs]: String(ctx.receivedAtMs),
    };
    // A header, not a resource attribute: the data stays as the client sent it
    // (docs/security.md, "Tenants"); the sampler and exporters keep headers.
    if (ctx.tenant !== undefined) headers[HEADER.tenant] = ctx.tenant;
    return headers;
  }

  private async publish(topic: string, records: OutRecord[], items: number, signal: Signal): Promise<Outcome> {
    const { stats, bus } = this.options;
    if (records.length === 0) return { status: 'ok' };
    stats.received(items, signal);
    try {
      await bus.produce(topic, records);
    } catch (err) {
      if (err instanceof InvalidInputError) {
        // The bus can never take this (e.g. a record over its size limit):
        // retrying would loop for ever.
        stats.refused(items, 'invalid', signal);
        return { status: 'rejected', reason: `publishing to ${topic} refused: ${err.message}` };
      }
      // Nothing is acknowledged that the bus does not hold: the client retries.
      const known = err instanceof UnavailableError ? err : undefined;
      const reason = known?.code.toLowerCase() ?? 'bus_error';
      stats.refused(items, reason, signal);
      return {
        status: 'retryable',
        reason,
        message: `publishing to ${topic} failed: ${errorMessage(err)}`,
        retryAfterMs: known?.retryAfterMs ?? 1_000,
        exhausted: known?.exhausted ?? false,
      };
    }
    stats.sent(items, signal);
    return { status: 'ok' };
  }
}

function resourceKey(attributes: readonly { key: string; value: unknown }[]): string {
  return JSON.stringify(
    attributes.map((a) => [a.key, a.value]).sort(),
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
  );
}
