// Jaeger codecs: the Thrift (jaeger.thrift Batch, binary and compact, and the
// agent's Agent.emitBatch message) and protobuf (api_v2 PostSpansRequest)
// encodings <-> JaegerBatch (thrift.ts, proto.ts), and JaegerBatch <-> model
// Traces (to-model.ts, from-model.ts; the tag keys in attributes.ts). Pure
// functions, no sockets. Every decoder and tracesFromJaeger throw only
// InvalidInputError, with the path of the problem.
import type { Traces } from '../../model/trace.js';
import { decodePostSpansProto } from './proto.js';
import { decodeBatchThrift, decodeEmitBatch } from './thrift.js';
import type { ThriftProtocol } from './thrift-wire.js';
import { tracesFromJaeger } from './to-model.js';

export * from './types.js';
export { JaegerAttr } from './attributes.js';
export { decodeBatchThrift, decodeEmitBatch, encodeBatchThrift, encodeEmitBatch } from './thrift.js';
export type { ThriftProtocol } from './thrift-wire.js';
export { decodePostSpansProto, encodePostSpansProto } from './proto.js';
export { JAEGER_POST_SPANS_PATH } from './proto-root.js';
export { tracesFromJaeger } from './to-model.js';
export { tracesToJaeger } from './from-model.js';

/** POST /api/traces (application/x-thrift): a binary-protocol Batch. */
export function decodeJaegerThriftBody(body: Uint8Array): Traces {
  return tracesFromJaeger(decodeBatchThrift(body, 'binary'));
}

/** One UDP datagram to the agent: compact (6831) or binary (6832) Agent.emitBatch. */
export function decodeJaegerAgentDatagram(datagram: Uint8Array, protocol: ThriftProtocol): Traces {
  return tracesFromJaeger(decodeEmitBatch(datagram, protocol));
}

/** CollectorService.PostSpans (gRPC, 14250): a PostSpansRequest. */
export function decodeJaegerProto(request: Uint8Array): Traces {
  return tracesFromJaeger(decodePostSpansProto(request));
}
