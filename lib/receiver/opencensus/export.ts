// One OpenCensus export message, whichever transport it came on: decode,
// apply the stream's Node and Resource, translate to the model, hand on and
// count. The gRPC streams call it once per message; the HTTP/JSON gateway once
// per request (a stream of one message).
//
// Node and Resource are sticky per stream, each on its own: a message without
// one inherits the last one sent on the stream. A message with a new Node
// switches the node but keeps the last Resource unless it carries its own.
// That is what the protocol says ("If unset, the most recently set resource in
// the RPC stream applies") and what the OpenCensus agent and the OpenTelemetry
// Collector's opencensus receiver do; a sender that multiplexes applications
// on one stream sends each one's resource with its node.
import { InvalidInputError } from '../../errors.js';
import type { Metrics, Traces } from '../../model/index.js';
import { dataPointCount, spanCount } from '../../model/index.js';
import type { Outcome, ReceiveContext } from '../../pipeline/consumer.js';
import {
  OC_METRICS_EXPORT_PATH,
  OC_TRACE_EXPORT_PATH,
  decodeMetricsRequestJson,
  decodeMetricsRequestProto,
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  metricsFromOc,
  tracesFromOc,
  type OcExportMetricsRequest,
  type OcExportTraceRequest,
  type OcNode,
  type OcResource,
} from '../../protocol/opencensus/index.js';
import type { Signal } from '../../telemetry/stats.js';
import { consumeCounted, malformed, type ExportDeps } from '../otlp/export.js';

export type OcFormat = 'proto' | 'json';

/** The protocol's rule, quoted in every refusal of a first message without a Node. */
export const NODE_RULE = 'the first message of an OpenCensus export stream must carry a node';

export interface OcRequest {
  node: OcNode | undefined;
  resource: OcResource | undefined;
}

export interface OcSignal<R extends OcRequest, D> {
  signal: Signal;
  grpcPath: string;
  /** The gateway's path. */
  httpPath: string;
  decode(format: OcFormat, body: Uint8Array): R;
  /** To the model; throws InvalidInputError on content the model cannot hold. */
  translate(request: R): D;
  count(data: D): number;
  consume(deps: ExportDeps, data: D, ctx: ReceiveContext): Promise<Outcome>;
}

export const TRACES: OcSignal<OcExportTraceRequest, Traces> = {
  signal: 'traces',
  grpcPath: OC_TRACE_EXPORT_PATH,
  httpPath: '/v1/trace',
  decode: (format, body) => (format === 'proto' ? decodeTraceRequestProto(body) : decodeTraceRequestJson(body)),
  translate: tracesFromOc,
  count: spanCount,
  consume: (deps, data, ctx) => deps.consumer.consumeTraces(data, ctx),
};

export const METRICS: OcSignal<OcExportMetricsRequest, Metrics> = {
  signal: 'metrics',
  grpcPath: OC_METRICS_EXPORT_PATH,
  httpPath: '/v1/metrics',
  decode: (format, body) => (format === 'proto' ? decodeMetricsRequestProto(body) : decodeMetricsRequestJson(body)),
  translate: metricsFromOc,
  count: dataPointCount,
  consume: (deps, data, ctx) => deps.consumer.consumeMetrics(data, ctx),
};

/** What a stream remembers between messages. */
export interface StreamState {
  node: OcNode | undefined;
  resource: OcResource | undefined;
}

export function newStreamState(): StreamState {
  return { node: undefined, resource: undefined };
}

/**
 * Processes one message of a stream. The Outcome is 'ok' only once the
 * consumer said ok (the data is in Kafka), or when there was nothing to hand
 * on (a message with a Node and no spans, as exporters send first).
 */
export async function exportMessage<R extends OcRequest, D>(
  sig: OcSignal<R, D>,
  format: OcFormat,
  body: Uint8Array,
  state: StreamState,
  ctx: ReceiveContext,
  deps: ExportDeps,
): Promise<Outcome> {
  const what = `OpenCensus/${format === 'proto' ? 'protobuf' : 'JSON'} ${sig.signal} message`;
  let request: R;
  try {
    request = sig.decode(format, body);
  } catch (err) {
    return malformed(deps, sig.signal, `malformed ${what}`, err);
  }
  if (request.node === undefined && state.node === undefined) {
    return malformed(deps, sig.signal, `invalid ${what}`, new InvalidInputError(NODE_RULE));
  }
  if (request.node !== undefined) state.node = request.node;
  if (request.resource !== undefined) state.resource = request.resource;
  let data: D;
  try {
    data = sig.translate({ ...request, node: state.node, resource: state.resource });
  } catch (err) {
    return malformed(deps, sig.signal, `invalid ${what}`, err);
  }
  const items = sig.count(data);
  if (items === 0) return { status: 'ok' };
  return consumeCounted(deps, sig.signal, items, () => sig.consume(deps, data, ctx));
}
