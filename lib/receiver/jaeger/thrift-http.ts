// Jaeger's collector HTTP endpoint on 14268: POST /api/traces with a Thrift
// Batch, as jaeger clients' HTTP senders post it. Answers as Jaeger's
// collector does: 202 Accepted with no body; 400 with the decoder's message;
// 413 past the body limit; 415 for another Content-Type or Content-Encoding;
// and, when the pipeline refuses for now, 503 (or 429 when out of room) with
// Retry-After.
import type { IncomingMessage } from 'node:http';
import type { TlsCertificates } from '../../net/tls.js';
import type { Authenticator, Caller } from '../auth/authenticator.js';
import { decodeBatchThrift, tracesFromJaeger, type ThriftProtocol } from '../../protocol/jaeger/index.js';
import { DEFAULT_MAX_BODY_BYTES, mediaType, readBody, type BodyBounds } from '../body.js';
import { HttpServer, send } from '../http-server.js';
import type { ExportDeps } from '../otlp/export.js';
import { httpStatusFor, outcomeMessage, retryAfterSeconds } from '../outcome.js';
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

const TEXT = 'text/plain; charset=utf-8';

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
  res: Parameters<typeof send>[0],
  caller: Caller,
  deps: ExportDeps,
  bounds: BodyBounds,
): Promise<void> {
  const protocol = CONTENT_TYPES[mediaType(req)];
  if (protocol === undefined) {
    const message = `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}; use application/x-thrift or application/vnd.apache.thrift.binary\n`;
    // The body is unread: close rather than drain an upload we will not use.
    send(res, 415, TEXT, message, { connection: 'close' });
    return;
  }
  const body = await readBody(req, bounds);
  if (!body.ok) {
    if (body.status !== 'aborted') send(res, body.status, TEXT, `${body.message}\n`, body.status === 413 ? { connection: 'close' } : {});
    return;
  }
  const ctx = { protocol: 'jaeger/thrift_http', peer: req.socket.remoteAddress, receivedAtMs: Date.now(), tenant: caller.tenant };
  const outcome = await exportJaeger(() => tracesFromJaeger(decodeBatchThrift(body.body, protocol)), 'Jaeger Thrift batch', ctx, deps);
  if (outcome.status === 'ok') {
    send(res, 202, TEXT, '');
    return;
  }
  const status = httpStatusFor(outcome);
  if (outcome.status === 'rejected') {
    send(res, status, TEXT, `${outcomeMessage(outcome)}\n`);
    return;
  }
  const seconds = retryAfterSeconds(outcome.retryAfterMs);
  send(res, status, TEXT, `${outcomeMessage(outcome)}\n`, { 'retry-after': String(seconds) });
}
