// The Zipkin receiver (9411): POST /api/v2/spans in JSON or proto3 and POST
// /api/v1/spans in JSON or Thrift, the encoding chosen by Content-Type as
// Zipkin's own collector chooses it (absent means JSON), optionally gzip- or
// deflate-compressed. Answers are Zipkin's: 202 with no body once the
// consumer has accepted (the data is in Kafka); 400 with a text message
// naming the problem; 413 past the body limit (as sent or inflated); 415 for
// a Content-Type or Content-Encoding it cannot read; 503, or 429 when we are
// out of room, with Retry-After; 404 and 405 from the server.
import type { IncomingMessage } from 'node:http';
import { spanCount, type Traces } from '../../model/index.js';
import type { Outcome } from '../../pipeline/consumer.js';
import type { Caller } from '../auth/authenticator.js';
import { decodeZipkinV1Json, decodeZipkinV1Thrift, decodeZipkinV2Json, decodeZipkinV2Proto } from '../../protocol/zipkin/index.js';
import { mediaType, type BodyBounds } from '../body.js';
import { httpReceiverServer, type HttpReceiverOptions } from '../http-receiver.js';
import { HttpServer, type HttpHandler } from '../http-server.js';
import { consumeCounted, malformed, type ExportDeps } from '../otlp/export.js';
import { answerOutcome, readBodyOrAnswer, unsupportedContentType } from '../text-answers.js';

/** endpoint: Zipkin's default is '0.0.0.0:9411'. name: default 'zipkin'. */
export type ZipkinReceiverOptions = HttpReceiverOptions;

/** One encoding of one API version: the media types that select it and its decoder. */
interface Encoding {
  /** Names the encoding in error messages: "malformed Zipkin v2 JSON request: ...". */
  label: string;
  mediaTypes: readonly string[];
  decode: (body: Uint8Array) => Traces;
}

interface Api {
  path: string;
  /** ReceiveContext.protocol. */
  protocol: string;
  /** What an absent Content-Type means: JSON, as in Zipkin's collector. */
  encodings: readonly Encoding[];
}

const JSON_TYPES = ['application/json', ''] as const;

const V2: Api = {
  path: '/api/v2/spans',
  protocol: 'zipkin/v2',
  encodings: [
    { label: 'Zipkin v2 JSON', mediaTypes: JSON_TYPES, decode: decodeZipkinV2Json },
    { label: 'Zipkin v2 protobuf', mediaTypes: ['application/x-protobuf', 'application/protobuf'], decode: decodeZipkinV2Proto },
  ],
};

const V1: Api = {
  path: '/api/v1/spans',
  protocol: 'zipkin/v1',
  encodings: [
    { label: 'Zipkin v1 JSON', mediaTypes: JSON_TYPES, decode: decodeZipkinV1Json },
    { label: 'Zipkin v1 Thrift', mediaTypes: ['application/x-thrift', 'application/vnd.apache.thrift.binary'], decode: decodeZipkinV1Thrift },
  ],
};

export class ZipkinReceiver extends HttpServer {
  constructor(options: ZipkinReceiverOptions) {
    super(
      httpReceiverServer(options, options.name ?? 'zipkin', (deps, bounds) =>
        [V2, V1].map((api) => ({ path: api.path, methods: ['POST'], handle: spansHandler(api, deps, bounds) })),
      ),
    );
  }
}

function encodingOf(api: Api, req: IncomingMessage): Encoding | undefined {
  const type = mediaType(req);
  return api.encodings.find((e) => e.mediaTypes.includes(type));
}

function spansHandler(api: Api, deps: ExportDeps, bounds: BodyBounds): HttpHandler {
  const accepted = api.encodings.flatMap((e) => e.mediaTypes.filter((t) => t !== '')).join(' or ');
  return async (req, res, caller) => {
    const encoding = encodingOf(api, req);
    if (encoding === undefined) {
      unsupportedContentType(req, res, ` on ${api.path}`, accepted);
      return;
    }
    const body = await readBodyOrAnswer(req, res, bounds);
    if (body === undefined) return;
    answerOutcome(res, await receive(api, encoding, body, req, caller, deps));
  };
}

async function receive(api: Api, encoding: Encoding, body: Uint8Array, req: IncomingMessage, caller: Caller, deps: ExportDeps): Promise<Outcome> {
  let traces: Traces;
  try {
    traces = encoding.decode(body);
  } catch (err) {
    return malformed(deps, 'traces', `malformed ${encoding.label} request`, err);
  }
  const spans = spanCount(traces);
  // An empty list (a reporter's idle flush) is accepted without troubling the pipeline.
  if (spans === 0) return { status: 'ok' };
  const ctx = { protocol: api.protocol, peer: req.socket.remoteAddress, receivedAtMs: Date.now(), tenant: caller.tenant };
  return consumeCounted(deps, 'traces', spans, () => deps.consumer.consumeTraces(traces, ctx));
}
