// Zipkin codecs: request bodies of the Zipkin API (v2 JSON and proto3 on
// /api/v2/spans; v1 JSON and Thrift on /api/v1/spans) <-> the model. Pure
// functions, no sockets. Every decoder throws only InvalidInputError, with a
// message that says where the problem is (`[3].traceId: must be 16 or 32 hex
// digits, got "abc"`). The mapping is documented in to-model.ts,
// from-model.ts and v1-convert.ts; the attribute keys in attributes.ts.
import type { Traces } from '../../model/index.js';
import { tracesToZipkin } from './from-model.js';
import { zipkinToTraces } from './to-model.js';
import { v1ToV2 } from './v1-convert.js';
import { readV1Json } from './v1-json.js';
import { readV1Thrift } from './v1-thrift.js';
import { readV2Json, writeV2Json } from './v2-json.js';
import { readV2Proto, writeV2Proto } from './v2-proto.js';

export { ZipkinAttr } from './attributes.js';
export { ZipkinInputError } from './errors.js';

/** POST /api/v2/spans, application/json: a JSON array of v2 spans. */
export function decodeZipkinV2Json(body: Uint8Array | string): Traces {
  return zipkinToTraces(readV2Json(body));
}

/** POST /api/v2/spans, application/x-protobuf: a ListOfSpans. */
export function decodeZipkinV2Proto(body: Uint8Array): Traces {
  return zipkinToTraces(readV2Proto(body));
}

/** POST /api/v1/spans, application/json: a JSON array of v1 spans. */
export function decodeZipkinV1Json(body: Uint8Array | string): Traces {
  return zipkinToTraces(readV1Json(body).flatMap(v1ToV2));
}

/** POST /api/v1/spans, application/x-thrift: a TBinaryProtocol list<Span>. */
export function decodeZipkinV1Thrift(body: Uint8Array): Traces {
  return zipkinToTraces(readV1Thrift(body).flatMap(v1ToV2));
}

/** The body of POST /api/v2/spans with application/json. */
export function encodeZipkinV2Json(traces: Traces): string {
  return writeV2Json(tracesToZipkin(traces));
}

/** The body of POST /api/v2/spans with application/x-protobuf. */
export function encodeZipkinV2Proto(traces: Traces): Uint8Array {
  return writeV2Proto(tracesToZipkin(traces));
}
