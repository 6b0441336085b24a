// Jaeger's collector HTTP endpoint on 14268: POST /api/traces with a Thrift
// Batch, as jaeger clients' HTTP senders post it. Answers as Jaeger's
// collector does: 202 Accepted with no body; 400 with the decoder's message;
// 413 past the body limit; 415 for another Content-Type or Content-Encoding;
// and, when the pipeline refuses for now, 503 (or 429 when out of room) with
// Retry-After.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TlsCertificates } from '../../net/tls.js';
import type { Authenticator, Caller } from '../auth/authenticator.js';
import { decodeBatchThrift, tracesFromJaeger, type ThriftProtocol } from '../../protocol/jaeger/index.js';
import { DEFAULT_MAX_BODY_BYTES, mediaType, type BodyBounds } from '../body.js';
import { HttpServer } from '../http-server.js';
import type { ExportDeps } from '../otlp/export.js';
import { answerOutcome, readBodyOrAnswer, unsupportedContentType } from '../text-answers.js';
import { exportJaeger } from './export.js';

export const JAEGER_TRACES_PATH = '/api/traces';

/** Jaeger's collector takes the binary protocol under two names; compact is ours on top. */
const CONTENT_TYPES: Record<string, ThriftProtocol> = {
  'application/x-thrift': 'binary',
  'application/vnd.apache.thrift.binary': 'binary',
  'application/vnd.apache.thrift.compact': 'compact',
};

export interface JaegerThriftHttpReceiverOptions {
  name: string;
  /** 'host:port'; Jaeger's default is '0.0.0.0:14268'. */
  endpoint: string;
  deps: ExportDeps;
  /** Largest body accepted, both as sent and once decompressed; default 4 MiB. */
  maxRequestBytes?: number;
  /** Most a body may inflate, as a multiple of its compressed size (see ../body.ts). */
  maxInflateRatio?: number;
  closeTimeoutMs?: number;
  onError?: (err: unknown) => void;
  tls?: TlsCertificates;
  auth?: Authenticator;
}

export class JaegerThriftHttpReceiver extends HttpServer {
  constructor(o: JaegerThriftHttpReceiverOptions) {
    const bounds: BodyBounds = { maxBytes: o.maxRequestBytes ?? DEFAULT_MAX_BODY_BYTES, maxInflateRatio: o.maxInflateRatio };
    super({
      name: o.name,
      endpoint: o.endpoint,
      closeTimeoutMs: o.closeTimeoutMs,
      onError: o.onError,
      tls: o.tls,
      auth: o.auth,
      routes: [{ path: JAEGER_TRACES_PATH, methods: ['POST'], handle: (req, res, caller) => handle(req, res, caller, o.deps, bounds) }],
    });
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
  deps: ExportDeps,
  bounds: BodyBounds,
): Promise<void> {
  const protocol = CONTENT_TYPES[mediaType(req)];
  if (protocol === undefined) {
    unsupportedContentType(req, res, '', 'application/x-thrift or application/vnd.apache.thrift.binary');
    return;
  }
  const body = await readBodyOrAnswer(req, res, bounds);
  if (body === undefined) return;
  const ctx = { protocol: 'jaeger/thrift_http', peer: req.socket.remoteAddress, receivedAtMs: Date.now(), tenant: caller.tenant };
  answerOutcome(res, await exportJaeger(() => tracesFromJaeger(decodeBatchThrift(body, protocol)), 'Jaeger Thrift batch', ctx, deps));
}
