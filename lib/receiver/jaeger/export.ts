// The transport-independent half of every Jaeger transport (gRPC, Thrift over
// HTTP, UDP): decode and translate, count, hand to the consumer, count again,
// with the same malformed() and consumeCounted() as the OTLP and OpenCensus
// receivers, so that every receiver counts alike.
import type { Traces } from '../../model/trace.js';
import { spanCount } from '../../model/trace.js';
import type { Outcome, ReceiveContext } from '../../pipeline/consumer.js';
import { consumeCounted, malformed, type ExportDeps } from '../otlp/export.js';

/**
 * `decode` turns the bytes into Traces (it throws InvalidInputError on bad
 * input); `what` names the input in a rejection ("malformed Jaeger Thrift
 * batch: ..."). An empty batch succeeds without troubling the pipeline.
 */
export async function exportJaeger(decode: () => Traces, what: string, ctx: ReceiveContext, deps: ExportDeps): Promise<Outcome> {
  let traces: Traces;
  try {
    traces = decode();
  } catch (err) {
    return malformed(deps, 'traces', `malformed ${what}`, err);
  }
  const items = spanCount(traces);
  if (items === 0) return { status: 'ok' };
  return consumeCounted(deps, 'traces', items, () => deps.consumer.consumeTraces(traces, ctx));
}
